"""Test and benchmark knobs shared by the control plane and the web servers."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field

from .config import ENVIRONMENT_STATUSES, EnvironmentConfig


@dataclass
class Fault:
    """Make the next ``count`` calls of ``operation`` fail with ``error`` (an AWS error code) and ``status``."""

    operation: str
    error: str
    status: int
    count: int
    message: str = "Injected fault"


@dataclass
class Knobs:
    control_latency: float = 0.0  # seconds added to every control-plane request
    web_latency: float = 0.0  # seconds added to every web-server request
    token_lifetime: float = 60.0  # WebToken / CliToken lifetime, seconds
    session_lifetime: float = 12 * 3600.0  # web session lifetime, seconds
    faults: list[Fault] = field(default_factory=list)
    calls: Counter = field(default_factory=Counter)  # operation -> number of calls received
    secrets: list[str] = field(default_factory=list)  # every token, cookie and JWT handed out
    statuses: dict[tuple[str, str], str] = field(default_factory=dict)  # (region, name) -> status set at run time
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def take_fault(self, operation: str) -> Fault | None:
        """Count a call of ``operation`` and return the fault it must fail with, if any."""
        with self._lock:
            self.calls[operation] += 1
            for fault in self.faults:
                if fault.operation in (operation, "*") and fault.count > 0:
                    fault.count -= 1
                    return fault
        return None

    def status_of(self, env: EnvironmentConfig) -> str:
        """The status ``env`` reports now: the one set at run time, else the configured one."""
        return self.statuses.get((env.region, env.name), env.status)

    def set_status(self, env: EnvironmentConfig, status: str) -> None:
        if status not in ENVIRONMENT_STATUSES:
            raise ValueError(f"unknown status {status!r}; valid: {', '.join(ENVIRONMENT_STATUSES)}")
        with self._lock:
            self.statuses[(env.region, env.name)] = status

    def remember_secret(self, value: str) -> None:
        with self._lock:
            self.secrets.append(value)

    def reset(self) -> None:
        with self._lock:
            self.control_latency = self.web_latency = 0.0
            self.token_lifetime, self.session_lifetime = 60.0, 12 * 3600.0
            self.faults.clear()
            self.calls.clear()
            self.statuses.clear()

    def snapshot(self) -> dict:
        with self._lock:
            return {
                "control_latency": self.control_latency,
                "web_latency": self.web_latency,
                "token_lifetime": self.token_lifetime,
                "session_lifetime": self.session_lifetime,
                "faults": [vars(f).copy() for f in self.faults if f.count > 0],
                "calls": dict(self.calls),
            }
