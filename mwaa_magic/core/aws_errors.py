"""ONE translator from botocore's failures to our errors, worded per AWS service (MWAA, S3, STS).

A caller says what it was doing in a :class:`ServiceContext`: the service, the operation, what the call was
on, the endpoint setting, the doctor hint, and the service's own table of :class:`Rule` (AWS error codes, or
botocore exception names, to one of our errors and its wording). :func:`translate` gives the error to raise;
:func:`explain` gives the same as data (what happened, the fix) for a row of ``%mwaa doctor``.

Rules are tried in order: the service's own table first (for the error's code, then for any code), then
:data:`COMMON_RULES` (credentials, SSO, region, network, throttling, AWS's internal errors, anything else).
botocore is imported only once there is one of its exceptions to read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeAlias

from . import errors
from .settings import Timeouts
from .text import first_line, shorten

ANY = "*"  # a rule for every ClientError code (its service's fallback wording)
Text: TypeAlias = "str | Callable[[Failure], str]"  # a str.format template over Failure's fields, or a function


@dataclass(frozen=True)
class Rule:
    """AWS error codes (or botocore exception class names) -> one of our errors, worded ``said`` (+ ``fix``).

    ``contains``: the rule holds only when AWS's message has this text (any case). ``hint``: append the
    context's doctor hint (for failures ``%mwaa doctor`` can pin down).
    """

    codes: tuple[str, ...]
    error: type[errors.MwaaError]
    said: Text
    fix: Text = ""
    contains: str = ""
    hint: bool = False

    def holds(self, key: str, message: str) -> bool:
        return key in self.codes and self.contains.lower() in message.lower()


@dataclass(frozen=True)
class ServiceContext:
    """What a caller was doing when AWS failed, and how its service words failures."""

    service: str  # how messages name the service: "MWAA", "S3", "STS"
    operation: str  # the API call (or IAM action): "CreateWebLoginToken", "PutObject", "GetCallerIdentity"
    endpoint_setting: str  # the setting that points boto3 at another endpoint: AWS_ENDPOINT_URL_MWAA / _S3 / _STS
    rules: tuple[Rule, ...] = ()  # the service's own table, tried before COMMON_RULES
    endpoint: str = ""  # how "Cannot reach ..." names the endpoint (default: the service)
    target: str = ""  # what the call was on: "refused OPERATION on TARGET" ("" for nothing)
    hint: str = ""  # appended where a rule asks for it: errors.doctor_hint(environment)
    region: str = ""
    profile: str | None = None
    timeouts: Timeouts = field(default_factory=Timeouts)  # the client's, for "did not answer within N s"
    names: Mapping[str, Text] = field(default_factory=dict)  # more template fields (a function: only when used)
    message_limit: int = 300  # characters of AWS's message shown


@dataclass(frozen=True)
class Failure:
    """One botocore failure read for the templates: ``code`` is AWS's error code or the exception's class name."""

    context: ServiceContext
    code: str
    message: str  # AWS's message as it came (templates get its first line as ``{message}``)
    exc: Exception

    def fields(self) -> _Fields:
        c = self.context
        endpoint = c.endpoint or c.service
        connect = self.code == "ConnectTimeoutError"
        return _Fields(
            self,
            service=c.service,
            operation=c.operation,
            endpoint_setting=c.endpoint_setting,
            endpoint=endpoint,
            Endpoint=endpoint[:1].upper() + endpoint[1:],
            region=c.region,
            code=shorten(self.code),
            message=first_line(self.message, c.message_limit),
            exc_type=type(self.exc).__name__,
            on=f" on {c.target}" if c.target else "",
            profile_flag=f" --profile {c.profile}" if c.profile else "",
            what="accept a connection" if connect else "answer",
            limit=f"{c.timeouts.connect if connect else c.timeouts.read:g}",
        )

    def render(self, text: Text) -> str:
        return text(self) if callable(text) else text.format_map(self.fields())


class _Fields(dict):
    """Template fields; a context name that is a function is called only when a template uses it."""

    def __init__(self, failure: Failure, **fields: str) -> None:
        super().__init__(fields)
        self.failure = failure

    def __missing__(self, key: str) -> str:
        value = self.failure.context.names[key]
        return value(self.failure) if callable(value) else value


@dataclass(frozen=True)
class Explanation:
    """What a failure was, in our words: the error class, what happened, and the fix (when apart)."""

    error: type[errors.MwaaError]
    said: str
    fix: str = ""
    hint: str = ""

    @property
    def line(self) -> str:
        """The one line a user sees."""
        return (f"{self.said}: {self.fix}." if self.fix else self.said) + self.hint

    def exception(self) -> errors.MwaaError:
        return self.error(self.line)


REJECTED_CODES = (
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "InvalidAccessKeyId",
    "InvalidToken",
)
EXPIRED_CODES = ("ExpiredTokenException", "ExpiredToken", "RequestExpired")
THROTTLED_CODES = ("ThrottlingException", "TooManyRequestsException", "Throttling", "SlowDown", "RequestLimitExceeded")
TIMEOUTS = ("ConnectTimeoutError", "ReadTimeoutError")
NO_CONNECTION = ("EndpointConnectionError", "ConnectionClosedError", "ConnectionError", "HTTPClientError")

COMMON_RULES: tuple[Rule, ...] = (
    Rule(
        ("NoCredentialsError",),
        errors.NoCredentials,
        "No AWS credentials found: run `aws configure` or `aws sso login`, set AWS_PROFILE, or pass --profile.",
        hint=True,
    ),
    Rule(
        ("TokenRetrievalError", "SSOTokenLoadError", "UnauthorizedSSOTokenError"),
        errors.ExpiredCredentials,
        "Your AWS SSO session has expired: run `aws sso login{profile_flag}` and try again.",
    ),
    Rule(("NoRegionError",), errors.NoRegion, "No AWS region: pass --region or set AWS_DEFAULT_REGION."),
    Rule(
        TIMEOUTS,
        errors.ControlPlaneUnreachable,
        "{Endpoint} did not {what} within {limit} s ({operation}, after retries): check your network or proxy; "
        "raise MWAA_MAGIC_READ_TIMEOUT / MWAA_MAGIC_CONNECT_TIMEOUT if it is just slow.",
    ),
    Rule(
        NO_CONNECTION,
        errors.ControlPlaneUnreachable,
        "Cannot reach {endpoint} ({exc_type}): check your network, proxy or {endpoint_setting}.",
    ),
    Rule(
        EXPIRED_CODES,
        errors.ExpiredCredentials,
        "Your AWS credentials have expired: refresh them (e.g. `aws sso login{profile_flag}`) and try again.",
    ),
    Rule(
        REJECTED_CODES,
        errors.NoCredentials,
        "AWS rejected your credentials ({code}): check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or your profile.",
        hint=True,
    ),
    Rule(
        THROTTLED_CODES,
        errors.ServiceError,
        "{service} is throttling {operation} calls even after retries: wait a few seconds and try again.",
    ),
    Rule(
        ("InternalServerException", "InternalError", "InternalFailure", "ServiceUnavailable"),
        errors.ServiceError,
        "{service} had an internal error on {operation} after retries: try again in a minute.",
    ),
    Rule((ANY,), errors.ServiceError, "{service} refused {operation}{on} ({code}): {message}"),
)


def code_of(exc: BaseException) -> str:
    """AWS's error code of a ClientError ("" for anything else)."""
    response = getattr(exc, "response", None)
    return str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""


