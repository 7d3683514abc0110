"""Table: a list of dicts that shows as a table (HTML in notebooks, text in terminals) and still acts as a list.

What ``mwaa.dags()`` and the ``%mwaa`` subcommands return; ``.to_dataframe()`` gives pandas (optional).
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

from . import errors
from .text import shorten


class Table(list):
    """A list of dicts; ``columns`` are the ones shown (every field stays in the dicts and the DataFrame)."""

    def __init__(self, items: Iterable[dict], columns: list[str], title: str = "") -> None:
        super().__init__(items)
        self.columns, self.title = columns, title

    def _cells(self) -> list[list[str]]:
        return [[_cell(row.get(c)) for c in self.columns] for row in self]

    def __repr__(self) -> str:
        cells = self._cells()
        widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(self.columns)]

        def line(values: list[str]) -> str:
            return "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

        out = ([self.title] if self.title else []) + [line(self.columns), line(["-" * w for w in widths])]
        return "\n".join(out + [line(r) for r in cells] + [f"({len(self)} rows)"])

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{_e(c)}</th>" for c in self.columns)
        body = "".join("<tr>" + "".join(f"<td>{_e(v)}</td>" for v in r) + "</tr>" for r in self._cells())
        caption = f"<caption style='text-align:left'>{_e(self.title)} ({len(self)} rows)</caption>"
        return f"<table class='mwaa-table'>{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

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


def _cell(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        value = ", ".join(v.get("name", str(v)) if isinstance(v, dict) else str(v) for v in value)
    return shorten(value)
