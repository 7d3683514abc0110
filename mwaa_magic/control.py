"""The MWAA control plane: cached boto3 clients, name checks, token and environment calls.

boto3 is imported on first use, never at import time. Every AWS failure leaves as one of our errors.
"""

from __future__ import annotations

import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable

from . import errors
from .addresses import webserver_base_url

NAME_PATTERN = re.compile(r"[a-zA-Z][0-9a-zA-Z\-_]*")
HOSTNAME_PATTERN = re.compile(
    r"(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\-]*[a-zA-Z0-9])\.)*([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9\-]*[A-Za-z0-9])"
)
IAM_ROLE_ARN = "arn:aws:airflow:{region}:{account}:role/{name}/{{Admin|Op|User|Viewer}}"
ENVIRONMENT_ARN = "arn:aws:airflow:{region}:{account}:environment/{name}"
USER_AGENT = "mwaa-magic/0.1"


def validate_environment_name(name: str) -> str:
    """The name unchanged, or :class:`InvalidEnvironmentName` (no AWS call is made)."""
    if not isinstance(name, str) or not 1 <= len(name) <= 80 or not NAME_PATTERN.fullmatch(name):
        shown = repr(name)
        shown = shown if len(shown) <= 42 else f"{shown[:39]}..."
        raise errors.InvalidEnvironmentName(
            f"{shown} is not an MWAA environment name: use 1-80 letters, digits, '-' or '_', starting with a letter."
        )
    return name


def validate_hostname(hostname: str) -> str:
    """The hostname unchanged if it matches MWAA's pattern (≤255 chars), else :class:`InvalidHostname`."""
    if not isinstance(hostname, str) or not 1 <= len(hostname) <= 255 or not HOSTNAME_PATTERN.fullmatch(hostname):
        raise errors.InvalidHostname(
            "MWAA returned a web server hostname that is not a valid hostname; refusing to use it."
        )
    return hostname


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

    @property
    def airflow_major(self) -> int | None:
        return int(self.airflow_version.split(".")[0]) if self.airflow_version else None

    @property
    def available(self) -> bool:
        return self.status == "AVAILABLE"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "region": self.region, "status": self.status,
            "airflow_version": self.airflow_version, "webserver_access_mode": self.webserver_access_mode,
            "webserver_url": self.webserver_url, "tags": dict(self.tags), "error": self.error,
        }


