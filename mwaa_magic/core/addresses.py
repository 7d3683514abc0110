"""The web-server address setting: reach an environment's web server somewhere else than ``https://{hostname}``.

Needed for private web servers reached through an SSH tunnel, a proxy or a custom domain, and by the
local emulator. Set ``MWAA_MAGIC_WEBSERVER_URLS`` (or ``%config MwaaMagics.webserver_urls``) to either

* one URL used for every hostname: ``http://127.0.0.1:8443``, or
* comma-separated ``hostname=URL`` pairs: ``abc.us-east-1.airflow.on.aws=http://127.0.0.1:8951,...``.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from .errors import MwaaError

WEBSERVER_URLS_VARIABLE = "MWAA_MAGIC_WEBSERVER_URLS"


class InvalidWebserverUrls(MwaaError):
    code = "InvalidWebserverUrls"


def _check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidWebserverUrls(
            f"{WEBSERVER_URLS_VARIABLE}: {url!r} is not an http(s) URL; use URL or hostname=URL[,hostname=URL]."
        )
    return url.rstrip("/")


def parse_webserver_urls(text: str) -> dict[str, str]:
    """``hostname -> base URL``; the key ``*`` holds a URL that applies to every hostname."""
    mapping: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        host, sep, url = item.partition("=")
        if not sep:
            mapping["*"] = _check_url(item)
        else:
            mapping[host.strip().lower()] = _check_url(url.strip())
    return mapping


def webserver_base_url(hostname: str, setting: str | None = None) -> str:
    """Where to reach the web server of ``hostname``: the configured address, else ``https://{hostname}``."""
    text = setting if setting is not None else os.environ.get(WEBSERVER_URLS_VARIABLE, "")
    mapping = parse_webserver_urls(text) if text else {}
    return mapping.get(hostname.lower()) or mapping.get("*") or f"https://{hostname}"
