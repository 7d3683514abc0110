"""Identity never changes silently (issue 10 #4)."""

from __future__ import annotations

import pytest
from cells import run
from IPython.utils.capture import capture_output


def test_logout_of_the_current_session_leaves_none_current(shell, aws, monkeypatch):
    assert run(shell, "%mwaa_login fast3 --as admin_view")[0].success
    for name, value in aws.identity_env(1).items():  # bob, a Viewer
        monkeypatch.setenv(name, value)
    assert run(shell, "%mwaa_login fast3 --as viewer")[0].success
    result, out = run(shell, "%mwaa logout")  # of viewer, the current one
    assert result.success and "No current session" in out and "admin_view" in out and "%mwaa use NAME" in out
    result, out = run(shell, "%mwaa dags")
    assert not result.success and "Traceback" not in out
    assert "No current MWAA session" in out and "admin_view" in out and "%mwaa use NAME" in out
    assert run(shell, "%mwaa use admin_view")[0].success
    assert run(shell, "%mwaa dags")[0].success


def test_replacing_a_bound_session_says_who_replaced_whom(shell, aws, monkeypatch):
    assert run(shell, "%mwaa_login fast3")[0].success
    for name, value in aws.identity_env(1).items():  # bob
        monkeypatch.setenv(name, value)
    result, out = run(shell, "%mwaa_login fast2")
    assert result.success
    lines = [line for line in out.splitlines() if line.startswith("mwaa was ")]  # no backticks: text output
    assert len(lines) == 1, out
    assert "fast3" in lines[0] and "admin" in lines[0] and "fast2" in lines[0] and "viewer" in lines[0].lower()


def test_a_first_login_prints_no_replacement(shell):
    result, out = run(shell, "%mwaa_login fast3")
    assert result.success and "was " not in out


@pytest.mark.parametrize(
    "env, served",
    [
        ({"JPY_SESSION_NAME": "n.ipynb"}, True),
        ({}, False),  # jupyter console, a bare kernel
        ({"JPY_SESSION_NAME": "n.ipynb", "VSCODE_PID": "42"}, False),  # VS Code: a webview, no /mwaa routes
        ({"JPY_SESSION_NAME": "n.ipynb", "COLAB_RELEASE_TAG": "x"}, False),
    ],
)
def test_the_card_links_only_where_a_jupyter_server_serves_the_route(shell, monkeypatch, env, served):
    for name in ("JPY_SESSION_NAME", "VSCODE_PID", "COLAB_RELEASE_TAG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with capture_output() as captured:
        assert shell.run_cell("%mwaa_login fast3").success
    html = captured.outputs[0].data["text/html"]
    assert ("/mwaa/open?environment=fast3" in html) is served
    assert ("%mwaa ui" in html) is not served
