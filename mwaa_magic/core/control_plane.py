"""The MWAA control plane: one boto3 client per (profile, region, AWS settings), name checks, and the calls.

boto3 is imported on first use, never at import time. Every AWS failure leaves as one of our errors.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from . import aws_errors, errors, redaction
from .nearest import did_you_mean, nearest
from .regions import regions_holding
from .settings import AWS_SETTINGS, Timeouts
from .text import first_line, shorten
from .validation import hostname_of_url, validate_environment_name, validate_hostname

ROLE_ARN = "arn:aws:airflow:{region}:{account}:role/{name}/{{Admin|Op|User|Viewer}}"
ENVIRONMENT_ARN = "arn:aws:airflow:{region}:{account}:environment/{name}"
_RESOURCE_IN_MESSAGE = re.compile(r"on resource:\s*(arn:aws[\w-]*:airflow:[\w-]+:\d{12}:[\w/\-{}|*.]+)")
_ACCOUNT_IN_MESSAGE = re.compile(r"arn:aws[\w-]*:[\w-]+:[\w-]*:(\d{12}):")
TOKEN_OPERATIONS = ("CreateWebLoginToken", "CreateCliToken", "InvokeRestApi")
POOL_CONNECTIONS = 25  # the picker describes a ListEnvironments page (25 names) at once
LISTING_REUSE = 5.0  # seconds a ListEnvironments answer explains a not-found error (one call, not two)


def user_agent() -> str:
    """``mwaa-magic/VERSION`` for the AWS calls we make (the installed package's version)."""
    from importlib.metadata import version

    return f"mwaa-magic/{version('mwaa_magic')}"


@dataclass(frozen=True)
class WebLogin:
    """A CreateWebLoginToken answer. ``token`` is a secret: it is left out of the repr."""

    environment: str
    region: str
    hostname: str
    iam_identity: str
    airflow_identity: str
    token: str = field(repr=False)


@dataclass(frozen=True)
class CliLogin:
    environment: str
    region: str
    hostname: str
    token: str = field(repr=False)


@dataclass(frozen=True)
class EnvironmentInfo:
    """What GetEnvironment says of an environment (``status`` is None when we may not read it)."""

    name: str
    region: str
    status: str | None = None
    airflow_version: str | None = None
    webserver_url: str | None = None
    webserver_access_mode: str | None = None
    arn: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    error: str | None = None  # why the details are missing
    last_update_error: str | None = None
    s3: dict[str, str] = field(default_factory=dict)  # SourceBucketArn, DagS3Path, *S3Path, *S3ObjectVersion
    last_update: dict[str, Any] = field(default_factory=dict)  # LastUpdate: Status, CreatedAt, Error {ErrorCode, ...}

    @property
    def available(self) -> bool:
        return self.status == "AVAILABLE"

    @property
    def dag_location(self) -> tuple[str, str] | None:
        """(bucket, DAG folder prefix) from ``SourceBucketArn`` and ``DagS3Path``; the prefix ends with "/" (or is
        "" for the bucket's root). None when no bucket is named."""
        arn = self.s3.get("SourceBucketArn", "")
        if not arn.startswith("arn:") or ":::" not in arn:
            return None
        prefix = self.s3.get("DagS3Path", "dags").strip("/")
        return arn.split(":::", 1)[1].split("/", 1)[0], f"{prefix}/" if prefix else ""

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "region": self.region,
            "status": self.status,
            "airflow_version": self.airflow_version,
            "webserver_access_mode": self.webserver_access_mode,
            "webserver_url": self.webserver_url,
            "tags": dict(self.tags),
            "error": self.error,
        }


S3_FIELDS = (
    "SourceBucketArn",
    "DagS3Path",
    "PluginsS3Path",
    "PluginsS3ObjectVersion",
    "RequirementsS3Path",
    "RequirementsS3ObjectVersion",
    "StartupScriptS3Path",
    "StartupScriptS3ObjectVersion",
)


def _environment_info(env: dict[str, Any], name: str, region: str) -> EnvironmentInfo:
    """GetEnvironment's ``Environment`` as EnvironmentInfo, its web-server address validated."""
    url = env.get("WebserverUrl")
    hostname = hostname_of_url(url) if url else ""
    update_error = (env.get("LastUpdate") or {}).get("Error") or {}
    return EnvironmentInfo(
        name=env.get("Name", name),
        region=region,
        status=env.get("Status"),
        airflow_version=env.get("AirflowVersion"),
        webserver_url=f"https://{hostname}" if hostname else None,
        webserver_access_mode=env.get("WebserverAccessMode"),
        arn=env.get("Arn"),
        tags=env.get("Tags") or {},
        last_update_error=first_line(update_error.get("ErrorMessage"), 200) or None,
        s3={k: str(v) for k, v in env.items() if k in S3_FIELDS and v},
        last_update=dict(env.get("LastUpdate") or {}),
    )


