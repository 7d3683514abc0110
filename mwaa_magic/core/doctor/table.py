"""The one table of ``doctor``'s checks. Adding a check is one :class:`Check` entry here plus its function.

The order of :data:`CHECKS` is the order of the rows. A check starts once every check it ``needs`` has
passed (ok, warn or n/a; otherwise it is "skipped", with the reason) and every check it comes ``after`` has
a row, whatever its result; checks that are ready together run at the same time.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from . import aws_checks as aws
from . import web_checks as web
from .outcome import Outcome
from .state import RunState

STEP_TIMEOUT = 5.0  # seconds per AWS call or web request
NETWORK_TIMEOUT = 3.0  # seconds for DNS and for a TCP connect
CLI_TIMEOUT = 12.0  # `airflow version` through MWAA's CLI endpoint (Airflow starts a CLI process: seconds)
MWAA_API_TIMEOUT_FIX = "check your network or proxy to the MWAA API"
WEB_TIMEOUT_FIX = "the web server accepts connections but does not answer: Airflow may be overloaded or restarting"


@dataclass(frozen=True)
class Check:
    """One row of the doctor: what it is called, what it needs, how long it may take, and what to do."""

    key: str
    title: str
    function: Callable[[RunState, float], Outcome]
    needs: tuple[str, ...] = ()  # checks that must pass first
    after: tuple[str, ...] = ()  # checks whose findings it reads, passed or not
    timeout: float = STEP_TIMEOUT
    fix: str = ""  # when the check raises one of our errors (default: "see the message")
    fix_on_timeout: str = ""  # when it does not answer in time (default: ``fix``)


CHECKS: tuple[Check, ...] = (
    Check(
        "credentials",
        "Credentials",
        aws.credentials,
        fix="run `aws configure` or `aws sso login`, set AWS_PROFILE, or pass --profile",
    ),
    Check(
        "identity",
        "Identity (STS)",
        aws.identity,
        needs=("credentials",),
        fix="refresh your credentials (`aws sso login`), or check AWS_ACCESS_KEY_ID / your profile",
        fix_on_timeout="check your network or proxy to AWS STS (HTTPS_PROXY, AWS_ENDPOINT_URL_STS)",
    ),
    Check("clock", "Clock", aws.clock, after=("identity", "region"), timeout=1.0),
    Check(
        "region",
        "Region",
        aws.region,
        needs=("credentials",),
        timeout=9.0,
        fix="pass --region (or set AWS_DEFAULT_REGION) to the environment's region",
        fix_on_timeout="check your network or proxy to the MWAA API (HTTPS_PROXY, AWS_ENDPOINT_URL_MWAA)",
    ),
    Check(
        "environment",
        "GetEnvironment",
        aws.environment,
        needs=("region",),
        after=("identity",),
        timeout=1.0,
        fix="check the environment in the MWAA console",
    ),
    Check("support", "Airflow version support", aws.version_support, after=("environment",), timeout=1.0),
    Check(
        "s3",
        "DAG folder (S3)",
        aws.dag_folder,
        after=("environment",),
        fix="check the environment's source bucket in the MWAA console",
        fix_on_timeout="check your network or proxy to S3 (HTTPS_PROXY, AWS_ENDPOINT_URL_S3)",
    ),
    Check(
        "CreateWebLoginToken",
        "CreateWebLoginToken",
        aws.web_token,
        needs=("region",),
        after=("identity",),
        fix_on_timeout=MWAA_API_TIMEOUT_FIX,
    ),
    Check(
        "CreateCliToken",
        "CreateCliToken",
        aws.cli_token,
        needs=("region",),
        after=("identity",),
        fix_on_timeout=MWAA_API_TIMEOUT_FIX,
    ),
    Check(
        "InvokeRestApi",
        "InvokeRestApi",
        aws.invoke,
        needs=("region",),
        after=("identity",),
        fix_on_timeout="MWAA gives Airflow 10 s: Airflow may be overloaded or down; check the environment's health",
    ),
    Check(
        "address",
        "Web server address",
        web.address,
        after=("environment", "CreateWebLoginToken", "CreateCliToken", "InvokeRestApi"),
        timeout=1.0,
    ),
    Check(
        "dns",
        "DNS",
        web.dns,
        needs=("address",),
        timeout=NETWORK_TIMEOUT,
        fix_on_timeout="your DNS server does not answer: check the network or VPN",
    ),
    Check(
        "tcp",
        "TCP connect",
        web.tcp,
        needs=("dns",),
        timeout=NETWORK_TIMEOUT,
        fix_on_timeout="a firewall, or a private network: PRIVATE_ONLY web servers need their VPC (VPN or SSH tunnel)",
    ),
    Check(
        "tls",
        "TLS",
        web.tls,
        needs=("tcp",),
        fix_on_timeout="something accepts connections there but does not speak TLS: check the address's scheme and port",
    ),
    Check(
        "login",
        "Web login",
        web.login,
        needs=("tls", "CreateWebLoginToken"),
        fix="check the web-server address setting (MWAA_MAGIC_WEBSERVER_URLS) and that Airflow is up",
        fix_on_timeout=WEB_TIMEOUT_FIX,
    ),
    Check(
        "rest",
        "REST call",
        web.rest,
        needs=("login",),
        fix="your Airflow role may not read this: ask for a stronger role",
        fix_on_timeout=WEB_TIMEOUT_FIX,
    ),
    Check(
        "cli",
        "CLI",
        web.cli,
        needs=("tls", "CreateCliToken"),
        timeout=CLI_TIMEOUT,
        fix="check that the environment's CLI endpoint works (MWAA console) and the web-server address",
        fix_on_timeout="the CLI endpoint did not answer: Airflow may be overloaded or restarting",
    ),
)


def with_timeouts(checks: tuple[Check, ...], **seconds: float) -> tuple[Check, ...]:
    """``checks`` with the timeouts of some of them changed (``cli=25.0``), for slow or impatient settings."""
    unknown = set(seconds) - {check.key for check in checks}
    if unknown:
        raise ValueError(f"no such check: {', '.join(sorted(unknown))}")
    return tuple(dataclasses.replace(c, timeout=seconds.get(c.key, c.timeout)) for c in checks)
