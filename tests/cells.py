"""Run a cell in a test's IPython shell and check how it failed: the one cell helper of both tiers."""

from __future__ import annotations

import re

from IPython.utils.capture import capture_output

ANSI = re.compile(r"\x1b\[[0-9;]*m")


class Output(str):
    """What a cell printed, stdout then stderr, as one string; ``.stdout``, ``.stderr`` and ``.outputs`` (its
    rich displays) apart."""

    stdout: str
    stderr: str
    outputs: list


def run(shell, code: str):
    """``(result, output)`` of running ``code`` as a cell."""
    with capture_output() as captured:
        result = shell.run_cell(code)
    out = Output(captured.stdout + captured.stderr)
    out.stdout, out.stderr, out.outputs = captured.stdout, captured.stderr, captured.outputs
    return result, out


def error_line(result, out: str) -> str:
    """The failed cell's error as shown: the last line, holding the whole message (which is one line), no traceback."""
    assert not result.success, "the cell must fail"
    error = result.error_in_exec or result.error_before_exec
    message = str(error)
    assert message.strip() and "\n" not in message.strip(), f"the message is not one line: {message!r}"
    lines = [line for line in ANSI.sub("", out).splitlines() if line.strip()]
    assert lines and lines[-1] == f"{type(error).__name__}: {message}", out
    if type(error).__name__ != "DagImportError":  # that one shows Airflow's traceback of the user's file, by design
        assert "Traceback" not in out, out
    else:
        assert "Cell In[" not in out and "mwaa_magic/" not in out, out  # never a traceback of ours
    return lines[-1]


def assert_one_line(result, out: str, *fragments: str) -> str:
    """The cell failed with one line and printed nothing else; the line holds every fragment."""
    line = error_line(result, out)
    assert len(out.strip().splitlines()) == 1, out
    for fragment in fragments:
        assert fragment in line, out
    return line