def explain(exc: Exception, *, service: ServiceContext) -> Explanation | None:
    """``exc`` in our words, or None when it is no AWS failure a rule knows (a bug, a bad parameter)."""
    import botocore.exceptions as bx

    if isinstance(exc, bx.ClientError):
        code = code_of(exc)
        message = str(exc.response.get("Error", {}).get("Message", ""))
        keys: tuple[str, ...] = (code, ANY)
    elif isinstance(exc, bx.BotoCoreError):
        code, message = type(exc).__name__, str(exc)
        keys = tuple(cls.__name__ for cls in type(exc).__mro__)  # the most specific class first
    else:
        return None
    failure = Failure(service, code, message, exc)
    for rules in (service.rules, COMMON_RULES):
        for key in keys:
            for rule in rules:
                if rule.holds(key, message):
                    hint = service.hint if rule.hint else ""
                    return Explanation(rule.error, failure.render(rule.said), failure.render(rule.fix), hint)
    return None


def translate(exc: Exception, *, service: ServiceContext) -> Exception:
    """The error to raise for ``exc``: one of ours, or ``exc`` itself when no rule knows it."""
    found = explain(exc, service=service)
    return found.exception() if found else exc


# --- the services' own tables ----------------------------------------------------------------------
MWAA_RULES: tuple[Rule, ...] = (
    Rule(
        ("AccessDeniedException",),
        errors.AccessDenied,
        "Access denied: your AWS identity needs IAM permission airflow:{operation} on {denied_resource}.",
        hint=True,
    ),
    Rule(("ResourceNotFoundException",), errors.EnvironmentNotFound, "{not_found}", hint=True),
    Rule(
        ("ValidationException",),
        errors.EnvironmentNotAvailable,
        "{message} Wait until it is AVAILABLE, then log in again.",
        contains="not available",
    ),
)

