"""Turn a web login token into an Airflow REST credential (Airflow 2: ``session`` cookie; 3: ``_token`` JWT)."""

from __future__ import annotations

from dataclasses import dataclass, field

from . import errors
from .secret import Secret

LOGIN_PATHS = {3: "/pluginsv2/aws_mwaa/login", 2: "/aws_mwaa/login"}
COOKIE_NAMES = {3: "_token", 2: "session"}
API_ROOTS = {3: "/api/v2", 2: "/api/v1"}


@dataclass(frozen=True)
class Credential:
    """What authenticates REST calls: a cookie (Airflow 2) or a bearer JWT (Airflow 3)."""

    major: int
    value: Secret = field(repr=False)

    def headers(self) -> dict[str, str]:
        if self.major >= 3:
            return {"Authorization": f"Bearer {self.value.reveal()}"}
        return {"Cookie": f"{COOKIE_NAMES[2]}={self.value.reveal()}"}


def log_in(http, base_url: str, token: Secret, major: int | None) -> Credential:
    """POST the token to the web server's login endpoint; try Airflow 3 then 2 when ``major`` is unknown."""
    for candidate in ([major] if major else [3, 2]):
        response = _post_login(http, base_url, candidate, token)
        value = response.cookies.get(COOKIE_NAMES[candidate])
        if value:
            return Credential(candidate, Secret(value))
        if response.status_code in (401, 403):
            raise errors.LoginFailed(
                f"The web server refused the login token (HTTP {response.status_code}); it may have expired: log in again."
            )
    raise errors.LoginFailed(
        f"The web server at {base_url} did not log us in (HTTP {response.status_code}): is this an MWAA web server?"
    )


def _post_login(http, base_url: str, major: int, token: Secret):
    import httpx

    try:
        return http.post(f"{base_url}{LOGIN_PATHS[major]}", data={"token": token.reveal()}, follow_redirects=False)
    except httpx.TransportError as exc:
        raise unreachable(base_url, exc) from None


def unreachable(base_url: str, exc: Exception) -> errors.WebServerUnreachable:
    return errors.WebServerUnreachable(
        f"Cannot reach the Airflow web server at {base_url} ({type(exc).__name__}). If the environment's access mode is "
        "PRIVATE_ONLY, connect through its VPC (VPN or SSH tunnel) and set MWAA_MAGIC_WEBSERVER_URLS "
        "(or %config MwaaMagics.webserver_urls) to the tunnel's address."
    )
