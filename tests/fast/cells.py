"""Run a cell in the fast tier's shell and check how it failed (shared by the fast test modules)."""

from __future__ import annotations

from IPython.utils.capture import capture_output


def run(shell, line: str):
    """The cell's result and what it printed (stdout and stderr)."""
    with capture_output() as captured:
        result = shell.run_cell(line)
    return result, captured.stdout + captured.stderr


def assert_one_line(result, out: str, *fragments: str) -> None:
    """The cell failed with one line, no traceback, holding every fragment."""
    assert not result.success, "the cell must fail"
    assert "Traceback" not in out and len(out.strip().splitlines()) == 1, out
    for fragment in fragments:
        assert fragment in out, out