class ControlPlane:
    """One boto3 ``mwaa`` client for a (profile, region), and the calls we make with it."""

    def __init__(self, profile: str | None = None, region: str | None = None) -> None:
        import boto3
        import botocore.config
        import botocore.exceptions

        try:
            self._session = boto3.Session(profile_name=profile or None)
        except botocore.exceptions.ProfileNotFound:
            raise errors.ProfileNotFound(
                f"AWS profile {profile!r} is not in your AWS config; pick one of: {', '.join(available_profiles()) or 'none configured'}."
            ) from None
        self.profile = profile or None
        self.region = region or self._session.region_name or os.environ.get("AWS_REGION") or ""
        if not self.region:
            raise errors.NoRegion(
                "No AWS region: pass --region, set AWS_DEFAULT_REGION, or set region in your AWS profile."
            )
        config = botocore.config.Config(user_agent_extra=USER_AGENT, retries={"mode": "standard", "max_attempts": 3},
                                        max_pool_connections=25,  # the picker describes environments concurrently
                                        connect_timeout=5, read_timeout=30)
        with _lock:  # client creation is not thread-safe in botocore
            self._client = self._session.client("mwaa", region_name=self.region, config=config)
        self._environments: dict[str, EnvironmentInfo] = {}

    def __repr__(self) -> str:
        return f"ControlPlane(profile={self.profile!r}, region={self.region!r})"

    # --- token calls -----------------------------------------------------------------------------
    def create_web_login_token(self, name: str) -> WebLogin:
        validate_environment_name(name)
        answer = self._call("CreateWebLoginToken", name, self._client.create_web_login_token, Name=name)
        return WebLogin(
            environment=name, region=self.region, hostname=validate_hostname(answer.get("WebServerHostname", "")),
            iam_identity=answer.get("IamIdentity", ""), airflow_identity=answer.get("AirflowIdentity", ""),
            token=answer["WebToken"],
        )

    def create_cli_token(self, name: str) -> CliLogin:
        validate_environment_name(name)
        answer = self._call("CreateCliToken", name, self._client.create_cli_token, Name=name)
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
            answer = self._call("InvokeRestApi", name, self._client.invoke_rest_api, reraise=INVOKE_RERAISED, **kwargs)
        except botocore.exceptions.ClientError as exc:
            error = exc.response.get("Error", {})
            code, message = error.get("Code", ""), error.get("Message", "")
            status = exc.response.get("RestApiStatusCode") or (500 if code == "RestApiServerException" else 400)
            limit = _rest_api_limit(code, status, message, f"{method} {path}")
            if limit:
                raise errors.RestApiLimitExceeded(limit, status) from None
            return status, exc.response.get("RestApiResponse")
        return answer.get("RestApiStatusCode", 200), answer.get("RestApiResponse")

    def console_url(self, name: str, airflow_major: int | None = None, webserver_urls: str | None = None) -> str:
        """Mint a web login token now and build the console-SSO link (valid about 60 s).

        Without ``airflow_major`` it is read from GetEnvironment; when that is denied, the plain path
        (which works on every version) is used.
        """
        login = self.create_web_login_token(name)
        if airflow_major is None:
            try:
                airflow_major = self.get_environment(name).airflow_major
            except errors.MwaaError:
                pass
        return console_sso_url(login, airflow_major, webserver_urls)

    # --- environment calls -----------------------------------------------------------------------
    def get_environment(self, name: str, cached: bool = True) -> EnvironmentInfo:
        validate_environment_name(name)
        if cached and name in self._environments:
            return self._environments[name]
        env = self._call("GetEnvironment", name, self._client.get_environment, Name=name)["Environment"]
        info = EnvironmentInfo(
            name=env.get("Name", name), region=self.region, status=env.get("Status"),
            airflow_version=env.get("AirflowVersion"), webserver_url=env.get("WebserverUrl"),
            webserver_access_mode=env.get("WebserverAccessMode"), arn=env.get("Arn"), tags=env.get("Tags") or {},
        )
        self._environments[name] = info
        return info

    def list_environment_names(self) -> list[str]:
        paginator = self._client.get_paginator("list_environments")
        pages = self._call("ListEnvironments", None, lambda: list(paginator.paginate()))
        return [name for page in pages for name in page.get("Environments", [])]

    def list_environments(self, max_workers: int = 16) -> list[EnvironmentInfo]:
        """Every environment of the region with its details, fetched concurrently."""
        names = self.list_environment_names()
        with ThreadPoolExecutor(max_workers=max(1, min(max_workers, len(names)))) as pool:
            return list(pool.map(self._describe_quietly, names))

    def _describe_quietly(self, name: str) -> EnvironmentInfo:
        try:
            return self.get_environment(name, cached=False)
        except errors.MwaaError as exc:
            return EnvironmentInfo(name=name, region=self.region, error=str(exc))

    # --- errors ----------------------------------------------------------------------------------
    def _call(self, operation: str, name: str | None, method: Callable, reraise: tuple[str, ...] = (), **kwargs: Any) -> Any:
        import botocore.exceptions as bx

        try:
            return method(**kwargs)
        except bx.ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in reraise:
                raise
            raise self._client_error(operation, name, code, exc.response.get("Error", {}).get("Message", "")) from None
        except bx.NoCredentialsError:
            raise errors.NoCredentials(
                "No AWS credentials found: run `aws configure` or `aws sso login`, set AWS_PROFILE, or pass --profile."
            ) from None
        except (bx.TokenRetrievalError, bx.SSOTokenLoadError, bx.UnauthorizedSSOTokenError):
            raise errors.ExpiredCredentials(
                f"Your AWS SSO session has expired: run `aws sso login{self._profile_flag()}` and try again."
            ) from None
        except bx.NoRegionError:
            raise errors.NoRegion("No AWS region: pass --region or set AWS_DEFAULT_REGION.") from None
        except (bx.EndpointConnectionError, bx.ConnectTimeoutError, bx.ReadTimeoutError, bx.ConnectionClosedError) as exc:
            raise errors.ControlPlaneUnreachable(
                f"Cannot reach the MWAA API in {self.region} ({type(exc).__name__}): check your network, proxy or AWS_ENDPOINT_URL_MWAA."
            ) from None

    def _client_error(self, operation: str, name: str | None, code: str, message: str) -> errors.MwaaError:
        region, account = self.region, "ACCOUNT_ID"
        if code == "AccessDeniedException":
            if operation in ("CreateWebLoginToken", "CreateCliToken", "InvokeRestApi"):
                arn = IAM_ROLE_ARN.format(region=region, account=account, name=name)
            else:
                arn = ENVIRONMENT_ARN.format(region=region, account=account, name=name or "*")
            return errors.AccessDenied(
                f"Access denied: your AWS identity needs IAM permission airflow:{operation} on {arn}."
            )
        if code == "ResourceNotFoundException":
            return errors.EnvironmentNotFound(self._not_found_message(name))
        if code == "ValidationException" and "not available" in message:
            return errors.EnvironmentNotAvailable(f"{errors.first_line(message, 300)} Wait until it is AVAILABLE, then log in again.")
        if code in ("ExpiredTokenException", "ExpiredToken", "RequestExpired"):
            return errors.ExpiredCredentials(
                f"Your AWS credentials have expired: refresh them (e.g. `aws sso login{self._profile_flag()}`) and try again."
            )
        if code in ("UnrecognizedClientException", "InvalidSignatureException", "InvalidClientTokenId", "SignatureDoesNotMatch"):
            return errors.NoCredentials(
                f"AWS rejected your credentials ({code}): check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or your profile."
            )
        if code in ("ThrottlingException", "TooManyRequestsException"):
            return errors.ServiceError(f"MWAA is throttling {operation} calls even after retries: wait a few seconds and try again.")
        if code == "InternalServerException":
            return errors.ServiceError(f"MWAA had an internal error on {operation} after retries: try again in a minute.")
        return errors.ServiceError(f"MWAA refused {operation} ({code}): {errors.first_line(message, 300)}")

    def _not_found_message(self, name: str | None) -> str:
        try:
            names = self.list_environment_names()
        except errors.MwaaError:
            names = None
        if names is None:
            known = ""
        elif names:
            known = f" Environments there: {', '.join(names[:20])}{', ...' if len(names) > 20 else ''}."
        else:
            known = " There are no environments there."
        return f"No MWAA environment named {name!r} in {self.region}{self._profile_note()}.{known}"

    def _profile_flag(self) -> str:
        return f" --profile {self.profile}" if self.profile else ""

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
_planes: dict[tuple[str | None, str | None], ControlPlane] = {}


def control_plane(profile: str | None = None, region: str | None = None) -> ControlPlane:
    """The cached :class:`ControlPlane` for (profile, region); one boto3 client each."""
    key = (profile or None, region or None)
    with _lock:
        plane = _planes.get(key)
        if plane is None:
            plane = _planes[key] = ControlPlane(profile, region)
        return plane


def clear_cache() -> None:
    """Forget cached clients (after the AWS settings changed)."""
    with _lock:
        _planes.clear()


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


def console_sso_url(login: WebLogin, airflow_major: int | None = None, webserver_urls: str | None = None) -> str:
    """The link that opens the Airflow UI logged in; the token rides in the fragment, never sent to a server."""
    base = webserver_base_url(login.hostname, webserver_urls)
    prefix = "/pluginsv2" if airflow_major and airflow_major >= 3 else ""
    return f"{base}{prefix}/aws_mwaa/aws-console-sso?login=true#{login.token}"
