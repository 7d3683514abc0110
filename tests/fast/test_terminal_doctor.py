"""``python -m mwaa_magic doctor`` in a terminal (issue 17 #14): bad input exits 2 at once, what it prints
never carries a raw control character, and Ctrl-C ends it with one line and exit code 130."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

import pytest

ESC = "\x1b"
INTERRUPTED = 128 + signal.SIGINT


def doctor(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mwaa_magic", "doctor", *args],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=timeout,
    )


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    return lines[0]


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["fast3", "--region", "mars"], "NoRegion"),
        (["fast3", "--region", "us-east-1\x1b[2J"], "NoRegion"),
        (["fast3", "--region", "\x1b]0;owned\x07"], "NoRegion"),
        (["fast3", "--profile", "me\x1b[31m"], "ProfileNotFound"),
        (["fast3", "--profile", "no such profile"], "ProfileNotFound"),
        (["fast\x1b[31m3"], "InvalidEnvironmentName"),
    ],
    ids=["mars", "esc-in-region", "osc-in-region", "esc-in-profile", "bad-profile", "esc-in-name"],
)
def test_bad_input_exits_2_with_one_clean_line_before_any_call(aws, args, code):
    before = aws.admin.calls()
    result = doctor(*args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == ""
    line = one_line(result.stderr)
    assert line.startswith(code) and ESC not in line and "\x07" not in line and "Traceback" not in line
    assert aws.admin.calls() == before, "bad input reached AWS"


def test_what_the_server_says_is_printed_without_control_characters(aws):
    """An environment whose web-server hostname holds an ESC sequence (the emulator's ``markup-host``)."""
    for args in (["markup-host"], ["markup-host", "--json"]):
        result = doctor(*args)
        assert result.returncode in (0, 1)
        assert ESC not in result.stdout + result.stderr and "Traceback" not in result.stderr


def test_ctrl_c_prints_one_line_and_exits_130(aws, monkeypatch):
    silent = socket.create_server(("127.0.0.1", 0), backlog=16)  # accepts, never answers: the doctor waits there
    monkeypatch.setenv("MWAA_MAGIC_WEBSERVER_URLS", f"http://127.0.0.1:{silent.getsockname()[1]}")
    process = subprocess.Popen(
        [sys.executable, "-m", "mwaa_magic", "doctor", "fast3"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    try:
        silent.settimeout(60)
        silent.accept()[0].close()  # the doctor reached the web server: it is in the middle of its run
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        process.kill()
        silent.close()
    assert process.returncode == INTERRUPTED, err
    assert one_line(err) == "Interrupted: mwaa doctor stopped before every check ran."
    assert "Traceback" not in err and out == ""


def test_an_unknown_option_is_escaped_too():
    result = doctor("fast3", "--colour\x1b[2J")
    assert result.returncode == 2 and "--colour\\x1b[2J" in result.stderr
    assert ESC not in result.stdout + result.stderr and "Traceback" not in result.stderr
