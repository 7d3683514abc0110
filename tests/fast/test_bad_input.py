"""Bad input ends in one line, never a traceback, never a hang, never a call (issue 10 #8-#11)."""

from __future__ import annotations

import string
import subprocess
import sys
import textwrap

import pytest
from cells import assert_one_line, run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from IPython.core.error import UsageError
from IPython.utils.capture import capture_output

from mwaa_magic.core import errors


@pytest.mark.parametrize(
    "line, fragment",
    [
        ("%mwaa_login fast3 --region not-a-region", "not an AWS region"),
        ("%mwaa_login fast3 --region 'us-east-1\\x00'", "not an AWS region"),
        ("%mwaa envs --region Mars", "not an AWS region"),
        ("%mwaa_login 'fast3", "No closing quotation"),
        ("%mwaa dags 'x", "No closing quotation"),
        ("%mwaa runs", "the following arguments are required"),
        ("%mwaa nosuch", "has no subcommand 'nosuch'"),
        ("%mwaa runs etl --limit 0", "--limit"),
    ],
)
def test_bad_magic_lines_are_one_line(shell, aws, line, fragment):
    before = sum(aws.admin.calls().values())
    assert_one_line(*run(shell, line), fragment)
    assert sum(aws.admin.calls().values()) == before  # no AWS call


def test_a_hostname_label_over_63_characters_is_refused(shell):
    assert_one_line(*run(shell, "%mwaa_login long-label"), "InvalidHostname")


@pytest.mark.parametrize("environment", ["crlf-host", "markup-host"])
def test_hostile_hostnames_are_refused_by_every_transport(shell, environment):
    for transport in ("token", "invoke", "auto"):
        result, out = run(shell, f"%mwaa_login {environment} --transport {transport}")
        assert_one_line(result, out, "InvalidHostname")
        assert "\r" not in out and "<img" not in out and "\x1b[31m" not in out


@pytest.mark.parametrize(
    "path, fragment",
    [
        ("/x\r\nInjected: 1", "control characters"),
        ("../../..", "leaves the REST API root"),
        ("/dags/%2e%2e/%2e%2e/", "leaves the REST API root"),
        ("/dags?limit=1", "query parameters as keywords"),
        ("http://evil.example.com/", "not a plain API path"),
        ("", "REST path"),
    ],
)
def test_bad_paths_are_refused_before_any_request(shell, stub, path, fragment):
    assert run(shell, "%mwaa_login fast3")[0].success
    before = len(stub.state.requests)
    shell.user_ns["path"] = path
    assert_one_line(*run(shell, "mwaa.get(path)"), fragment)
    assert len(stub.state.requests) == before


def test_an_answer_that_is_not_json_is_an_error(shell, stub):
    assert run(shell, "%mwaa_login fast3")[0].success
    stub.fail("GET", "/api/v2/dags", action="html")
    assert_one_line(*run(shell, "mwaa.dags()"), "text/html, not JSON")


def test_a_huge_conf_line_is_refused_quickly_with_a_pointer_to_python(shell, stub):
    assert run(shell, "%mwaa_login fast3")[0].success
    conf = '{"k": "' + "x" * 1_000_000 + '"}'
    result, out = run(shell, f"%mwaa trigger etl --conf '{conf}'")
    assert_one_line(result, out, "mwaa.trigger(")
    assert stub.state.count("POST", "/api/v2/dags/etl/dagRuns") == 0


def test_ui_without_a_browser_prints_the_link_and_its_lifetime(aws, tmp_path):
    """A terminal IPython (no kernel) where ``webbrowser.open`` finds no browser (SSH, a container)."""
    script = textwrap.dedent("""
        from IPython.core.interactiveshell import InteractiveShell
        shell = InteractiveShell.instance()
        shell.run_line_magic("load_ext", "mwaa_magic")
        shell.run_line_magic("mwaa_login", "fast3")
        shell.run_line_magic("mwaa", "ui")
    """)
    import os

    env = {**os.environ, "BROWSER": "/bin/false", "DISPLAY": "", "WAYLAND_DISPLAY": ""}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60).stdout
    assert "Opened the Airflow UI" not in out
    assert "No browser here" in out and "within 60 s" in out and "/aws-console-sso?login=true#" in out


# --- generated input -------------------------------------------------------------------------------
LINES = st.text(alphabet=st.sampled_from(string.printable + "ßé\u202e\x00'\""), max_size=80)


def _clean_failure(shell, code: str) -> None:
    with capture_output() as captured:
        result = shell.run_cell(code)
    error = result.error_in_exec or result.error_before_exec
    out = captured.stdout + captured.stderr
    assert error is None or isinstance(error, (errors.MwaaError, UsageError)), f"{code!r}: {error!r}"
    assert "Traceback" not in out, f"{code!r}: {out}"


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(line=LINES, magic=st.sampled_from(["mwaa_login", "mwaa", "mwaa runs", "mwaa trigger", "mwaa logs", "mwaa envs"]))
def test_generated_magic_lines_fail_cleanly(shell, aws, line, magic):
    shell.user_ns["_line"] = line
    _clean_failure(shell, f"get_ipython().run_line_magic({magic.split()[0]!r}, {' '.join(magic.split()[1:])!r} + ' ' + _line)")


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(path=LINES)
def test_generated_paths_fail_cleanly(shell, stub, path):
    if "mwaa" not in shell.user_ns:
        assert run(shell, "%mwaa_login fast3")[0].success
    shell.user_ns["_path"] = path
    _clean_failure(shell, "mwaa.get(_path)")


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    name=st.text(max_size=90).filter(
        lambda n: (
            not (
                n[:1].isascii()
                and n[:1].isalpha()
                and n.replace("-", "").replace("_", "").isalnum()
                and n.isascii()
                and len(n) <= 80
            )
        )
    )
)
def test_invalid_names_make_no_aws_call(shell, aws, name):
    before = sum(aws.admin.calls().values())
    shell.user_ns["_name"] = name
    _clean_failure(shell, "from mwaa_magic.login import connect; connect(_name)")
    assert sum(aws.admin.calls().values()) == before
