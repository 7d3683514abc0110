"""The AWS checks of ``doctor``: credentials, identity (STS), clock, region, GetEnvironment, the token calls.

Each takes the run's state and its time limit and returns an :class:`~.outcome.Outcome`; a token stays in
the state, never in what a check returns.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, TypeVar

from ..errors import AccessDenied, EnvironmentNotAvailable, EnvironmentNotFound, RestApiLimitExceeded
from ..text import first_line
from .outcome import Outcome, clean, fail, not_applicable, ok, skipped, warn
from .state import RunState

if TYPE_CHECKING:
    import botocore.config

T = TypeVar("T")
SKEW_WARN, SKEW_FAIL = 60.0, 300.0  # seconds: SigV4 refuses requests 5 (some services) to 15 minutes off
_DENIED = re.compile(r"(airflow:\w+ on \S+?)\.?(?: Run |$)")
CREDENTIAL_SOURCES = {
    "env": "environment variables (AWS_ACCESS_KEY_ID)",
    "shared-credentials-file": "the shared credentials file",
    "config-file": "the AWS config file",
    "sso": "AWS IAM Identity Center (SSO)",
    "assume-role": "an assumed role (role_arn)",
    "assume-role-with-web-identity": "a web identity token",
    "iam-role": "the instance role (EC2 metadata)",
    "container-role": "the container role (ECS/EKS)",
    "custom-process": "a credential_process",
    "explicit": "given in code",
}


def aws_config(limit: float) -> botocore.config.Config:
    """One try per call (no retries), short timeouts: a hung endpoint costs ``limit`` seconds, not minutes."""
    import botocore.config

    from ..control_plane import user_agent

    return botocore.config.Config(
        connect_timeout=min(2.0, limit),
        read_timeout=limit,
        user_agent_extra=user_agent(),
        retries={"mode": "standard", "total_max_attempts": 1},
    )


def credentials(run: RunState, limit: float) -> Outcome:
    """Where the credentials come from, and whether they load and are unexpired."""
    import boto3
    import botocore.exceptions as bx

    try:
        run.session = session = boto3.Session(profile_name=run.profile)
    except bx.ProfileNotFound:
        from ..control_plane import available_profiles

        return fail(
            f"profile {run.profile!r} is not in your AWS config",
            f"pick one of: {', '.join(available_profiles()) or 'none configured'} (or `aws configure --profile NAME`)",
        )
    run.region = run.region or session.region_name or os.environ.get("AWS_REGION") or None
    try:
        found = session.get_credentials()
        frozen = found.get_frozen_credentials() if found is not None else None
    except (bx.TokenRetrievalError, bx.SSOTokenLoadError, bx.UnauthorizedSSOTokenError):
        return fail("your AWS SSO session has expired", f"run `aws sso login{run.profile_flag()}`")
    except bx.BotoCoreError as exc:
        return fail(
            f"the credentials do not load: {first_line(str(exc), 200)}", "fix the profile in ~/.aws/config, or pass --profile"
        )
    if found is None or frozen is None or not frozen.access_key:
        return fail("no AWS credentials found", "run `aws configure` or `aws sso login`, set AWS_PROFILE, or pass --profile")
    source = CREDENTIAL_SOURCES.get(found.method, found.method)
    text = f"{source}{f' (profile {run.profile})' if run.profile else ''}: access key {frozen.access_key[:4]}...{frozen.access_key[-4:]}"
    text += ", temporary" if frozen.token else ""
    expiry = getattr(found, "_expiry_time", None)  # RefreshableCredentials only; botocore has no public accessor
    if expiry is not None:
        left = expiry.timestamp() - time.time()
        if left <= 0:
            return fail(f"{text}; expired {-left / 60:.0f} min ago", f"refresh them (`aws sso login{run.profile_flag()}`)")
        text += f", expire in {left / 60:.0f} min"
    return ok(text)


def sts_elsewhere() -> bool:
    """True when MWAA is pointed at another endpoint (AWS_ENDPOINT_URL_MWAA) but STS is not: leave AWS's STS alone."""
    return bool(os.environ.get("AWS_ENDPOINT_URL_MWAA")) and not (
        os.environ.get("AWS_ENDPOINT_URL_STS") or os.environ.get("AWS_ENDPOINT_URL")
    )


