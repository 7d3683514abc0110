"""How REST calls reach Airflow: through the web server with a login (token), or through InvokeRestApi."""

from __future__ import annotations

import threading
from typing import Any, Callable, Protocol

from . import errors
from .secret import Secret
from .weblogin import API_ROOTS, Credential, log_in, unreachable

WEB_TIMEOUT = 30.0


class Transport(Protocol):
    major: int

    def request(self, method: str, path: str, params: dict | None = None, body: Any = None, text: bool = False) -> tuple[int, Any]:
        """``(status, parsed JSON or text)``; ``path`` is relative to the REST API root."""


def http_client():
    """One pooled httpx client (imported on first use)."""
    import httpx

    return httpx.Client(timeout=WEB_TIMEOUT, limits=httpx.Limits(max_connections=32, max_keepalive_connections=16))


class TokenTransport:
    """Calls the web server's REST API with the login credential; logs in again, once, when it expires."""

    def __init__(self, base_url: str, credential: Credential, relogin: Callable[[], Secret]) -> None:
        self.base_url = base_url
        self.major = credential.major
        self._credential = credential
        self._relogin = relogin  # mints a fresh web token
        self._lock = threading.Lock()
        self._generation = 0
        self.logins = 1
        self._http = http_client()

    def request(self, method: str, path: str, params: dict | None = None, body: Any = None, text: bool = False) -> tuple[int, Any]:
        generation = self._generation
        response = self._send(method, path, params, body, text)
        if _looks_expired(response):
            self._renew(generation)
            response = self._send(method, path, params, body, text)
            if _looks_expired(response):
                raise errors.SessionExpired(
                    "Airflow still rejects the session after a fresh login: check your Airflow role and log in again."
                )
        return response.status_code, _parse(response, text)

    def _send(self, method: str, path: str, params: dict | None, body: Any, text: bool):
        import httpx

        headers = {**self._credential.headers(), "Accept": "text/plain" if text else "application/json"}
        try:
            return self._http.request(method, f"{self.base_url}{API_ROOTS[self.major]}{path}", params=params,
                                      json=body, headers=headers, follow_redirects=False)
        except httpx.TransportError as exc:
            raise unreachable(self.base_url, exc) from None

    def _renew(self, seen_generation: int) -> None:
        """Log in again unless another thread already did since ``seen_generation``."""
        with self._lock:
            if self._generation != seen_generation:
                return
            self._credential = log_in(self._http, self.base_url, self._relogin(), self.major)
            self._generation += 1
            self.logins += 1

    def close(self) -> None:
        self._http.close()


def _looks_expired(response) -> bool:
    """401, or a redirect / HTML page where JSON was expected: the web session is gone."""
    if response.status_code == 401:
        return True
    if response.status_code in (302, 303, 307):
        return "login" in response.headers.get("location", "")
    return response.status_code == 403 and "text/html" in response.headers.get("content-type", "")


def _parse(response, text: bool) -> Any:
    if text and response.status_code < 400:
        return response.text
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return response.text


class InvokeTransport:
    """REST calls through the MWAA InvokeRestApi API: IAM only, no web token kept (10 s, 6 MB, low TPS)."""

    def __init__(self, plane, environment: str, major: int) -> None:
        self._plane = plane
        self._environment = environment
        self.major = major
        self.base_url = f"InvokeRestApi({environment})"

    def request(self, method: str, path: str, params: dict | None = None, body: Any = None, text: bool = False) -> tuple[int, Any]:
        status, data = self._plane.invoke_rest_api(self._environment, method, path, params or None, body)
        if text and isinstance(data, dict) and "content" in data and status < 400:
            return status, data["content"]
        return status, data

    def close(self) -> None:
        pass
