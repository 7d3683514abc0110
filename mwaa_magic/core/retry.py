"""Retries for idempotent reads: capped exponential backoff with jitter, ``Retry-After``, bounded in count and time.

A POST (a trigger) is never retried: running it twice could start two runs.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from . import errors

TRANSIENT_STATUSES = frozenset({429, 502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Attempt(NamedTuple):
    """One answer: Airflow's status, the parsed body, and the server's ``Retry-After`` in seconds (if any)."""

    status: int
    data: object
    retry_after: float | None = None


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4  # calls in all, the first included
    base: float = 0.5  # seconds before the first retry
    cap: float = 8.0  # longest pause between two calls
    budget: float = 30.0  # no retry starts later than this after the first call

    def pause(self, retry: int, retry_after: float | None) -> float:
        """Seconds to wait before retry number ``retry`` (1-based): full jitter, or what the server asked."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.cap)
        return random.uniform(0, min(self.cap, self.base * 2 ** (retry - 1)))


DEFAULT_POLICY = RetryPolicy()


def parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` in seconds (only the delta-seconds form; a date is ignored)."""
    try:
        return float(value) if value else None
    except ValueError:
        return None


def with_retries(method: str, send: Callable[[], Attempt], policy: RetryPolicy = DEFAULT_POLICY) -> Attempt:
    """``send()`` once, or, for an idempotent ``method``, again on 429/502/503/504 and transient failures."""
    if method.upper() not in IDEMPOTENT_METHODS:
        return send()
    started, retry = time.monotonic(), 0
    while True:
        try:
            attempt = send()
        except errors.MwaaError as exc:
            if not exc.transient or not _may_retry(policy, retry, started, None):
                raise
            retry += 1
            time.sleep(policy.pause(retry, None))
            continue
        if attempt.status not in TRANSIENT_STATUSES or not _may_retry(policy, retry, started, attempt.retry_after):
            return attempt
        retry += 1
        time.sleep(policy.pause(retry, attempt.retry_after))


def _may_retry(policy: RetryPolicy, retries_done: int, started: float, retry_after: float | None) -> bool:
    pause = min(retry_after or 0.0, policy.cap)
    return retries_done + 1 < policy.attempts and time.monotonic() - started + pause < policy.budget
