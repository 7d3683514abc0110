"""What MWAA accepts as an environment name, a region and a web-server hostname: checked before any call."""

from __future__ import annotations

import re

from . import errors
from .text import shorten

NAME_PATTERN = re.compile(r"[a-zA-Z][0-9a-zA-Z\-_]*")
HOSTNAME_LABEL = re.compile(r"[A-Za-z0-9]([A-Za-z0-9\-]{0,61}[A-Za-z0-9])?")


def validate_environment_name(name: object) -> str:
    """The name unchanged, or :class:`InvalidEnvironmentName` (no AWS call is made)."""
    if not isinstance(name, str) or not 1 <= len(name) <= 80 or not NAME_PATTERN.fullmatch(name):
        raise errors.InvalidEnvironmentName(
            f"{shorten(repr(name), 42)} is not an MWAA environment name: use 1-80 letters, digits, '-' or '_', "
            "starting with a letter."
        )
    return name


REGION_PATTERN = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}")


def validate_region(region: object) -> str:
    """The region unchanged if it looks like an AWS region (``us-east-1``), else :class:`NoRegion`."""
    if not isinstance(region, str) or not REGION_PATTERN.fullmatch(region):
        raise errors.NoRegion(f"{shorten(repr(region), 40)} is not an AWS region name (like us-east-1): fix --region.")
    return region


def is_hostname(text: object) -> bool:
    """True for an MWAA web-server hostname: dot-separated labels of letters, digits and '-', ≤63 each, ≤255 in all."""
    return isinstance(text, str) and 1 <= len(text) <= 255 and all(HOSTNAME_LABEL.fullmatch(label) for label in text.split("."))


def validate_hostname(hostname: object, source: str = "MWAA") -> str:
    """The hostname unchanged if valid, else :class:`InvalidHostname` (the bad value is never shown)."""
    if not is_hostname(hostname):
        raise errors.InvalidHostname(f"{source} gave a web server hostname that is not a valid hostname; refusing to use it.")
    return hostname  # type: ignore[return-value]


def hostname_of_url(url: str | None) -> str:
    """The validated hostname of GetEnvironment's ``WebserverUrl`` (which may lack ``https://``), or ""."""
    if not url:
        return ""
    host = url.split("://", 1)[-1].split("/", 1)[0]
    return validate_hostname(host, "GetEnvironment's WebserverUrl")