class ControlPlane:
    """One boto3 ``mwaa`` client for a (profile, region), and the calls we make with it."""

    def __init__(
        self, profile: str | None = None, region: str | None = None, timeouts: Timeouts | None = None, attempts: int = 3
    ) -> None:
        """``attempts``: tries per call in all (retries included); InvokeRestApi is always tried once."""
        import boto3
        import botocore.config
        import botocore.exceptions

        redaction.install()
        try:
            self._session = boto3.Session(profile_name=profile or None)
        except botocore.exceptions.ProfileNotFound:
            raise errors.ProfileNotFound(
                f"AWS profile {shorten(repr(profile), 60)} is not in your AWS config; pick one of: "
                f"{', '.join(available_profiles()) or 'none configured'}."
            ) from None
        self.profile = profile or None
        self.region = region or self._session.region_name or os.environ.get("AWS_REGION") or ""
        if not self.region:
            raise errors.NoRegion("No AWS region: pass --region, set AWS_DEFAULT_REGION, or set region in your AWS profile.")
        self.timeouts = timeouts or Timeouts.from_environment()
        t = self.timeouts

        def config(read: float, attempts: int) -> Any:
            return botocore.config.Config(
                user_agent_extra=user_agent(),
                retries={"mode": "standard", "total_max_attempts": attempts},
                max_pool_connections=POOL_CONNECTIONS,
                connect_timeout=t.connect,
                read_timeout=read,
            )

        try:
            with _lock:  # client creation is not thread-safe in botocore
                self._client = self._session.client("mwaa", region_name=self.region, config=config(t.read, attempts))
                # InvokeRestApi: MWAA gives Airflow 10 s; never retried by botocore (a POST must not run twice).
                self._invoke_client = self._session.client("mwaa", region_name=self.region, config=config(t.read + 12, 1))
        except botocore.exceptions.InvalidRegionError:
            raise errors.NoRegion(
                f"{shorten(repr(self.region), 40)} is not an AWS region name (like us-east-1): fix --region or AWS_DEFAULT_REGION."
            ) from None
        self._listing: tuple[float, list[str] | None] = (0.0, None)
        self._listing_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ControlPlane(profile={self.profile!r}, region={self.region!r})"

    # --- token calls -----------------------------------------------------------------------------
    def create_web_login_token(self, name: str) -> WebLogin:
        validate_environment_name(name)
        answer = self._call("CreateWebLoginToken", name, self._client.create_web_login_token, Name=name)
        token = answer["WebToken"]
        redaction.remember(token)
        return WebLogin(
            environment=name,
            region=self.region,
            hostname=validate_hostname(answer.get("WebServerHostname", "")),
            iam_identity=answer.get("IamIdentity", ""),
            airflow_identity=answer.get("AirflowIdentity", ""),
            token=token,
        )

    def create_cli_token(self, name: str) -> CliLogin:
        validate_environment_name(name)
        answer = self._call("CreateCliToken", name, self._client.create_cli_token, Name=name)
        redaction.remember(answer["CliToken"])
        return CliLogin(name, self.region, validate_hostname(answer.get("WebServerHostname", "")), answer["CliToken"])

    def invoke_rest_api(self, name: str, method: str, path: str, query: dict | None = None, body: Any = None) -> tuple[int, Any]:
        """InvokeRestApi; Airflow errors come back as ``(status, body)`` too: the caller decides.

        MWAA's own limits (10 s per call, 6 MB per response, a low call rate) raise
        :class:`RestApiLimitExceeded` with a line saying which one was hit.
        """
        import botocore.exceptions

        validate_environment_name(name)
        kwargs: dict[str, Any] = {"Name": name, "Method": method, "Path": path}
        if query:
            kwargs["QueryParameters"] = query
        if body is not None:
            kwargs["Body"] = body
        try:
            answer = self._call("InvokeRestApi", name, self._invoke_client.invoke_rest_api, reraise=INVOKE_RERAISED, **kwargs)
        except botocore.exceptions.ClientError as exc:
            error = exc.response.get("Error", {})
            code, message = error.get("Code", ""), error.get("Message", "")
            status = exc.response.get("RestApiStatusCode") or (500 if code == "RestApiServerException" else 400)
            limit = _rest_api_limit(code, status, message, f"{method} {shorten(path)}")
            if limit:
                error = errors.RestApiLimitExceeded(limit, status)
                error.transient = code in ("ThrottlingException", "TooManyRequestsException")  # reads retry it
                raise error from None
            return status, exc.response.get("RestApiResponse")
        return answer.get("RestApiStatusCode", 200), answer.get("RestApiResponse")

    def aws_client(self, service: str) -> Any:
        """A boto3 client of another service (``s3``) with this plane's profile, region and AWS settings."""
        import botocore.config

        with _lock:  # client creation is not thread-safe in botocore
            return self._session.client(
                service,
                region_name=self.region,
                config=botocore.config.Config(
                    user_agent_extra=user_agent(),
                    retries={"mode": "standard", "total_max_attempts": 3},
                    connect_timeout=self.timeouts.connect,
                    read_timeout=self.timeouts.read,
                ),
            )

    # --- environment calls -----------------------------------------------------------------------
    def get_environment(self, name: str) -> EnvironmentInfo:
        """GetEnvironment now (no cache here: :class:`~mwaa_magic.core.environment.Environment` keeps one)."""
        validate_environment_name(name)
        env = self._call("GetEnvironment", name, self._client.get_environment, Name=name)["Environment"]
        return _environment_info(env, name, self.region)

    def update_environment(self, name: str, **fields: str) -> str:
        """UpdateEnvironment with ``fields`` (e.g. RequirementsS3Path, RequirementsS3ObjectVersion): its ARN."""
        validate_environment_name(name)
        arguments: dict[str, Any] = {"Name": name, **fields}
        return str(self._call("UpdateEnvironment", name, self._client.update_environment, **arguments).get("Arn", ""))

    def list_environment_names(self) -> list[str]:
        paginator = self._client.get_paginator("list_environments")
        pages = self._call("ListEnvironments", None, lambda: list(paginator.paginate()))
        names = [name for page in pages for name in page.get("Environments", [])]
        self._listing = (time.monotonic(), names)
        return names

    def list_environments(self, max_workers: int = 16) -> list[EnvironmentInfo]:
        """Every environment of the region with its details, fetched concurrently."""
        names = self.list_environment_names()
        with ThreadPoolExecutor(max_workers=max(1, min(max_workers, len(names)))) as pool:
            return list(pool.map(self._describe_quietly, names))

    def _describe_quietly(self, name: str) -> EnvironmentInfo:
        try:
            return self.get_environment(name)
        except errors.MwaaError as exc:
            return EnvironmentInfo(name=name, region=self.region, error=str(exc))

    # --- errors ----------------------------------------------------------------------------------
    def _call(self, operation: str, name: str | None, method: Callable, reraise: tuple[str, ...] = (), **kwargs: Any) -> Any:
        """``method(**kwargs)``; an AWS failure leaves as one of our errors (codes in ``reraise`` as they came)."""
        try:
            return method(**kwargs)
        except Exception as exc:
            translated = (
                exc if aws_errors.code_of(exc) in reraise else aws_errors.translate(exc, service=self._service(operation, name))
            )
            if translated is exc:
                raise
            if isinstance(translated, errors.EnvironmentNotFound) and name:
                translated = self._towards_nearest(translated, name)
            raise translated from None

    def _towards_nearest(self, error: errors.EnvironmentNotFound, name: str) -> errors.EnvironmentNotFound:
        """The not-found error with its doctor hint on the nearest real environment (not on the typo)."""
        near = nearest(name, self._recent_listing() or [])  # the listing the message just read: no new call
        if near is None:
            return error
        return errors.EnvironmentNotFound(errors.without_doctor_hint(str(error)) + errors.doctor_hint(near))

    def _service(self, operation: str, name: str | None) -> aws_errors.ServiceContext:
        """How MWAA failures of ``operation`` on environment ``name`` are worded."""
        return aws_errors.ServiceContext(
            "MWAA",
            operation,
            "AWS_ENDPOINT_URL_MWAA",
            aws_errors.MWAA_RULES,
            endpoint=f"the MWAA API in {self.region}",
            hint=errors.doctor_hint(name),
            region=self.region,
            profile=self.profile,
            timeouts=self.timeouts,
            names={
                "denied_resource": lambda failure: self._denied_resource(operation, name, failure.message),
                "not_found": lambda failure: self._not_found_message(name),
            },
        )

    def _denied_resource(self, operation: str, name: str | None, message: str) -> str:
        """The resource ARN from AWS's message, else one built with the account AWS named (or ACCOUNT_ID)."""
        named = _RESOURCE_IN_MESSAGE.search(message)
        if named:
            return named.group(1)
        account_match = _ACCOUNT_IN_MESSAGE.search(message)
        account = account_match.group(1) if account_match else "ACCOUNT_ID"
        template = ROLE_ARN if operation in TOKEN_OPERATIONS else ENVIRONMENT_ARN
        return template.format(region=self.region, account=account, name=name or "*")

    def _not_found_message(self, name: str | None) -> str:
        names = self._recent_listing()
        if names is None:
            known = ""
        elif names:
            known = f" Environments there: {', '.join(names[:20])}{', ...' if len(names) > 20 else ''}."
        else:
            known = " There are no environments there."
        elsewhere = regions_holding(name, self.profile, self.region) if name else []
        if elsewhere:
            known += f" It exists in {', '.join(elsewhere)}: log in with --region {elsewhere[0]}."
        guess = did_you_mean(name, names) if name and names else ""
        return f"No MWAA environment named {name!r} in {self.region}{self._profile_note()}{':' + guess if guess else '.'}{known}"

    def _recent_listing(self) -> list[str] | None:
        """The environment names (one ListEnvironments for concurrent not-found errors), None if unreadable."""
        with self._listing_lock:
            at, names = self._listing
            if names is not None and time.monotonic() - at < LISTING_REUSE:
                return names
            try:
                return self.list_environment_names()
            except errors.MwaaError:
                return None

    def _profile_note(self) -> str:
        return f" (profile {self.profile})" if self.profile else ""


