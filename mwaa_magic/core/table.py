"""Table: a list of dicts that shows as a table (HTML in notebooks, text in terminals) and still acts as a list.

What ``mwaa.dags()`` and the ``%mwaa`` subcommands return; ``.to_dataframe()`` gives pandas (optional).
Text columns are left-aligned and numbers right-aligned; in HTML the marks (✓ ✗ ⚠ skipped –) take JupyterLab's
theme colours, a row with ✗ stands out, and long cells are shown in full (a multi-line one folds in ``<details>``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from typing import Any

from . import errors
from .text import SHORT, shorten


def readable_colour(variable: str, fallback: str) -> str:
    """JupyterLab's theme colour ``variable`` (``fallback``: its light theme's) mixed 70/30 with the theme's text
    colour (black in light themes, white in dark ones): its status colours alone miss WCAG AA (4.5:1) in one theme
    or the other (green-700 on white is 4.1:1, red-700 on the dark theme's #111 3.8:1); mixed, they meet it in both."""
    return f"color-mix(in srgb, var({variable},{fallback}) 70%, var(--jp-ui-font-color0,#000))"


# dimmer than text, still 4.5:1 (--jp-ui-font-color2 is 4.2:1 on a striped row)
_DIM = "color-mix(in srgb, var(--jp-ui-font-color0,#000) 65%, var(--jp-layout-color0,#fff))"
MARK_COLOURS = {
    "✓": readable_colour("--jp-success-color1", "#388e3c"),
    "✗": readable_colour("--jp-error-color1", "#d32f2f"),
    "⚠": readable_colour("--jp-warn-color1", "#f57c00"),
    "skipped": _DIM,
    "–": _DIM,
}
# a red bar on the left and a faint red tint (readable on light and dark themes: --jp-error-color3 is pale in both)
FAILING_ROW = (
    "box-shadow:inset 3px 0 var(--jp-error-color1,#d32f2f);background:rgba(211,47,47,0.08);"
    "background:color-mix(in srgb,var(--jp-error-color1,#d32f2f) 12%,transparent)"
)
_NUMBER = re.compile(r"-?\d+(\.\d+)?( ?s)?")  # 12, 0.5, "0.01 s": a number, or a time in seconds
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d([T ][\d:.]+)?(Z|[+-]\d\d:?\d\d)?")  # never broken at its hyphens


class Table(list):
    """A list of dicts; ``columns`` are the ones shown (every field stays in the dicts and the DataFrame)."""

    def __init__(self, items: Iterable[dict], columns: list[str], title: str = "") -> None:
        super().__init__(items)
        self.columns, self.title = columns, title

    def _cells(self) -> list[list[str]]:
        return [[_cell(row.get(c)) for c in self.columns] for row in self]

    def _numeric(self) -> list[bool]:
        """Per column: True when every non-empty cell is a number (right-aligned, never wrapped)."""
        filled = [[row.get(c) for row in self if row.get(c) not in (None, "")] for c in self.columns]
        return [bool(values) and all(_is_number(v) for v in values) for values in filled]

    def _count(self) -> str:
        return f"({len(self)} row{'' if len(self) == 1 else 's'})"

    def __repr__(self) -> str:
        cells, numeric = self._cells(), self._numeric()
        widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(self.columns)]

        def line(values: list[str]) -> str:
            padded = (v.rjust(w) if n else v.ljust(w) for v, w, n in zip(values, widths, numeric, strict=True))
            return "  ".join(padded).rstrip()

        out = ([self.title] if self.title else []) + [line(self.columns), line(["-" * w for w in widths])]
        return "\n".join(out + [line(r) for r in cells] + [self._count()])

    def _repr_html_(self) -> str:
        aligns = ["right" if n else "left" for n in self._numeric()]
        head = "".join(f"<th style='text-align:{a}'>{_e(c)}</th>" for c, a in zip(self.columns, aligns, strict=True))
        rows = []
        for row in self:
            texts = [_text(row.get(c)) for c in self.columns]
            style = f" style='{FAILING_ROW}'" if "✗" in texts else ""
            tds = "".join(_td(t, a) for t, a in zip(texts, aligns, strict=True))
            rows.append(f"<tr{style}>{tds}</tr>")
        title = f"{_e(self.title)} " if self.title else ""
        caption = f"<caption style='text-align:left'>{title}{self._count()}</caption>"
        return f"<table class='mwaa-table'>{caption}<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"

    def to_dataframe(self) -> Any:
        """A pandas DataFrame of every row and field (``pip install pandas``)."""
        try:
            import pandas
        except ImportError:
            raise errors.MwaaError("to_dataframe() needs pandas: pip install pandas.") from None
        frame = pandas.DataFrame(list(self))
        return frame[[c for c in self.columns if c in frame.columns] + [c for c in frame.columns if c not in self.columns]]


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _text(value: Any) -> str:
    """A cell's whole text (a list shows its items' names)."""
    if isinstance(value, (list, tuple)):
        return ", ".join(v.get("name", str(v)) if isinstance(v, dict) else str(v) for v in value)
    return "" if value is None else str(value)


def _cell(value: Any) -> str:
    return shorten(_text(value))


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, (int, float)) or (isinstance(value, str) and _NUMBER.fullmatch(value) is not None)


def _td(text: str, align: str) -> str:
    """One HTML cell showing all of ``text``: a mark in its colour, a number unwrapped, a long text wrapped
    anywhere, several lines folded in ``<details>`` (the first line as its summary)."""
    style = f"text-align:{align};vertical-align:top"
    if text in MARK_COLOURS:
        return f"<td style='{style};white-space:nowrap;color:{MARK_COLOURS[text]}'>{_e(text)}</td>"
    if align == "right" or _TIMESTAMP.fullmatch(text):
        return f"<td style='{style};white-space:nowrap'>{_e(text)}</td>"
    lines = text.strip().splitlines()
    if len(lines) > 1:
        body = f"<pre style='white-space:pre-wrap;overflow-wrap:anywhere;margin:0'>{_e(text)}</pre>"
        text_html = f"<details><summary>{_e(lines[0])}</summary>{body}</details>"
    else:
        text_html = _e(text)
    wrap = ";overflow-wrap:anywhere;min-width:8em" if len(text) > SHORT or len(lines) > 1 else ""
    return f"<td style='{style}{wrap}'>{text_html}</td>"
