"""THE table of the Airflow versions Amazon MWAA runs or ran, with their support dates from AWS's documentation.

The dates come from one page of the MWAA user guide (:data:`SOURCE`, read on :data:`READ_ON`): its table of
supported versions (MWAA availability dates, no end-of-support date) and its table of deprecated versions
(end-of-support dates). Where the page gives no date the table holds None, shown as "unknown": never guessed.
A version's state is computed against today's date (injectable): supported (no end of support announced),
deprecated (end of support announced, still ahead), unsupported (end of support passed), or unknown (not on
the page). ``%mwaa envs`` and ``%mwaa doctor`` read :func:`support_for`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

SOURCE = "https://docs.aws.amazon.com/mwaa/latest/userguide/airflow-versions.html"
READ_ON = date(2026, 12, 4)  # the day the dates below were read from SOURCE
WARN_DAYS = 90  # doctor warns when the end of support is fewer days away than this, or passed
NOTICE_DAYS = 180  # SOURCE: "We will announce the end-of-support date at least 180 days in advance"


@dataclass(frozen=True)
class Entry:
    """One Airflow version on MWAA: when MWAA offered it and when its support ends (None: the page gives no date)."""

    version: str
    available: date | None
    end_of_support: date | None = None


VERSIONS: tuple[Entry, ...] = (
    # "Apache Airflow versions" (supported; the page gives no end-of-support date for any of them)
    Entry("3.3.1", date(2026, 9, 1)),
    Entry("3.2.1", date(2026, 5, 19)),
    Entry("2.11.2", date(2026, 7, 23)),
    Entry("2.11.0", date(2026, 1, 7)),
    Entry("3.0.6", date(2025, 10, 1)),
    Entry("2.10.3", date(2024, 12, 18)),
    Entry("2.10.1", date(2024, 9, 26)),
    Entry("2.9.2", date(2024, 7, 9)),
    Entry("2.8.1", date(2024, 2, 23)),
    Entry("2.7.2", date(2023, 11, 6)),
    # "Apache Airflow deprecated versions" (with the "Amazon MWAA end-of-support date" column)
    Entry("2.6.3", date(2023, 8, 9), date(2025, 12, 30)),
    Entry("2.5.1", date(2023, 4, 11), date(2025, 12, 30)),
    Entry("2.4.3", date(2023, 1, 5), date(2025, 12, 30)),
    Entry("2.2.2", date(2022, 1, 27), date(2024, 6, 27)),
    Entry("2.0.2", date(2021, 5, 25), date(2024, 4, 29)),
    Entry("1.10.12", date(2020, 11, 24), date(2024, 2, 21)),
)
BY_VERSION = {entry.version: entry for entry in VERSIONS}


def today() -> date:
    """Today's date in UTC (AWS's dates are days, not times)."""
    return datetime.now(UTC).date()


@dataclass(frozen=True)
class Support:
    """One version's support state on a given day, as text (``summary``, ``short``) and data (``to_json``)."""

    version: str
    state: str  # supported, deprecated, unsupported, unknown
    entry: Entry | None
    days_left: int | None  # until the end of support (negative: passed); None when no date is known

    @property
    def end_of_support(self) -> str:
        """The ISO date, or "unknown"."""
        found = self.entry.end_of_support if self.entry else None
        return found.isoformat() if found else "unknown"

    @property
    def warn(self) -> bool:
        """True when the end of support is fewer than :data:`WARN_DAYS` days away, or passed."""
        return self.days_left is not None and self.days_left < WARN_DAYS

    @property
    def short(self) -> str:
        """A table cell: ``supported``, ``deprecated: ends 2025-12-30``, ``unsupported since 2025-12-30``, ``unknown``."""
        if self.state == "deprecated":
            return f"deprecated: ends {self.end_of_support}"
        if self.state == "unsupported":
            return f"unsupported since {self.end_of_support}"
        return self.state

    @property
    def summary(self) -> str:
        """One sentence for the doctor: the state, the end of support and how far it is."""
        if self.state == "supported":
            return f"Airflow {self.version} is supported on MWAA; end of support unknown (not announced; AWS announces it at least {NOTICE_DAYS} days ahead)"
        if self.state == "deprecated":
            return f"Airflow {self.version} is deprecated on MWAA: end of support {self.end_of_support}, in {self.days_left} days"
        if self.state == "unsupported":
            return (
                f"Airflow {self.version} is unsupported on MWAA since {self.end_of_support} ({-(self.days_left or 0)} days ago)"
            )
        return f"Airflow {self.version or '?'} is not among the MWAA versions of AWS's documentation (read {READ_ON.isoformat()})"

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "state": self.state,
            "end_of_support": self.end_of_support,
            "days_left": self.days_left,
            "available_since": self.entry.available.isoformat() if self.entry and self.entry.available else "unknown",
            "source": SOURCE,
            "read_on": READ_ON.isoformat(),
        }


def support_for(version: str | None, on: date | None = None) -> Support:
    """The support state of Airflow ``version`` (as GetEnvironment names it) on day ``on`` (default: today, UTC)."""
    name = (version or "").strip().removeprefix("v")
    entry = BY_VERSION.get(name)
    if entry is None:
        return Support(name, "unknown", None, None)
    if entry.end_of_support is None:
        return Support(name, "supported", entry, None)
    left = (entry.end_of_support - (on or today())).days
    return Support(name, "deprecated" if left > 0 else "unsupported", entry, left)
