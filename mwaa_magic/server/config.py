"""The server extension's settings: ``c.MwaaMagicServer.*`` in ``jupyter_server_config.py`` or ``--MwaaMagicServer.*=``.

The same settings as the kernel's ``%config MwaaMagics.*``, with the same defaults: left unset (None), the
region and profile are what boto3 finds (``AWS_PROFILE``, ``AWS_DEFAULT_REGION``, ``AWS_REGION``, the
profile's region) and the web-server address is ``$MWAA_MAGIC_WEBSERVER_URLS``, read when a link is minted.
A request may pick a profile and region; it never sets the web-server address or where to redirect.
"""

from __future__ import annotations

import re

from traitlets import TraitError, Unicode, validate
from traitlets.config import Configurable

from ..core.addresses import WEBSERVER_URLS_VARIABLE, InvalidWebserverUrls, parse_webserver_urls
from ..core.control_plane import REGION_PATTERN

PROFILE_PATTERN = re.compile(r"[\w+=,.@\-]{1,128}")


class MwaaMagicServer(Configurable):
    """Settings of the ``/mwaa`` routes of the Jupyter server."""

    region = Unicode(
        None,
        allow_none=True,
        help="AWS region when a request names none (default: what boto3 finds: AWS_DEFAULT_REGION, "
        "AWS_REGION, the profile's region).",
    ).tag(config=True)
    profile = Unicode(
        None, allow_none=True, help="AWS profile when a request names none (default: what boto3 finds: AWS_PROFILE)."
    ).tag(config=True)
    webserver_urls = Unicode(
        None,
        allow_none=True,
        help="Where the Airflow web servers are reached: one URL, or hostname=URL pairs separated "
        f"by commas (default: ${WEBSERVER_URLS_VARIABLE}, else https://{{WebServerHostname}}). "
        "Never taken from a request.",
    ).tag(config=True)

    @validate("region")
    def _check_region(self, proposal):
        return _matching(proposal["value"], REGION_PATTERN, "MwaaMagicServer.region", "an AWS region such as eu-west-1")

    @validate("profile")
    def _check_profile(self, proposal):
        return _matching(proposal["value"], PROFILE_PATTERN, "MwaaMagicServer.profile", "an AWS profile name")

    @validate("webserver_urls")
    def _check_webserver_urls(self, proposal):
        value = proposal["value"]
        if value:
            try:
                parse_webserver_urls(value)
            except InvalidWebserverUrls as exc:
                detail = str(exc).removeprefix(f"{WEBSERVER_URLS_VARIABLE}: ")
                raise TraitError(f"MwaaMagicServer.webserver_urls: {detail}") from None
        return value


def _matching(value: str | None, pattern: re.Pattern[str], name: str, what: str) -> str | None:
    if value in (None, ""):
        return None
    if not pattern.fullmatch(value):
        raise TraitError(f"{name} must be {what}, not {value!r}.")
    return value
