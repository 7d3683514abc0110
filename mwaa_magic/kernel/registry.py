"""The sessions held in the kernel, by alias (the variable name), and which one is current.

Identity never changes silently: logging out of the current session leaves no current session (commands
then say so and list the open ones), and replacing a bound alias is reported by the caller.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from ..core import errors

if TYPE_CHECKING:
    from ..core.session import AirflowSession


class SessionRegistry:
    """Alias -> AirflowSession, plus which one is current (the last login, or ``%mwaa use``)."""

    def __init__(self) -> None:
        self._sessions: dict[str, AirflowSession] = {}
        self._current: str | None = None
        self._lock = threading.Lock()

    def add(self, alias: str, session: AirflowSession) -> AirflowSession | None:
        """Bind and make current; returns the session this replaced under ``alias`` (closed), if any."""
        with self._lock:
            old = self._sessions.get(alias)
            self._sessions[alias] = session
            self._current = alias
        if old is None or old is session:
            return None
        old.close()
        return old

    def get(self, alias: str | None = None) -> AirflowSession:
        with self._lock:
            alias = alias or self._current
            if alias is None:
                if self._sessions:
                    raise errors.NoSession(
                        f"No current MWAA session; open ones: {', '.join(self._sessions)}: pick one with %mwaa use NAME "
                        "(or pass --session NAME)."
                    )
                raise errors.NoSession("No MWAA session yet: run %mwaa_login ENVIRONMENT first.")
            if alias not in self._sessions:
                raise errors.NoSession(f"No session named {alias[:40]!r}; open ones: {', '.join(self._sessions) or 'none'}.")
            return self._sessions[alias]

    def use(self, alias: str) -> AirflowSession:
        session = self.get(alias)
        with self._lock:
            self._current = alias
        return session

    def remove(self, alias: str | None = None) -> str:
        """Forget a session (default: the current one); when it was current, none is current afterwards."""
        with self._lock:
            name = alias or self._current
            session = self._sessions.pop(name, None) if name else None
            if name is None or session is None:
                raise errors.NoSession(f"No session named {str(name)[:40]!r} to log out of.")
            if self._current == name:
                self._current = None
        session.close()
        return name

    @property
    def current(self) -> str | None:
        return self._current

    def items(self) -> list[tuple[str, AirflowSession]]:
        with self._lock:
            return list(self._sessions.items())

    def __len__(self) -> int:
        return len(self._sessions)


sessions = SessionRegistry()
