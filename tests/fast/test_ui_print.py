"""A link in every front end (issue 19 #4): ``%mwaa ui --print`` prints the token link as text, after a secret warning."""

from __future__ import annotations

import webbrowser

import nbformat
import pytest
from cells import run
from nbclient import NotebookClient

pytestmark = pytest.mark.fast


@pytest.fixture
def no_browser(monkeypatch):
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url) or True)
    return opened


@pytest.mark.parametrize("kernel", [False, True], ids=["plain IPython", "jupyter console"])
def test_print_prints_the_link_after_saying_it_is_a_secret(shell, issued, no_browser, monkeypatch, kernel):
    if kernel:
        monkeypatch.setattr(shell, "kernel", object(), raising=False)
    assert run(shell, "%mwaa_login fast3")[0].success
    result, out = run(shell, "%mwaa ui --print")
    assert result.success and no_browser == [] and out.outputs == [], out
    warning, url = out.stdout.strip().splitlines()
    assert "secret" in warning and "once" in warning and "60 s" in warning and "fast3" in warning, warning
    assert url.startswith("http") and any(secret in url for secret in issued()), url


def test_a_console_is_told_how_to_get_a_link(shell, issued, no_browser, monkeypatch):
    monkeypatch.setattr(shell, "kernel", object(), raising=False)  # a kernel with no Jupyter server: jupyter console
    assert run(shell, "%mwaa_login fast3")[0].success
    result, out = run(shell, "%mwaa ui")
    assert result.success and "%mwaa ui --print" in out and "notebooks only" not in out, out
    assert not any(secret in out for secret in issued())
    result, out = run(shell, "%mwaa ui --token-link")
    assert "notebooks only" not in repr(out.outputs[0].data) and "--print" in out.outputs[0].data["text/plain"]


def test_help_says_print_writes_the_secret_to_the_output(shell):
    out = run(shell, "%mwaa ui -h")[1]
    assert "--print" in out and "secret" in out


def test_print_puts_the_token_in_no_rich_display_of_a_saved_notebook(aws, issued, tmp_path):
    cells = ("%load_ext mwaa_magic", "%mwaa_login fast3", "%mwaa ui --print")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = nb.cells[2].outputs
    assert [o.output_type for o in outputs] == ["stream"], outputs  # printed when asked, never a display
    shown = {repr(o.get("data")) for c in nb.cells for o in c.outputs if o.output_type != "stream"}
    assert not any(secret in text for secret in issued() for text in shown)
    assert any(secret in outputs[0].text for secret in issued())
