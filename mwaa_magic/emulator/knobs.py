"""Test and benchmark knobs shared by the control plane and the web servers."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .config import ENVIRONMENT_STATUSES, EnvironmentConfig


@dataclass(frozen=True)
class Knob:
    default: float
    meaning: str
    signed: bool = False  # may be negative


# The one registry of knob names (``EmulatorAdmin.set``, POST /_emulator/knobs): name -> default and meaning.
KNOBS: dict[str, Knob] = {
    "control_latency": Knob(0.0, "seconds added to every control-plane request"),
    "web_latency": Knob(0.0, "seconds added to every web-server request"),
    "token_lifetime": Knob(60.0, "WebToken / CliToken lifetime, seconds"),
    "session_lifetime": Knob(12 * 3600.0, "web session lifetime, seconds"),
    "clock_offset": Knob(0.0, "seconds the control plane's clock (Date header, SigV4 check) is off the real one", signed=True),
    "update_delay": Knob(0.0, "seconds an UpdateEnvironment stays UPDATING at least (MWAA takes 20-30 minutes)"),
}
# ... and of operation names, counted in ``calls`` and targets of faults ("*": any of them): name -> what.
OPERATIONS: dict[str, str] = {
    "CreateWebLoginToken": "control plane",
    "CreateCliToken": "control plane",
    "InvokeRestApi": "control plane",
    "ListEnvironments": "control plane",
    "GetEnvironment": "control plane",
    "UpdateEnvironment": "control plane",
    "UpdateInstall": "emulator: an UpdateEnvironment's install (a fault fails it: UPDATE_FAILED, LastUpdate.Error from the fault)",
    "GetCallerIdentity": "control plane: STS",
    "Unknown": "control plane: any other route",
    "WebLogin": "web server: POST of a web token to the login endpoint",
    "WebCli": "web server: POST /aws_mwaa/cli",
    "WebRequest": "web server: any request passed on to Airflow",
}
ANY_OPERATION = "*"


def check_knobs(values: Mapping[str, Any]) -> dict[str, float]:
    """``values`` as seconds; ValueError naming the valid knobs for an unknown name or a bad value."""
    unknown = sorted(set(values) - set(KNOBS))
    if unknown:
        raise ValueError(f"unknown knob {', '.join(unknown)}; valid: {', '.join(KNOBS)}")
    checked = {}
    for name, value in values.items():
        low = -float("inf") if KNOBS[name].signed else 0
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value < float("inf"):
            raise ValueError(f"knob {name} takes a number of seconds{'' if KNOBS[name].signed else ' >= 0'}, not {value!r}")
        checked[name] = float(value)
    return checked


def check_operation(operation: str) -> str:
    """``operation`` if it is a known operation name or "*", else ValueError naming the valid ones."""
    if operation != ANY_OPERATION and operation not in OPERATIONS:
        raise ValueError(f"unknown operation {operation!r}; valid: {', '.join(OPERATIONS)} or {ANY_OPERATION!r}")
    return operation


@dataclass
class Fault:
    """Make the next ``count`` calls of ``operation`` fail with ``error`` (an AWS error code) and ``status``."""

    operation: str
    error: str
    status: int
    count: int
    message: str = "Injected fault"

    def __post_init__(self) -> None:
        check_operation(self.operation)


@dataclass
class Knobs:
    control_latency: float = KNOBS["control_latency"].default
    web_latency: float = KNOBS["web_latency"].default
    token_lifetime: float = KNOBS["token_lifetime"].default
    session_lifetime: float = KNOBS["session_lifetime"].default
    clock_offset: float = KNOBS["clock_offset"].default
    update_delay: float = KNOBS["update_delay"].default
    faults: list[Fault] = field(default_factory=list)
    calls: Counter = field(default_factory=Counter)  # operation -> number of calls received
    secrets: list[str] = field(default_factory=list)  # every token, cookie and JWT handed out
    statuses: dict[tuple[str, str], str] = field(default_factory=dict)  # (region, name) -> status set at run time
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def set_many(self, values: Mapping[str, Any]) -> None:
        """Set knobs by name (all or none: ValueError for an unknown name or a bad value)."""
        for name, value in check_knobs(values).items():
            setattr(self, name, value)

    def take_fault(self, operation: str) -> Fault | None:
        """Count a call of ``operation`` and return the fault it must fail with, if any."""
        if operation not in OPERATIONS:  # a handler's name missing from the registry: a bug here
            raise ValueError(f"operation {operation!r} is not in knobs.OPERATIONS")
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
            for name, knob in KNOBS.items():
                setattr(self, name, knob.default)
            self.faults.clear()
            self.calls.clear()
            self.statuses.clear()

    def snapshot(self) -> dict:
        with self._lock:
            return {
                **{name: getattr(self, name) for name in KNOBS},
                "faults": [vars(f).copy() for f in self.faults if f.count > 0],
                "calls": dict(self.calls),
            }
