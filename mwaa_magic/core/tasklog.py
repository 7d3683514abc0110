"""TaskLog: a task's log text with Airflow's ``::group::NAME`` ... ``::endgroup::`` sections shown as the
Airflow UI shows them: a folded section in notebooks (HTML), a titled, indented block as text."""

from __future__ import annotations

import html

GROUP, END = "::group::", "::endgroup::"


def _sections(raw: str) -> list[tuple[str | None, list[str]]]:
    """``(title or None, lines)`` in order; a group's lines are those between its markers."""
    sections: list[tuple[str | None, list[str]]] = [(None, [])]
    for line in raw.splitlines():
        if GROUP in line:
            sections.append((line.split(GROUP, 1)[1].strip() or "details", []))
        elif END in line:
            sections.append((None, []))
        else:
            sections[-1][1].append(line)
    return [(title, lines) for title, lines in sections if lines or title]


class TaskLog(str):
    """The log text (groups as ``▸ TITLE`` with indented lines); ``raw`` keeps Airflow's markers."""

    raw: str

    def __new__(cls, raw: str) -> TaskLog:
        text = "\n".join(
            line for title, lines in _sections(raw) for line in ([f"▸ {title}"] + [f"    {x}" for x in lines] if title else lines)
        )
        log = super().__new__(cls, text)
        log.raw = raw
        return log

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        parts = []
        for title, lines in _sections(self.raw):
            body = html.escape("\n".join(lines))
            if title:
                parts.append(f"<details><summary>{html.escape(title)}</summary><pre>{body}</pre></details>")
            elif body:
                parts.append(f"<pre>{body}</pre>")
        return f"<div class='mwaa-task-log'>{''.join(parts)}</div>"