S3_RULES: tuple[Rule, ...] = (
    Rule(  # the local emulator started without moto answers every S3 call so (emulator/control_plane.py)
        ("EmulatorWithoutS3",),
        errors.Unavailable,
        "this emulator runs without S3: pip install 'mwaa_magic[emulator]' and restart it",
    ),
    Rule(
        ("NoSuchBucket",),
        errors.BucketNotFound,
        "The DAG bucket {bucket} of {environment} does not exist (GetEnvironment's SourceBucketArn): "
        "ask the environment's admin to restore it or to point the environment at an existing bucket.",
    ),
    Rule(
        ("AccessDenied", "403", "AllAccessDisabled"),
        errors.AccessDenied,
        "Access denied: your AWS identity needs IAM permission s3:{operation} on {resource} "
        "(the DAG loop needs s3:ListBucket, s3:GetObject, s3:PutObject and s3:DeleteObject on the DAG folder).",
    ),
)

STS_REFUSED = "STS refused the credentials ({code}: {message})"
STS_RULES: tuple[Rule, ...] = (
    Rule(
        ("SignatureDoesNotMatch", "InvalidSignatureException"),
        errors.NoCredentials,
        STS_REFUSED,
        "your clock is off (see the Clock row): set it right (automatic time / NTP)",
        contains="expired",
    ),
    Rule(
        ("InvalidClientTokenId", "UnrecognizedClientException"),
        errors.NoCredentials,
        STS_REFUSED,
        "AWS does not know this access key: refresh your credentials or pick another profile",
    ),
    Rule(
        EXPIRED_CODES,
        errors.ExpiredCredentials,
        STS_REFUSED,
        "your temporary credentials have expired: `aws sso login{profile_flag}` or refresh them",
    ),
    Rule(
        ("SignatureDoesNotMatch",),
        errors.NoCredentials,
        STS_REFUSED,
        "the secret access key does not match the key id: check AWS_SECRET_ACCESS_KEY or the profile",
    ),
    Rule((ANY,), errors.NoCredentials, STS_REFUSED, "check your credentials and profile"),
    Rule(
        TIMEOUTS,
        errors.ControlPlaneUnreachable,
        "STS did not answer within {limit} s",
        "check your network or proxy to AWS STS (HTTPS_PROXY)",
    ),
    Rule(
        NO_CONNECTION,
        errors.ControlPlaneUnreachable,
        "cannot reach STS ({exc_type})",
        "check your network, proxy or AWS_ENDPOINT_URL_STS",
    ),
    Rule(
        ("NoCredentialsError",),
        errors.NoCredentials,
        "no AWS credentials found",
        "run `aws configure` or `aws sso login`, or pass --profile",
    ),
)


def s3_context(
    operation: str,
    bucket: str,
    key: str,
    environment: str,
    *,
    region: str = "",
    profile: str | None = None,
    timeouts: Timeouts | None = None,
) -> ServiceContext:
    """The S3 DAG folder's wording: ``operation`` is the IAM action (ListBucket, GetObject, PutObject, DeleteObject)."""
    resource = f"arn:aws:s3:::{bucket}" if operation == "ListBucket" else f"arn:aws:s3:::{bucket}/{key}"
    return ServiceContext(
        "S3",
        operation,
        "AWS_ENDPOINT_URL_S3",
        S3_RULES,
        target=f"{bucket}/{shorten(key)}",
        region=region,
        profile=profile,
        timeouts=timeouts or Timeouts.from_environment(),
        names={"bucket": bucket, "environment": environment, "resource": resource},
        message_limit=200,
    )


def sts_context(limit: float, *, region: str = "", profile: str | None = None) -> ServiceContext:
    """The doctor's identity row: STS GetCallerIdentity, tried once with ``limit`` seconds to connect and answer."""
    return ServiceContext(
        "STS",
        "GetCallerIdentity",
        "AWS_ENDPOINT_URL_STS",
        STS_RULES,
        region=region,
        profile=profile,
        timeouts=Timeouts(connect=limit, read=limit),
        message_limit=160,
    )
