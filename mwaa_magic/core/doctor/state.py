"""What the checks of one ``doctor`` run share: settings, clients, answers and tokens (never printed)."""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING

from ..addresses import WEBSERVER_URLS_VARIABLE, parse_webserver_urls, webserver_base_url
from ..control_plane import CliLogin, ControlPlane, EnvironmentInfo, WebLogin
from ..errors import MwaaError

if TYPE_CHECKING:  # annotations only (no import cycle: these modules never import the doctor)
    import boto3
    import httpx

    from ..environment import WebSession


class RunState:
    """One run's inputs and what its checks found so far; tokens stay here, never in a row."""

    def __init__(
        self, name: str, region: str | None, profile: str | None, webserver_urls: str | None, regions: list[str] | None
    ) -> None:
        self.name, self.region, self.profile = name, region, profile or None
        self.webserver_urls, self.regions = webserver_urls, regions
        self.client_lock = threading.Lock()  # botocore's and httpx's client creation is not thread-safe
        self.session: boto3.Session | None = None
        self.plane: ControlPlane | None = None
        self.date: tuple[float, str] | None = None  # (local time, the service's Date header)
        self.info: EnvironmentInfo | None = None
        self.info_error: MwaaError | None = None
        self.support: dict | None = None  # the Airflow version's support (core/support.py), for --json
        self.account: str | None = None
        self.address_from_setting = False
        self.web_token: WebLogin | None = None
        self.cli_token: CliLogin | None = None
        self.base_url = ""
        self.addresses: list[str] = []
        self.http: httpx.Client | None = None
        self.web: WebSession | None = None

    def control(self) -> ControlPlane:
        """The run's control-plane client (made by the region check, which the token checks need)."""
        assert self.plane is not None, "the region check makes the control-plane client"
        return self.plane

    def profile_flag(self) -> str:
        return f" --profile {self.profile}" if self.profile else ""

    def webserver_setting(self) -> str:
        return self.webserver_urls if self.webserver_urls is not None else os.environ.get(WEBSERVER_URLS_VARIABLE, "")

    def choose_address(self, hostname: str) -> tuple[str, str]:
        """(base URL, how it was chosen)."""
        setting = self.webserver_setting()
        mapping = parse_webserver_urls(setting) if setting else {}
        base = webserver_base_url(hostname, setting)
        if hostname.lower() in mapping:
            return base, f"{WEBSERVER_URLS_VARIABLE} maps {hostname} to it"
        if "*" in mapping:
            return base, f"{WEBSERVER_URLS_VARIABLE} (one address for every environment)"
        return base, "https://{WebServerHostname}, as MWAA gives it"
