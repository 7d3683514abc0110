"""The control plane's clock: the ``clock_offset`` knob moves it (its ``Date`` header and its SigV4 check).

A client whose clock is right then sees the skew a wrong local clock would give against real AWS.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from tornado import httputil


def server_now(knobs: Any) -> datetime:
    """The control plane's time now: the real time plus the ``clock_offset`` knob."""
    return datetime.fromtimestamp(time.time() + knobs.clock_offset, UTC)


class OffsetDate:
    """A RequestHandler mixin: the ``Date`` header tells the control plane's time (errors included)."""

    def set_default_headers(self) -> None:
        state = getattr(self, "state", None)  # None during RequestHandler.__init__ (initialize sets it)
        if state is not None:
            self.set_header("Date", httputil.format_timestamp(server_now(state.knobs)))  # type: ignore[attr-defined]
