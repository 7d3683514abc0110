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

    def __init__(self, base_url: str, credential: Credential, relogin: Callable[[], Secret], http=None) -> None:
        self.base_url = base_url
        self.major = credential.major
        self._credential = credential
        self._relogin = relogin  # mints a fresh web token
        self._lock = threading.Lock()
        self._generation = 0
        self.logins = 1
        self._http = http or http_client()  # the login's client: its connection is reused

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


MAX_INVOKE_PATH = 64  # InvokeRestApi's Path: 1-64 characters
INVOKE_CONCURRENCY = 4  # InvokeRestApi allows few calls per second: page fetches share these slots


class InvokeTransport:
    """REST calls through the MWAA InvokeRestApi API: IAM only (airflow:InvokeRestApi), no web token kept.

    MWAA's limits, each reported as :class:`~mwaa_magic.errors.RestApiLimitExceeded` when hit: the
    path (after the API root, with encoded ids) is at most 64 characters, a call gets 10 s, a response
    at most 6 MB, and the call rate is low (throttled; we run at most 4 calls at once).
    """

    def __init__(self, plane, environment: str, major: int | None = None) -> None:
        self._plane = plane
        self._environment = environment
        self.major = major or 3
        self.base_url = f"InvokeRestApi({environment})"
        self._slots = threading.BoundedSemaphore(INVOKE_CONCURRENCY)

    def request(self, method: str, path: str, params: dict | None = None, body: Any = None, text: bool = False) -> tuple[int, Any]:
        if len(path) > MAX_INVOKE_PATH:
            raise errors.RestApiLimitExceeded(
                f"InvokeRestApi takes paths of at most {MAX_INVOKE_PATH} characters and {method} {_cut(path)} has "
                f"{len(path)}: use shorter ids, or log in with --transport token (or auto) for this call."
            )
        with self._slots:
            status, data = self._plane.invoke_rest_api(self._environment, method, path, _query(params), body)
        if data == "" or (data == {} and status == 204):
            data = None  # no content, as the web server's answer parses
        if text and isinstance(data, dict) and "content" in data and status < 400:
            return status, data["content"]
        return status, data

    def probe(self) -> str:
        """Airflow's version through InvokeRestApi (``/version`` exists in API v1 and v2); sets ``major``."""
        status, data = self.request("GET", "/version")
        version = data.get("version") if isinstance(data, dict) else None
        if status >= 400 or not version:
            from .airflow import api_error

            raise api_error("GET", "/version", status, data, "")
        self.major = int(str(version).split(".")[0])
        return str(version)

    def close(self) -> None:
        pass


class AutoTransport:
    """InvokeRestApi, except for paths over its 64 characters: those go through a web-token login
    (made on first need, then kept and renewed like a token session)."""

    def __init__(self, invoke: InvokeTransport, token_factory: Callable[[], TokenTransport]) -> None:
        self._invoke = invoke
        self._factory = token_factory
        self._web: TokenTransport | None = None
        self._lock = threading.Lock()
        self.major = invoke.major
        self.base_url = invoke.base_url

    def request(self, method: str, path: str, params: dict | None = None, body: Any = None, text: bool = False) -> tuple[int, Any]:
        if len(path) <= MAX_INVOKE_PATH:
            return self._invoke.request(method, path, params, body, text)
        return self._web_transport(method, path).request(method, path, params, body, text)

    def _web_transport(self, method: str, path: str) -> TokenTransport:
        with self._lock:
            if self._web is None:
                try:
                    self._web = self._factory()
                except errors.MwaaError as exc:
                    raise errors.RestApiLimitExceeded(
                        f"{method} {_cut(path)} is longer than InvokeRestApi's {MAX_INVOKE_PATH} characters and the "
                        f"web-token login it needs failed: {exc.message}"
                    ) from None
            return self._web

    def close(self) -> None:
        if self._web is not None:
            self._web.close()


def _query(params: dict | None) -> dict | None:
    """Query values as the web server would get them: strings, booleans as ``true``/``false``."""
    def text(value: Any) -> str:
        return ("true" if value else "false") if isinstance(value, bool) else str(value)

    if not params:
        return None
    return {k: [text(v) for v in value] if isinstance(value, (list, tuple)) else text(value) for k, value in params.items()}


def _cut(path: str) -> str:
    return path if len(path) <= 48 else path[:45] + "..."
