"""A doctor run's result: :class:`Diagnosis`, a table (one row per check) that is also data (``to_json()``)."""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import MwaaError
from ..table import Table
from ..text import shorten
from .outcome import MARKS


class Diagnosis(Table):
    """The checks, one dict a row (``check``, ``status``, ``found``, ``fix``, ``seconds``), shown as a table."""

    COLUMNS = ["result", "check", "found", "fix", "time"]

    def __init__(
        self,
        rows: Iterable[dict],
        environment: str | None,
        region: str | None,
        profile: str | None,
        seconds: float = 0.0,
        support: dict | None = None,
    ) -> None:
        title = f"mwaa doctor: {environment or '?'} in {region or '?'}{f' (profile {profile})' if profile else ''}"
        super().__init__(rows, self.COLUMNS, title)
        self.environment, self.region, self.profile, self.seconds = environment, region, profile, seconds
        self.support = support  # the Airflow version's support state and dates (core/support.py), when known

    @property
    def ok(self) -> bool:
        """True when no check failed (warnings and skips due to nothing failing do not count)."""
        return not self.failed

    @property
    def failed(self) -> list[str]:
        return [row["check"] for row in self if row["status"] == "fail"]

    def to_json(self) -> dict[str, object]:
        """The same data as the table, for ``--json``, the lab sidebar and support tickets: each row's ``mark``
        (✓ ✗ ⚠ skipped –) and the ``marks`` of every status come with it, so no client keeps a copy."""
        return {
            "environment": self.environment,
            "region": self.region,
            "profile": self.profile,
            "ok": self.ok,
            "seconds": round(self.seconds, 2),
            "marks": dict(MARKS),
            "airflow_support": self.support,
            "checks": [{**{k: v for k, v in row.items() if k not in ("result", "time")}, "mark": row["result"]} for row in self],
        }

    def _cells(self) -> list[list[str]]:
        return [[shorten(row.get(c), 300) for c in self.columns] for row in self]

    def summary(self) -> str:
        """One line: all good, or which checks failed."""
        if self.ok:
            return f"mwaa doctor: every check passed for {self.environment} ({self.seconds:.1f} s)."
        return f"mwaa doctor: {len(self.failed)} check(s) failed for {self.environment}: {', '.join(self.failed)}."


class DoctorFailed(MwaaError):
    """Raised after the table is shown when a check failed (so that papermill/nbclient stop)."""

    code = "DoctorFailed"

    def __init__(self, diagnosis: Diagnosis) -> None:
        super().__init__(f"{diagnosis.summary()} See the table above for each fix.")
        self.diagnosis = diagnosis
