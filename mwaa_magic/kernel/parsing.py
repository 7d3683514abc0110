"""Checks of magic arguments that need no call: variable names, JSON options, the line itself."""

from __future__ import annotations

import builtins
import keyword
import re
import shlex

from IPython.core.error import UsageError

from ..core.arguments import parse_json_object

MAX_LINE = 64 * 1024  # characters in one magic line; bigger configurations go through Python
json_object = parse_json_object  # ``--conf``: the Python API's check (NaN, 1e999, deep nesting refused)


# IPython's own names in the user namespace: its objects, and the output/input history (_, __, _i3, _7, ...)
IPYTHON_NAMES = frozenset({"In", "Out", "get_ipython", "exit", "quit", "_ih", "_oh", "_dh"})
_HISTORY_NAME = re.compile(r"_+|_i+|_i?\d+")
_DUNDER = re.compile(r"__\w*__")
NAME_RULE = "a plain variable name (not a keyword, nor a name Python or IPython keeps: builtins, dunders, In, Out, _, _i1)"


def variable_name(name: str) -> str:
    """``name`` if a cell may bind a result to it, else a one-line UsageError (checked before any call).

    Binding a keyword is impossible (``def.dags()``), and binding Python's or IPython's own names breaks the
    kernel (``__builtins__``) or its history (``_``, ``Out``), so those are refused too.
    """
    shown = f"{name[:40]!r}"
    if not name.isidentifier():
        raise UsageError(f"{shown} is not a valid Python variable name: use {NAME_RULE}.")
    if keyword.iskeyword(name):
        raise UsageError(f"{shown} is a Python keyword: use {NAME_RULE}.")
    if name in IPYTHON_NAMES or _HISTORY_NAME.fullmatch(name) or _DUNDER.fullmatch(name) or hasattr(builtins, name):
        raise UsageError(f"{shown} would replace Python's or IPython's own {shown}: use {NAME_RULE}.")
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
