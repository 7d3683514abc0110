"""A local Amazon MWAA: the control-plane API, MWAA web servers and real Airflow, on loopback.

Run ``python -m mwaa_magic.emulator up``; use :class:`Emulator` from Python, or the
``mwaa_emulator`` pytest fixture in your own tests.
"""

from .admin import EmulatorAdmin
from .config import EmulatorConfig, EnvironmentConfig, IdentityConfig

__all__ = ["Emulator", "EmulatorAdmin", "EmulatorConfig", "EnvironmentConfig", "IdentityConfig"]


def __getattr__(name: str):
    if name == "Emulator":
        from .server import Emulator

        return Emulator
    raise AttributeError(name)
