"""Checks of magic arguments that need no call: variable names, JSON options, the line itself."""

from __future__ import annotations

import json
import shlex

from IPython.core.error import UsageError

MAX_LINE = 64 * 1024  # characters in one magic line; bigger configurations go through Python


def identifier(name: str) -> str:
    """``name`` if it is a valid Python variable name, else a UsageError (checked before any call)."""
    if not name.isidentifier():
        raise UsageError(f"{name[:40]!r} is not a valid Python variable name.")
    return name


def split_line(line: str, prog: str) -> list[str]:
    """The words of a magic line, shell-style; too long or unbalanced input is a one-line UsageError."""
    if len(line) > MAX_LINE:
        raise UsageError(
            f"{prog}: the line has {len(line):,} characters (at most {MAX_LINE:,}); pass big values "
            "from Python instead, e.g. mwaa.trigger('dag', conf=big_dict)."
        )
    try:
        return shlex.split(line)
    except ValueError as exc:  # unbalanced quotes
        raise UsageError(f"{prog}: {exc} in the line; close the quote or escape it.") from None


def json_object(text: str | None, flag: str) -> dict | None:
    """A JSON object from a magic option (``--conf``), or a one-line UsageError."""
    if text is None:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f'{flag} must be JSON, e.g. {flag} \'{{"date": "2026-01-01"}}\' ({exc.msg}).') from None
    if not isinstance(value, dict):
        raise UsageError(f"{flag} must be a JSON object.")
    return value