INVOKE_RERAISED = ("RestApiClientException", "RestApiServerException", "ThrottlingException", "TooManyRequestsException")


def _rest_api_limit(code: str, status: int, message: str, where: str) -> str | None:
    """The line for an InvokeRestApi limit that was hit (rate, 10 s, 6 MB), or None."""
    text, hint = message.lower(), "or log in with --transport token, which has none of these limits."
    if code in ("ThrottlingException", "TooManyRequestsException"):
        return f"MWAA throttled InvokeRestApi on {where} even after retries: it allows only a few calls per second; slow down, {hint}"
    if status == 504 or "timed out" in text or "timeout" in text:
        return f"InvokeRestApi gave up on {where} after 10 s (MWAA's limit per call): ask for less, {hint}"
    if status == 413 or "6 mb" in text or "too large" in text or "payload size" in text:
        return f"The answer to {where} is over InvokeRestApi's 6 MB limit: ask for less (a smaller limit), {hint}"
    return None


_lock = threading.RLock()
_planes: dict[tuple, ControlPlane] = {}


def control_plane(profile: str | None = None, region: str | None = None) -> ControlPlane:
    """The shared :class:`ControlPlane` for (profile, region) under the current AWS settings.

    Clients are reused; changing an AWS setting (endpoint, keys, profile, config files) gives a new one,
    so nothing needs clearing by hand.
    """
    key = (profile or None, region or None, tuple(os.environ.get(name) for name in AWS_SETTINGS))
    plane = _planes.get(key)  # no lock to find one: another thread may hold it for seconds making clients
    if plane is not None:
        return plane
    with _lock:
        plane = _planes.get(key)
        if plane is None:
            plane = _planes[key] = ControlPlane(profile, region)
        return plane


def available_profiles() -> list[str]:
    """The profiles boto3 knows, the default one first."""
    import boto3

    profiles = boto3.Session().available_profiles
    return sorted(profiles, key=lambda p: (p != "default", p))


def default_profile() -> str | None:
    return os.environ.get("AWS_PROFILE") or os.environ.get("AWS_DEFAULT_PROFILE") or None


def mwaa_regions() -> list[str]:
    """The regions where MWAA exists, from botocore's endpoint data (no network)."""
    import boto3

    return boto3.Session().get_available_regions("mwaa")


def default_region(profile: str | None = None) -> str | None:
    import boto3
    import botocore.exceptions

    try:
        return boto3.Session(profile_name=profile or None).region_name or os.environ.get("AWS_REGION")
    except botocore.exceptions.ProfileNotFound:
        return None
