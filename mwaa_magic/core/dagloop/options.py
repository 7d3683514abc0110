"""The options of a deploy (``%%mwaa_dag``, ``%mwaa deploy``, ``mwaa.deploy()``) and of an undeploy, checked once
here before any call: flags are booleans, ``conf`` a dict, every number of seconds finite, positive and bounded."""

from __future__ import annotations

from dataclasses import dataclass

from .. import arguments, errors

PARSE_TIMEOUT = 300.0  # seconds to wait for a parse: MWAA's sync (~30 s) + parsing, with room
MAX_TIMEOUT = 24 * 3600.0  # the longest wait anyone means


def check_seconds(value: object, name: str = "timeout", most: float = MAX_TIMEOUT) -> float:
    """``value`` as seconds: a real number above 0 and at most ``most`` (a day), else one line naming ``name``."""
    return arguments.seconds(value, name, maximum=most)


def check_flag(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise errors.InvalidOption(f"{name} must be True or False, not {_shown(value)}.")
    return value


@dataclass(frozen=True)
class DeployOptions:
    """How to deploy: parse here first (``local_check``: the gate, :mod:`mwaa_magic.gate`), then trigger (with
    ``conf``), wait for the parse (at most ``timeout`` seconds), overwrite."""

    trigger: bool = False
    conf: dict | None = None
    wait: bool = True
    force: bool = False
    timeout: float | None = None  # None: PARSE_TIMEOUT
    local_check: bool = True  # parse here on the environment's release before any upload

    def __post_init__(self) -> None:
        for name in ("trigger", "wait", "force", "local_check"):
            check_flag(getattr(self, name), name)
        if self.conf is not None and not isinstance(self.conf, dict):
            raise errors.InvalidOption(f"conf must be a dict (a JSON object), not {_shown(self.conf)}.")
        if self.timeout is not None:
            object.__setattr__(self, "timeout", check_seconds(self.timeout))
        if self.trigger and not self.wait:
            raise errors.InvalidOption("--trigger needs the parse to finish first: drop --no-wait (wait=False).")

    @property
    def parse_timeout(self) -> float:
        return PARSE_TIMEOUT if self.timeout is None else self.timeout


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:37]}..."
