"""Settings the kernel and the server extension share: environment variables first, then their traitlets."""

from __future__ import annotations

import os
from dataclasses import dataclass

CONNECT_TIMEOUT_VARIABLE = "MWAA_MAGIC_CONNECT_TIMEOUT"
READ_TIMEOUT_VARIABLE = "MWAA_MAGIC_READ_TIMEOUT"
WEB_TIMEOUT_VARIABLE = "MWAA_MAGIC_WEB_TIMEOUT"
# The settings that change which endpoint and credentials boto3 uses: a change makes a new client.
AWS_SETTINGS = (
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_MWAA",
    "AWS_ENDPOINT_URL_S3",
    "AWS_ENDPOINT_URL_STS",
    "AWS_DISABLE_HOST_PREFIX_INJECTION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "MWAA_MAGIC_CONNECT_TIMEOUT",
    "MWAA_MAGIC_READ_TIMEOUT",
    "MWAA_MAGIC_WEB_TIMEOUT",
)


def _seconds(variable: str, default: float) -> float:
    try:
        value = float(os.environ.get(variable, default))
    except ValueError:
        return default
    return value if value > 0 else default


@dataclass(frozen=True)
class Timeouts:
    """How long to wait for an endpoint: to connect, and for an answer (control plane and web server).

    A dead or hung control plane fails within ``3 * (connect or read) + backoff``: under 20 s by default.
    InvokeRestApi gets MWAA's own 10 s per call on top of ``read``.
    """

    connect: float = 3.0
    read: float = 5.0
    web_read: float = 15.0  # a REST call through the web server (a page of 100, a task log)

    @classmethod
    def from_environment(cls) -> Timeouts:
        """``MWAA_MAGIC_CONNECT_TIMEOUT``, ``MWAA_MAGIC_READ_TIMEOUT``, ``MWAA_MAGIC_WEB_TIMEOUT`` (seconds)."""
        return cls(
            connect=_seconds(CONNECT_TIMEOUT_VARIABLE, cls.connect),
            read=_seconds(READ_TIMEOUT_VARIABLE, cls.read),
            web_read=_seconds(WEB_TIMEOUT_VARIABLE, cls.web_read),
        )
