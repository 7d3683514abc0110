"""Secrets never show: not in DEBUG logs of any library, not in reprs, not in verbose tracebacks (issue 10 #1, #2)."""

from __future__ import annotations

import contextlib
import gc
import logging
import types
from collections import deque

import pytest

from mwaa_magic.core.secret import Secret

LIBRARY_LOGGERS = ("", "botocore", "boto3", "urllib3", "httpx", "httpcore", "mwaa_magic", "tornado")


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def debug_logs():
    """Everything every library logs at DEBUG, as ``logging.basicConfig(level=DEBUG)`` would show it."""
    capture = Capture()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(capture)
    root.setLevel(logging.DEBUG)
    touched = [(logging.getLogger(n), logging.getLogger(n).level) for n in LIBRARY_LOGGERS if n]
    for logger, _ in touched:
        logger.setLevel(logging.DEBUG)
    yield capture
    root.removeHandler(capture)
    root.setLevel(old_level)
    for logger, level in touched:
        logger.setLevel(level)


def leaked(text: str, secrets: list[str]) -> list[str]:
    return [s[:6] + "..." for s in secrets if s and s in text]


def test_debug_logs_hold_no_secret(shell, aws, stub, debug_logs, issued, capsys):
    shell.run_line_magic("mwaa_login", "fast3")  # CreateWebLoginToken + login (Set-Cookie: _token=...)
    mwaa = shell.user_ns["mwaa"]
    mwaa.dags()
    stub.state.credentials.clear()  # the session expires: the next call logs in again
    mwaa.get("/version")
    shell.run_line_magic("mwaa", "cli dags list")  # CreateCliToken + Bearer
    shell.run_line_magic("mwaa", "ui --token-link")  # a console link minted now
    shell.run_line_magic("mwaa_login", "fast2 --as old")  # Airflow 2: session cookie
    shell.user_ns["old"].dags()
    logs = "\n".join(debug_logs.lines)
    assert "CreateWebLoginToken" in logs and "Set-Cookie" in logs.replace("set-cookie", "Set-Cookie")  # DEBUG really on
    secrets = issued()
    assert len(secrets) >= 6
    assert leaked(logs, secrets) == []


def test_no_reachable_object_shows_the_credential(shell, issued):
    shell.run_line_magic("mwaa_login", "fast3")
    session = shell.user_ns["mwaa"]
    session.dags()
    seen, shown, todo = set(), [], deque([session])
    while todo and len(seen) < 30000:  # every object reachable from the session (breadth first), and its repr
        obj = todo.popleft()
        if id(obj) in seen or isinstance(obj, (type, Secret, types.ModuleType, types.FunctionType)):
            continue
        seen.add(id(obj))
        with contextlib.suppress(Exception):
            shown.append(repr(obj))
        todo.extend(r for r in gc.get_referents(obj) if not isinstance(r, (str, bytes, int, float)))
    text = "\n".join(shown)
    assert "<Cookies[" in text  # we really walked into the web client
    assert leaked(text, issued()) == []


def test_verbose_traceback_of_a_failed_request_shows_no_credential(shell, issued, capsys):
    shell.run_line_magic("mwaa_login", "fast3")
    shell.run_line_magic("xmode", "Verbose")
    try:
        result = shell.run_cell("mwaa.post('/dags/x/dagRuns', json={'conf': object()})")  # TypeError inside httpx
    finally:
        shell.run_line_magic("xmode", "Context")
    out = capsys.readouterr()
    assert not result.success and "TypeError" in out.out + out.err
    assert leaked(out.out + out.err, issued()) == []


def test_the_whole_suite_scan_finds_a_planted_secret(tmp_path):
    """The end-of-run scan (tests/secret_scan.py) would see a leak in any file a test wrote."""
    from secret_scan import leaks

    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
    (tmp_path / "debug.log").write_text(f"httpcore DEBUG receive_response_headers [(b'set-cookie', b'_token={jwt}; Path=/')]")
    (tmp_path / "run.ipynb").write_text('{"outputs": ["token: Zm9vYmFyYmF6cXV4MTIzNDU2"]}')
    (tmp_path / "clean.txt").write_text("nothing here")
    files, size, found = leaks(tmp_path, {jwt, "Zm9vYmFyYmF6cXV4MTIzNDU2", "never-written-anywhere-123"})
    assert files == 3 and size > 0 and found == {"debug.log": 1, "run.ipynb": 1}


def test_a_printed_login_link_is_masked_in_any_log(caplog):
    """``%mwaa ui --print`` writes the token link to stdout on purpose; a notebook runner logging that stream at
    DEBUG (nbclient does) must not keep the token (found by the whole-suite scan in a run of nbclient's log)."""
    import logging

    from mwaa_magic.core import redaction

    redaction.install()
    token = "eyJraW5kIjoid2ViIn0.c2lnbmF0dXJlX29mX3RoZV90b2tlbg"  # the emulator's shape: body.signature, two parts
    shown = (
        f"{{'name': 'stdout', 'text': 'secret:\\nhttp://127.0.0.1:1/pluginsv2/aws_mwaa/aws-console-sso?login=true#{token}\\n'}}"
    )
    with caplog.at_level(logging.DEBUG, logger="traitlets"):
        logging.getLogger("traitlets").debug("content: %s", shown)
    assert token not in caplog.text and "aws-console-sso?login=true#***" in caplog.text
