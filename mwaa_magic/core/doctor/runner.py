"""Running ``doctor``'s checks (:data:`~.table.CHECKS`): each in a daemon thread with its own time limit, as
soon as what it needs is known, the whole run within :data:`BUDGET` seconds even when every endpoint hangs
(AWS calls are tried once: no botocore retries). A hung check is left behind and reported as a timeout.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from dataclasses import dataclass, field

from ..control_plane import validate_environment_name
from ..errors import MwaaError
from ..text import first_line
from . import table
from .diagnosis import Diagnosis
from .outcome import MARKS, PASSING, Outcome, clean, fail, skipped
from .state import RunState
from .table import Check

BUDGET = 25.0  # seconds for the whole run (the promise is 30 s)


def doctor(
    environment: str,
    region: str | None = None,
    profile: str | None = None,
    webserver_urls: str | None = None,
    regions: list[str] | None = None,
    budget: float = BUDGET,
) -> Diagnosis:
    """Run every check on ``environment`` and return the :class:`Diagnosis` (it never raises for a failed check).

    ``regions``: where to look when ``environment`` is not in ``region`` (default ``$MWAA_MAGIC_SEARCH_REGIONS``,
    else every region botocore knows for MWAA).
    """
    validate_environment_name(environment)
    return DoctorRun(environment, region, profile, webserver_urls, regions, budget).run()


@dataclass
class _Running:
    check: Check
    limit: float
    began: float = field(default_factory=time.monotonic)
    outcome: Outcome | None = None


class DoctorRun(RunState):
    """One run: the checks in the table's order, what they share (never printed), and the rows."""

    def __init__(
        self,
        name: str,
        region: str | None,
        profile: str | None,
        webserver_urls: str | None,
        regions: list[str] | None,
        budget: float,
    ) -> None:
        super().__init__(name, region, profile, webserver_urls, regions)
        self.checks = table.CHECKS  # read at run time: a test may give shorter timeouts (table.with_timeouts)
        self.titles = {check.key: check.title for check in self.checks}
        self.started = time.monotonic()
        self.budget, self.deadline = budget, self.started + budget
        self.rows: dict[str, dict] = {}
        self._finished: queue.SimpleQueue[str] = queue.SimpleQueue()

    def run(self) -> Diagnosis:
        try:
            self._run_checks()
        finally:
            if self.http is not None:
                self.http.close()
        rows = [self.rows[check.key] for check in self.checks if check.key in self.rows]
        return Diagnosis(rows, self.name, self.region, self.profile, time.monotonic() - self.started, self.support)

    def _run_checks(self) -> None:
        pending, running = list(self.checks), dict[str, _Running]()
        while pending or running:
            for check in [c for c in pending if all(k in self.rows for k in c.needs + c.after)]:
                pending.remove(check)
                started = self._start(check)
                if started is not None:
                    running[check.key] = started
            if not running:
                if pending and not any(all(k in self.rows for k in c.needs + c.after) for c in pending):
                    raise RuntimeError(f"doctor checks wait on each other: {', '.join(c.key for c in pending)}")
                continue
            self._collect(running)

    def _start(self, check: Check) -> _Running | None:
        """Start ``check`` in a daemon thread, or record why it is skipped (None)."""
        blocked = self._blocked(check.needs)
        remaining = self.deadline - time.monotonic()
        if blocked or remaining < 0.5:
            self._record(check.key, skipped(blocked or f"the run's {self.budget:g} s budget ran out"), 0.0)
            return None
        started = _Running(check, min(check.timeout, remaining))

        def target() -> None:
            try:
                started.outcome = check.function(self, started.limit)
            except MwaaError as exc:
                started.outcome = fail(clean(exc.message), check.fix or "see the message")
            except Exception as exc:  # a bug or an odd answer: one row, never a traceback
                started.outcome = fail(
                    f"unexpected {type(exc).__name__}: {first_line(str(exc), 200)}", "report this with --debug"
                )
            finally:
                self._finished.put(check.key)

        threading.Thread(target=target, daemon=True, name=f"mwaa-doctor-{check.key}").start()
        return started

    def _collect(self, running: dict[str, _Running]) -> None:
        """Wait for the next check to finish (or to run out of time) and record every one that has."""
        due = min(r.began + r.limit + 0.25 for r in running.values())
        with contextlib.suppress(queue.Empty):
            self._finished.get(timeout=max(0.0, due - time.monotonic()))
        now = time.monotonic()
        for key, started in list(running.items()):
            if started.outcome is not None:
                self._record(key, started.outcome, now - started.began)
            elif now >= started.began + started.limit + 0.25:
                check = started.check
                found = f"no answer within {started.limit:g} s ({check.title} hung)"
                self._record(key, fail(found, check.fix_on_timeout or check.fix), now - started.began)
            else:
                continue
            del running[key]

    def _blocked(self, needs: tuple[str, ...]) -> str:
        for need in needs:
            row = self.rows.get(need)
            if row is None or row["status"] not in PASSING:
                status = "was skipped" if row is None or row["status"] == "skipped" else "failed"
                return f"needs {self.titles[need]}, which {status}"
        return ""

    def _record(self, key: str, outcome: Outcome, seconds: float) -> None:
        self.rows[key] = {
            "result": MARKS[outcome.status],
            "check": self.titles[key],
            "status": outcome.status,
            "found": outcome.found,
            "fix": outcome.fix,
            "seconds": round(seconds, 3),
            "time": f"{seconds:.2f} s" if seconds else "",
        }
