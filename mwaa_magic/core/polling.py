"""One poll loop (run waits, parse waits, undeploy): look, report, sleep, until an answer or a time limit."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def poll_until(
    look: Callable[[float], T | None],
    *,
    timeout: float | None,
    interval: float,
    waiting: Callable[[float], None] | None = None,
) -> tuple[T | None, float]:
    """Call ``look(elapsed)`` until it answers (not None); between looks call ``waiting(elapsed)`` and sleep
    ``interval`` seconds. Returns (the answer, seconds elapsed), or (None, elapsed) once more than ``timeout``
    seconds went by (None: no limit). Whatever ``look`` raises ends the loop."""
    started = time.monotonic()
    while True:
        elapsed = time.monotonic() - started
        found = look(elapsed)
        if found is not None:
            return found, elapsed
        if timeout is not None and elapsed > timeout:
            return None, elapsed
        if waiting is not None:
            waiting(elapsed)
        time.sleep(interval)
