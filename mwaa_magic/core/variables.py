"""Airflow Variables as a mapping, read and written through a session's REST API."""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any, Protocol

from . import errors
from .rest import seg


class RestSession(Protocol):
    """What :class:`Variables` needs of an ``AirflowSession`` (no import of it: no cycle)."""

    @property
    def environment_name(self) -> str: ...

    def get(self, path: str, **params: Any) -> Any: ...
    def post(self, path: str, json: Any = None, **params: Any) -> Any: ...
    def patch(self, path: str, json: Any = None, **params: Any) -> Any: ...
    def delete(self, path: str, **params: Any) -> Any: ...
    def paged(self, path: str, key: str, limit: int | None = None, **params: Any) -> list[dict]: ...


class Variables(MutableMapping):
    """Airflow Variables of a session, read and written through the REST API."""

    def __init__(self, session: RestSession) -> None:
        self._session = session

    def __getitem__(self, key: str) -> str:
        try:
            return self._session.get(f"/variables/{seg(key)}")["value"]
        except errors.AirflowApiError as exc:
            if exc.status == 404:
                raise KeyError(key) from None
            raise

    def __setitem__(self, key: str, value: str) -> None:
        body = {"key": key, "value": str(value)}
        try:
            self._session.patch(f"/variables/{seg(key)}", body)
        except errors.AirflowApiError as exc:
            if exc.status != 404:
                raise
            self._session.post("/variables", body)

    def __delitem__(self, key: str) -> None:
        try:
            self._session.delete(f"/variables/{seg(key)}")
        except errors.AirflowApiError as exc:
            if exc.status == 404:
                raise KeyError(key) from None
            raise

    def __iter__(self) -> Iterator[str]:
        return iter([v["key"] for v in self._session.paged("/variables", "variables")])

    def __len__(self) -> int:
        return len(list(iter(self)))

    def __repr__(self) -> str:
        return f"<Variables of {self._session.environment_name}: {sorted(self)}>"
