"""The settings both faces take: the kernel's ``%config MwaaMagics.*`` and the server's ``c.MwaaMagicServer.*``.

One definition (traits, help, checks) mixed into both classes. Left unset (None), the region and profile are
what boto3 finds (``AWS_PROFILE``, ``AWS_DEFAULT_REGION``, ``AWS_REGION``, the profile's region) and the
web-server address is ``$MWAA_MAGIC_WEBSERVER_URLS``, read when it is used. The mixin is no Configurable
itself, so no ``c.SharedSettings`` section exists: each face is configured under its own name.
"""

from __future__ import annotations

import os
import re
from typing import Any

from traitlets import HasTraits, TraitError, Unicode, validate

from .core.addresses import WEBSERVER_URLS_VARIABLE, InvalidWebserverUrls, parse_webserver_urls
from .core.validation import REGION_PATTERN

PROFILE_PATTERN = re.compile(r"[\w+=,.@\-]{1,128}")
SHARED = ("region", "profile", "webserver_urls")
# The server extension sets it in the server's environment, which every kernel the server starts inherits.
JUPYTER_BASE_URL_VARIABLE = "MWAA_MAGIC_JUPYTER_BASE_URL"
HUB_PREFIX_VARIABLE = "JUPYTERHUB_SERVICE_PREFIX"


def jupyter_base_url(setting: str | None = None) -> str:
    """The Jupyter server's base URL, for the kernel's token-free links to the server's ``/mwaa`` routes.

    The kernel's ``%config MwaaMagics.jupyter_base_url`` (for a kernel the server did not start, such as one
    behind Enterprise Gateway), else what the server extension told the kernels it starts
    (``$MWAA_MAGIC_JUPYTER_BASE_URL``), else JupyterHub's ``$JUPYTERHUB_SERVICE_PREFIX``, else ``/``.
    """
    env = os.environ
    return setting or env.get(JUPYTER_BASE_URL_VARIABLE) or env.get(HUB_PREFIX_VARIABLE) or "/"


class SharedSettings(HasTraits):
    """Region, profile and web-server address, checked when set (a bad value fails at startup or ``%config``)."""

    region = Unicode(
        None,
        allow_none=True,
        help="AWS region when none is given (default: what boto3 finds: AWS_DEFAULT_REGION, AWS_REGION, the profile's region).",
    ).tag(config=True)
    profile = Unicode(None, allow_none=True, help="AWS profile when none is given (default: what boto3 finds: AWS_PROFILE).").tag(
        config=True
    )
    webserver_urls = Unicode(
        None,
        allow_none=True,
        help="Where the Airflow web servers are reached: one URL, or hostname=URL pairs separated "
        f"by commas (default: ${WEBSERVER_URLS_VARIABLE}, else https://{{WebServerHostname}}). "
        "Never taken from a request.",
    ).tag(config=True)

    @validate("region")
    def _check_region(self, proposal: Any) -> str | None:
        return self._matching(proposal, REGION_PATTERN, "an AWS region such as eu-west-1")

    @validate("profile")
    def _check_profile(self, proposal: Any) -> str | None:
        return self._matching(proposal, PROFILE_PATTERN, "an AWS profile name")

    @validate("webserver_urls")
    def _check_webserver_urls(self, proposal: Any) -> str | None:
        value = proposal["value"]
        if value:
            try:
                parse_webserver_urls(value)
            except InvalidWebserverUrls as exc:
                detail = str(exc).removeprefix(f"{WEBSERVER_URLS_VARIABLE}: ")
                raise TraitError(f"{type(self).__name__}.webserver_urls: {detail}") from None
        return value

    def _matching(self, proposal: Any, pattern: re.Pattern[str], what: str) -> str | None:
        value, name = proposal["value"], f"{type(self).__name__}.{proposal['trait'].name}"
        if value in (None, ""):
            return None
        if not pattern.fullmatch(value):
            raise TraitError(f"{name} must be {what}, not {value!r}.")
        return value