def identity(run: RunState, limit: float) -> Outcome:
    """STS GetCallerIdentity: who AWS thinks you are (needs no permission)."""
    if sts_elsewhere():
        return not_applicable(
            "not asked: AWS_ENDPOINT_URL_MWAA is set but AWS_ENDPOINT_URL_STS is not (set it to ask that endpoint's STS)"
        )
    assert run.session is not None, "the credentials check makes the session"
    with run.client_lock:
        sts = run.session.client("sts", region_name=run.region or "us-east-1", config=aws_config(limit))
    try:
        answer = sts.get_caller_identity()
    except Exception as exc:  # sts_failure translates botocore's errors and re-raises the rest
        return sts_failure(run, exc, limit)
    note_date(run, answer)
    run.account = answer.get("Account")
    return ok(f"{answer.get('Arn')} (account {answer.get('Account')})")


def sts_failure(run: RunState, exc: Exception, limit: float) -> Outcome:
    """A failed GetCallerIdentity as the row and its fix (core/aws_errors.py's STS table); anything else re-raised."""
    from .. import aws_errors

    note_date(run, getattr(exc, "response", None) or {})
    found = aws_errors.explain(exc, service=aws_errors.sts_context(limit, region=run.region or "", profile=run.profile))
    if found is None:
        raise exc
    return fail(found.said, found.fix or "check your credentials and profile")


def note_date(run: RunState, response: dict) -> None:
    """Keep the first ``Date`` header an AWS answer carried (success or error), for the clock check."""
    header = response.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("date")
    if header and run.date is None:
        run.date = (time.time(), header)


def skew_of(date: tuple[float, str]) -> float:
    """Seconds the local clock is ahead of the service's (negative: behind)."""
    local, header = date
    return local - parsedate_to_datetime(header).timestamp()


def clock(run: RunState, limit: float) -> Outcome:
    """The local clock against STS's ``Date`` header (1 s resolution)."""
    if run.date is None:
        return skipped("no answer from STS to compare the local clock with")
    skew = skew_of(run.date)
    if abs(skew) < 2:
        return ok("in step with AWS (within the Date header's 1 s)")
    side = "ahead of" if skew > 0 else "behind"
    text = f"your clock is {abs(skew):.0f} s {side} AWS's"
    fix = "turn on automatic time (NTP): `sudo timedatectl set-ntp true`, or your OS's date settings"
    if abs(skew) >= SKEW_FAIL:
        return fail(f"{text}: AWS refuses SigV4 requests 5 to 15 minutes off", fix)
    if abs(skew) >= SKEW_WARN:
        return warn(f"{text}: near SigV4's limit (5 minutes for some services)", fix)
    return ok(text)


def region(run: RunState, limit: float) -> Outcome:
    """Whether the environment is in this region; if not, which of the searched regions hold it."""
    from ..control_plane import ControlPlane
    from ..settings import Timeouts
    from ..validation import validate_region

    if not run.region:
        return fail("no AWS region", "pass --region, set AWS_DEFAULT_REGION, or set region in your AWS profile")
    validate_region(run.region)
    # GetEnvironment one 4 s try; a not-found answer also lists the region and searches the others (2 s each)
    run.plane = ControlPlane(run.profile, run.region, Timeouts(connect=min(2.0, limit), read=min(4.0, limit)), attempts=1)
    try:
        run.info = run.plane.get_environment(run.name)
    except AccessDenied as exc:
        run.info_error = exc
        return not_applicable("cannot tell here: airflow:GetEnvironment is denied (the token calls below tell)")
    except EnvironmentNotFound as exc:
        from ..regions import regions_holding

        holders = regions_holding(run.name, run.profile, run.region, run.regions)  # the message's search, reused
        if holders:
            return fail(clean(exc.message), f"pass --region {holders[0]} ({run.name} is in {', '.join(holders)})")
        return fail(
            clean(exc.message),
            f"no region holds {run.name}: check the name, and the account (Identity row) your profile points to",
        )
    return ok(f"{run.name} is in {run.region}")


def environment(run: RunState, limit: float) -> Outcome:
    """GetEnvironment: status, Airflow version, access mode, the last update's error."""
    from ..flavours import UnsupportedAirflowVersion, flavour_for

    info = run.info
    if info is None:
        if run.info_error is not None:
            return warn(
                "airflow:GetEnvironment is denied: status and Airflow version unknown (logging in works without it)",
                "optional: " + denied_fix(clean(run.info_error.message)),
            )
        return skipped("no GetEnvironment answer")
    text = f"{info.status}, Airflow {info.airflow_version}, web server access {info.webserver_access_mode}"
    if info.last_update_error:
        text += f"; last update failed: {info.last_update_error}"
    if info.status == "AVAILABLE":
        try:
            flavour_for(info.airflow_version or "")
        except UnsupportedAirflowVersion as exc:
            return warn(text, exc.message)
        return ok(text)
    if info.status in ("CREATE_FAILED", "UPDATE_FAILED", "UNAVAILABLE"):
        return fail(
            text, "read the last update's error in the MWAA console and its CloudWatch logs; fix it, then update the environment"
        )
    if info.status in ("DELETING", "DELETED"):
        return fail(text, "the environment is going away: pick another one (%mwaa envs)")
    return fail(text, f"wait until it is AVAILABLE ({info.status} usually lasts 20-30 minutes)")


