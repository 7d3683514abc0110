"""How REST calls reach Airflow: the web server with a login (token), InvokeRestApi, or both (auto).

Reads (GET) are retried on 429/502/503/504 and on resets (see :mod:`.retry`); writes never are.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from . import errors, flavours
from .flavours import Flavour, flavour_for
from .retry import Attempt, parse_retry_after, with_retries
from .settings import Timeouts
from .text import shorten
from .weblogin import Credential, unreachable

if TYPE_CHECKING:
    import http.cookiejar
    import urllib.request

    import httpx

    from .environment import Environment, WebSession


class Transport(Protocol):
    flavour: Flavour

    def request(
        self, method: str, path: str, params: dict | None = None, body: Any = None, text: bool = False
    ) -> tuple[int, Any]:
        """``(status, parsed JSON or text)``; ``path`` is relative to the REST API root."""

    def close(self) -> None:
        """Release connections."""


def http_client(timeouts: Timeouts | None = None) -> httpx.Client:
    """One pooled httpx client that keeps no cookies (the credential travels only as its flavour says)."""
    import http.cookiejar

    import httpx

    from . import redaction

    redaction.install()
    t = timeouts or Timeouts.from_environment()

    class NoCookieStorage(http.cookiejar.DefaultCookiePolicy):
        def set_ok(self, cookie: http.cookiejar.Cookie, request: urllib.request.Request) -> bool:
            return False

    return httpx.Client(
        timeout=httpx.Timeout(t.web_read, connect=t.connect),
        limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
        cookies=http.cookiejar.CookieJar(policy=NoCookieStorage()),
    )


class TokenTransport:
    """Calls the web server's REST API with the login credential; logs in again, once, when it expires."""

    def __init__(self, environment: Environment, web: WebSession, http: httpx.Client) -> None:
        self.environment = environment
        self.base_url = web.base_url
        self.flavour = web.flavour
        self._credential: Credential = web.credential
        self._lock = threading.Lock()
        self._generation = 0
        self.logins = 1
        self._http = http  # the login's client: its connection is reused

    @property
    def credential(self) -> Credential:
        """The current login credential (a Secret inside; for handing the login to another client)."""
        return self._credential

    def request(
        self, method: str, path: str, params: dict | None = None, body: Any = None, text: bool = False
    ) -> tuple[int, Any]:
        attempt = with_retries(method, lambda: self._request_once(method, path, params, body, text))
        return attempt.status, attempt.data

    def _request_once(self, method: str, path: str, params: dict | None, body: Any, text: bool) -> Attempt:
        generation = self._generation
        response = self._send(method, path, params, body, text)
        if _looks_expired(response):
            self._renew(generation)
            response = self._send(method, path, params, body, text)
            if _looks_expired(response):
                raise errors.SessionExpired(
                    "Airflow still rejects the session after a fresh login: check your Airflow role and log in again."
                )
        return Attempt(
            response.status_code, _parse(response, method, path, text), parse_retry_after(response.headers.get("retry-after"))
        )

    def _send(self, method: str, path: str, params: dict | None, body: Any, text: bool) -> httpx.Response:
        import httpx

        try:
            return self._http.request(
                method,
                f"{self.base_url}{self.flavour.api_root}{path}",
                params=params,
                json=body,
                headers={"Accept": "text/plain" if text else "application/json"},
                auth=self._authorize,
                follow_redirects=False,
            )
        except httpx.TransportError as exc:
            raise unreachable(self.base_url, exc, self.environment.name) from None

    def _authorize(self, request: httpx.Request) -> httpx.Request:
        """httpx auth hook: the credential is added here, so no frame of ours holds it in a local."""
        request.headers.update(self._credential.headers())
        return request

    def _renew(self, seen_generation: int) -> None:
        """Log in again unless another thread already did since ``seen_generation``."""
        with self._lock:
            if self._generation != seen_generation:
                return
            self._credential = self.environment.login(self._http, self.flavour).credential
            self._generation += 1
            self.logins += 1

    def close(self) -> None:
        self._http.close()


def _looks_expired(response: httpx.Response) -> bool:
    """401, or a redirect / HTML page where JSON was expected: the web session is gone."""
    if response.status_code == 401:
        return True
    if response.status_code in (302, 303, 307):
        return "login" in response.headers.get("location", "")
    return response.status_code == 403 and "text/html" in response.headers.get("content-type", "")


def _parse(response: httpx.Response, method: str, path: str, text: bool) -> Any:
    if text and response.status_code < 400:
        return response.text
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        if response.status_code >= 400:
            return response.text
        kind = response.headers.get("content-type", "no content type").split(";")[0]
        raise errors.AirflowApiError(
            f"{method} {shorten(path)} answered {kind}, not JSON: it is not an Airflow REST API path, or the "
            "web-server address setting points at something else.",
            response.status_code,
        ) from None


MAX_INVOKE_PATH = 64  # InvokeRestApi's Path: 1-64 characters
INVOKE_CONCURRENCY = 4  # InvokeRestApi allows few calls per second: page fetches share these slots


class InvokeTransport:
    """REST calls through the MWAA InvokeRestApi API: IAM only (airflow:InvokeRestApi), no web token kept.

    MWAA's limits, each reported as :class:`~mwaa_magic.core.errors.RestApiLimitExceeded` when hit: the
    path (after the API root, with encoded ids) is at most 64 characters, a call gets 10 s, a response
    at most 6 MB, and the call rate is low (throttled; we run at most 4 calls at once).
    """

    def __init__(self, environment: Environment, flavour: Flavour | None = None) -> None:
        self.environment = environment
        self.flavour = flavour or flavours.assumed()  # until probe() reads the version
        self.base_url = f"InvokeRestApi({environment.name})"
        self._slots = threading.BoundedSemaphore(INVOKE_CONCURRENCY)

    def request(
        self, method: str, path: str, params: dict | None = None, body: Any = None, text: bool = False
    ) -> tuple[int, Any]:
        if len(path) > MAX_INVOKE_PATH:
            raise errors.RestApiLimitExceeded(
                f"InvokeRestApi takes paths of at most {MAX_INVOKE_PATH} characters and {method} {shorten(path)} has "
                f"{len(path)}: use shorter ids, or log in with --transport token (or auto) for this call."
            )
        attempt = with_retries(method, lambda: self._request_once(method, path, params, body, text))
        return attempt.status, attempt.data

    def _request_once(self, method: str, path: str, params: dict | None, body: Any, text: bool) -> Attempt:
        with self._slots:
            status, data = self.environment.invoke(method, path, _query(params), body)
        if data == "" or (data == {} and status == 204):
            data = None  # no content, as the web server's answer parses
        if text and isinstance(data, dict) and "content" in data and status < 400:
            data = data["content"]
        return Attempt(status, data)

    def probe(self) -> str:
        """Airflow's version through InvokeRestApi (``/version`` exists in every API); sets ``flavour``."""
        status, data = self.request("GET", "/version")
        version = data.get("version") if isinstance(data, dict) else None
        if status >= 400 or not version:
            raise errors.AirflowApiError(
                f"InvokeRestApi GET /version failed (HTTP {status}): the environment's Airflow did not answer.", status
            )
        self.flavour = flavour_for(str(version))
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
        self.flavour = invoke.flavour
        self.base_url = invoke.base_url

    def request(
        self, method: str, path: str, params: dict | None = None, body: Any = None, text: bool = False
    ) -> tuple[int, Any]:
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
                        f"{method} {shorten(path)} is longer than InvokeRestApi's {MAX_INVOKE_PATH} characters and the "
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
