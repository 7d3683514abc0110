"""What one check of ``doctor`` finds (:class:`Outcome`), and the marks that show each status."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import without_doctor_hint

clean = without_doctor_hint  # inside doctor, the errors' "Run %mwaa doctor" ending says nothing
MARKS = {"ok": "✓", "warn": "⚠", "fail": "✗", "skipped": "skipped", "n/a": "–"}  # sent with the data (to_json)
PASSING = ("ok", "warn", "n/a")  # statuses a check that needs this one accepts


@dataclass(frozen=True)
class Outcome:
    """What one check found: ``status`` (ok, warn, fail, skipped, n/a), a finding, and for a problem the one fix."""

    status: str
    found: str
    fix: str = ""


def ok(found: str) -> Outcome:
    return Outcome("ok", found)


def warn(found: str, fix: str) -> Outcome:
    return Outcome("warn", found, fix)


def fail(found: str, fix: str) -> Outcome:
    return Outcome("fail", found, fix)


def not_applicable(found: str) -> Outcome:
    return Outcome("n/a", found)


def skipped(found: str) -> Outcome:
    return Outcome("skipped", found)