def version_support(run: RunState, limit: float) -> Outcome:
    """The environment's Airflow version against AWS's support dates (core/support.py): a warning, never a
    failure, when its end of support is fewer than 90 days away or passed."""
    from ..support import SOURCE, support_for

    version = run.info.airflow_version if run.info is not None else None
    if not version:
        return skipped("no GetEnvironment answer: the Airflow version is unknown")
    found = support_for(version)
    run.support = found.to_json()
    if found.state == "unknown":
        return not_applicable(found.summary)
    if not found.warn:
        return ok(found.summary)
    when = "now" if found.state == "unsupported" else f"before {found.end_of_support}"
    return warn(
        found.summary,
        f"upgrade the environment {when} (MWAA console: Edit, Airflow version; or "
        f"`aws mwaa update-environment --airflow-version`): see {SOURCE}",
    )


def dag_folder(run: RunState, limit: float) -> Outcome:
    """The DAG folder GetEnvironment names: the bucket answers and s3:ListBucket is allowed (one 1-key listing)."""
    from .. import aws_errors

    info = run.info
    if info is None:
        return skipped("no GetEnvironment answer: the DAG folder is unknown")
    if info.dag_location is None:
        return skipped("GetEnvironment names no S3 bucket")
    bucket, prefix = info.dag_location
    assert run.session is not None, "the credentials check makes the session"
    with run.client_lock:
        s3 = run.session.client("s3", region_name=run.region, config=aws_config(limit))
    try:
        s3.list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=1)
    except Exception as exc:  # explain translates botocore's errors; anything else is re-raised
        context = aws_errors.s3_context("ListBucket", bucket, prefix, run.name, region=run.region or "", profile=run.profile)
        found = aws_errors.explain(exc, service=context)
        if found is None:
            raise
        return fail(found.said, found.fix or "check the environment's source bucket in the MWAA console")
    return ok(f"s3://{bucket}/{prefix}: s3:ListBucket allowed")


def denied_fix(message: str) -> str:
    """ "ask for airflow:X on ARN" from an AccessDenied message."""
    match = _DENIED.search(message)
    return f"ask your AWS administrator to allow {match.group(1)}" if match else message


def token_call(call: Callable[[], T], required: bool) -> T | Outcome:
    """The answer of a token call, or the Outcome for a denial (fail when ``required``) or an unavailable environment."""
    try:
        return call()
    except AccessDenied as exc:
        fix = denied_fix(clean(exc.message))
        text = "denied: " + fix.removeprefix("ask your AWS administrator to allow ")
        return fail(text, fix) if required else warn(text, fix)
    except EnvironmentNotAvailable:
        return not_applicable("cannot tell: MWAA refuses token calls while the environment is not AVAILABLE")


def web_token(run: RunState, limit: float) -> Outcome:
    """CreateWebLoginToken (needed to log in); the token is kept for the login check, never shown."""
    answer = token_call(lambda: run.control().create_web_login_token(run.name), required=True)
    if isinstance(answer, Outcome):
        return answer
    run.web_token = answer
    return ok(
        f"allowed: Airflow identity {answer.airflow_identity}, IAM identity {answer.iam_identity}, web server {answer.hostname}"
    )


def cli_token(run: RunState, limit: float) -> Outcome:
    """CreateCliToken (needed by %mwaa cli only)."""
    answer = token_call(lambda: run.control().create_cli_token(run.name), required=False)
    if isinstance(answer, Outcome):
        return answer
    run.cli_token = answer
    return ok("allowed")


def invoke(run: RunState, limit: float) -> Outcome:
    """InvokeRestApi with ``GET /version`` (needed by --transport invoke/auto only)."""
    try:
        answer = token_call(lambda: run.control().invoke_rest_api(run.name, "GET", "/version"), required=False)
    except RestApiLimitExceeded as exc:
        return warn(f"allowed, but {exc.message}", "Airflow may be overloaded: see the REST call row")
    if isinstance(answer, Outcome):
        return answer
    status, data = answer
    if status >= 400:
        return warn(
            f"allowed; Airflow answered HTTP {status} through it", "Airflow may be down or restarting: see the REST call row"
        )
    version = data.get("version") if isinstance(data, dict) else None
    return ok(f"allowed; GET /version through it: Airflow {version or '?'}")
