"""The sessions held in the kernel, by alias (the variable name); the last login is current."""

from __future__ import annotations

import threading

from . import errors
from .airflow import AirflowSession


class SessionRegistry:
    """Alias -> AirflowSession, plus which one is current."""

    def __init__(self) -> None:
        self._sessions: dict[str, AirflowSession] = {}
        self._current: str | None = None
        self._lock = threading.Lock()

    def add(self, alias: str, session: AirflowSession) -> None:
        with self._lock:
            old = self._sessions.get(alias)
            self._sessions[alias] = session
            self._current = alias
        if old is not None and old is not session:
            old.close()

    def get(self, alias: str | None = None) -> AirflowSession:
        with self._lock:
            alias = alias or self._current
            if alias is None:
                raise errors.NoSession("No MWAA session yet: run %mwaa_login ENVIRONMENT first.")
            if alias not in self._sessions:
                raise errors.NoSession(f"No session named {alias!r}; open ones: {', '.join(self._sessions) or 'none'}.")
            return self._sessions[alias]

    def use(self, alias: str) -> AirflowSession:
        session = self.get(alias)
        with self._lock:
            self._current = alias
        return session

    def remove(self, alias: str | None = None) -> str:
        with self._lock:
            alias = alias or self._current
            session = self._sessions.pop(alias, None) if alias else None
            if session is None:
                raise errors.NoSession(f"No session named {alias!r} to log out of.")
            if self._current == alias:
                self._current = next(reversed(self._sessions), None)
        session.close()
        return alias

    @property
    def current(self) -> str | None:
        return self._current

    def items(self) -> list[tuple[str, AirflowSession]]:
        with self._lock:
            return list(self._sessions.items())

    def __len__(self) -> int:
        return len(self._sessions)


sessions = SessionRegistry()
