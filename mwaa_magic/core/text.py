"""The one place that cuts text for messages and tables."""

from __future__ import annotations

SHORT = 60  # characters of an id, path or command shown in a one-line message or a table cell


def shorten(text: object, limit: int = SHORT) -> str:
    """``text`` as one string of at most ``limit`` characters (``...`` marks a cut)."""
    value = "" if text is None else str(text)
    return value if len(value) <= limit else value[: max(0, limit - 3)] + "..."


def first_line(text: str | None, limit: int) -> str:
    """The first non-blank line of ``text``, cut to ``limit`` characters ("" when there is none)."""
    lines = (text or "").strip().splitlines()
    return shorten(lines[0], limit) if lines else ""


def one_line(text: str) -> str:
    """``text`` with control characters (CR, LF, ESC...) shown escaped: safe in a one-line message."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)
