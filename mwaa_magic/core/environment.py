"""Environment: one MWAA environment as every face sees it (control plane, web server, Airflow flavour)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import errors
from .addresses import webserver_base_url
from .control_plane import ControlPlane, EnvironmentInfo, WebLogin, control_plane
from .flavours import Flavour, console_sso_path, flavour_for
from .secret import Secret
from .validation import validate_environment_name
from .weblogin import Credential, log_in

if TYPE_CHECKING:
    import httpx

DETAILS_LIFETIME = 60.0  # seconds GetEnvironment's answer is reused (AVAILABLE only)


@dataclass(frozen=True)
class WebSession:
    """A web login: who (no secret), where, and the credential (a Secret) for REST calls."""

    login: WebLogin = field(repr=False)
    base_url: str
    credential: Credential = field(repr=False)

    @property
    def flavour(self) -> Flavour:
        return self.credential.flavour


@dataclass(frozen=True)
class CliAccess:
    """A CreateCliToken answer: the token (valid 60 s) and where to send commands."""

    token: Secret = field(repr=False)
    base_url: str


class Environment:
    """An MWAA environment: name, region/profile (its control-plane client), web-server address, details, flavour."""

    def __init__(
        self,
        name: str,
        region: str | None = None,
        profile: str | None = None,
        webserver_urls: str | None = None,
        plane: ControlPlane | None = None,
        details_lifetime: float = DETAILS_LIFETIME,
    ) -> None:
        self.name = validate_environment_name(name)
        self.plane = plane or control_plane(profile, region)
        self.webserver_urls = webserver_urls  # None: MWAA_MAGIC_WEBSERVER_URLS at use time
        self.details_lifetime = min(details_lifetime, DETAILS_LIFETIME)
        self._details: EnvironmentInfo | None = None
        self._details_at = 0.0
        self._lock = threading.Lock()

    @property
    def region(self) -> str:
        return self.plane.region

    @property
    def profile(self) -> str | None:
        return self.plane.profile

    def __repr__(self) -> str:
        return f"Environment({self.name!r}, region={self.region!r}, profile={self.profile!r})"

    def __str__(self) -> str:
        return self.name

    # --- details ---------------------------------------------------------------------------------
    def details(self, refresh: bool = False) -> EnvironmentInfo:
        """GetEnvironment, reused for at most 60 s, and only while the environment is AVAILABLE."""
        with self._lock:
            cached, at = self._details, self._details_at
        if not refresh and cached is not None and time.monotonic() - at < self.details_lifetime:
            return cached
        info = self.plane.get_environment(self.name)
        with self._lock:
            self._details, self._details_at = (info, time.monotonic()) if info.available else (None, 0.0)
        return info

    def details_or_none(self, refresh: bool = False) -> EnvironmentInfo | None:
        """The details, or None when we may not read them (a web-only user) or MWAA could not say now.

        Other failures (an unknown environment, an invalid web-server address) are raised.
        """
        try:
            return self.details(refresh)
        except (errors.Denied, errors.Unavailable):
            return None

    @staticmethod
    def flavour_of(info: EnvironmentInfo | None) -> Flavour | None:
        """The Airflow flavour named by GetEnvironment (None when unknown)."""
        return flavour_for(info.airflow_version) if info and info.airflow_version else None

    def base_url(self, hostname: str) -> str:
        """Where this environment's web server is reached (the web-server address setting, else https)."""
        return webserver_base_url(hostname, self.webserver_urls)

    # --- what the environment does ---------------------------------------------------------------
    def web_login_token(self) -> WebLogin:
        """CreateWebLoginToken (a 60 s token)."""
        return self.plane.create_web_login_token(self.name)

    def login(self, http: httpx.Client, flavour: Flavour | None = None, token: WebLogin | None = None) -> WebSession:
        """A web login: CreateWebLoginToken (unless ``token`` is given), then the web server's login endpoint."""
        token = token or self.web_login_token()
        base_url = self.base_url(token.hostname)
        credential = log_in(http, base_url, Secret(token.token), flavour, self.name)
        return WebSession(token, base_url, credential)

    def console_url(self, flavour: Flavour | None = None) -> str:
        """A console-SSO link minted now (valid about 60 s); the token rides in the URL fragment."""
        token = self.web_login_token()
        flavour = flavour or self.flavour_of(self.details_or_none())
        return f"{self.base_url(token.hostname)}{console_sso_path(flavour)}?login=true#{token.token}"

    def cli_token(self) -> CliAccess:
        """CreateCliToken and the address its commands go to."""
        login = self.plane.create_cli_token(self.name)
        return CliAccess(Secret(login.token), self.base_url(login.hostname))

    def invoke(self, method: str, path: str, query: dict | None = None, body: Any = None) -> tuple[int, Any]:
        """InvokeRestApi: ``(Airflow's status, Airflow's answer)``."""
        return self.plane.invoke_rest_api(self.name, method, path, query, body)
