"""Turn a web login token into an Airflow REST credential, as the environment's Airflow flavour says."""

from __future__ import annotations

import errno
import socket
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from . import errors, redaction
from .flavours import Flavour, login_candidates
from .secret import Secret

if TYPE_CHECKING:
    import httpx

LOGIN_TIMEOUT = 10.0  # seconds for the login POST: MWAA answers it at once, a hung server must fail fast


@dataclass(frozen=True)
class Credential:
    """What authenticates REST calls: the login's cookie value, sent as its flavour says."""

    flavour: Flavour
    value: Secret = field(repr=False)

    def headers(self) -> dict[str, str]:
        return self.flavour.credential_headers(self.value.reveal())


def log_in(
    http: httpx.Client, base_url: str, token: Secret, flavour: Flavour | None, environment: str | None = None
) -> Credential:
    """POST the token to the web server's login endpoint; try the newest flavour first when unknown."""
    response = None
    for candidate in [flavour] if flavour else login_candidates():
        response = _post_login(http, base_url, candidate, token, environment)
        value = response.cookies.get(candidate.credential_cookie)
        if value:
            redaction.remember(value)
            return Credential(candidate, Secret(value))
        if response.status_code in (401, 403):
            raise errors.LoginFailed(
                f"The web server refused the login token (HTTP {response.status_code}); it may have expired: log in again."
            )
    status = response.status_code if response is not None else 0
    if status >= 500:
        raise errors.LoginFailed(
            f"The web server at {base_url} failed the login (HTTP {status}): Airflow there is down or restarting; "
            "try again in a minute."
        )
    raise errors.LoginFailed(
        f"The web server at {base_url} has no MWAA login endpoint (HTTP {status}): check the web-server address "
        "setting (MWAA_MAGIC_WEBSERVER_URLS)."
    )


def _post_login(http: httpx.Client, base_url: str, flavour: Flavour, token: Secret, environment: str | None) -> httpx.Response:
    import httpx

    try:
        return http.post(
            f"{base_url}{flavour.login_path}",
            data={"token": token.reveal()},
            follow_redirects=False,
            timeout=http.timeout.__class__(min(LOGIN_TIMEOUT, http.timeout.read or LOGIN_TIMEOUT), connect=http.timeout.connect),
        )
    except httpx.TransportError as exc:
        raise unreachable(base_url, exc, environment) from None


def unreachable(base_url: str, exc: Exception, environment: str | None = None) -> errors.WebServerUnreachable:
    """One line that names what really happened: DNS, refused, a timeout, a reset, TLS (and points to doctor)."""
    import httpx

    why = _transport_failure(exc)
    hint = ""
    if isinstance(exc, httpx.ConnectTimeout) or "resolve" in why:
        hint = (
            " If the environment is PRIVATE_ONLY, connect through its VPC (VPN or SSH tunnel) and set "
            "MWAA_MAGIC_WEBSERVER_URLS (or %config MwaaMagics.webserver_urls) to the tunnel's address."
        )
    transient = "refused" in why or "reset" in why  # a restart or a blip may end it; a timeout would only repeat
    return errors.WebServerUnreachable(
        f"Cannot reach the Airflow web server at {base_url}: {why}.{hint}{errors.doctor_hint(environment)}", transient
    )


def _transport_failure(exc: Exception) -> str:
    import httpx

    if isinstance(exc, httpx.ConnectTimeout):
        return f"no connection within {_seconds(exc, 'connect')} s (a firewall, or a private network)"
    if isinstance(exc, (httpx.ReadTimeout, httpx.WriteTimeout, httpx.PoolTimeout)):
        return f"it accepted the connection but did not answer within {_seconds(exc, 'read')} s"
    cause = exc.__cause__ or exc.__context__
    while cause is not None and not isinstance(cause, OSError):
        cause = cause.__cause__ or cause.__context__
    if isinstance(cause, socket.gaierror):
        return "its name does not resolve (DNS)"
    if isinstance(cause, OSError) and cause.errno == errno.ECONNREFUSED or "refused" in str(exc).lower():
        return "connection refused (nothing listens there: is the web server down, or MWAA_MAGIC_WEBSERVER_URLS wrong?)"
    if isinstance(exc, httpx.RemoteProtocolError) or "reset" in str(exc).lower():
        return "the connection was closed or reset mid-request"
    if "ssl" in str(exc).lower() or "certificate" in str(exc).lower():
        return "the TLS handshake failed (a proxy that inspects TLS, or a wrong certificate)"
    return type(exc).__name__


def _seconds(exc: Exception, kind: str) -> str:
    """The timeout (``connect`` or ``read``) the failed request had, as text."""
    try:
        value = exc.request.extensions.get("timeout", {}).get(kind)  # type: ignore[attr-defined]
    except RuntimeError:  # no request attached
        value = None
    return f"{value:g}" if isinstance(value, (int, float)) else "?"
