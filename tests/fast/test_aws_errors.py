"""The one translator from botocore's failures to ours (core/aws_errors.py), for MWAA, S3 and STS.

Errors are botocore's own classes: raised by a real endpoint where one can give them (the emulator's control
plane and STS, moto's S3, a closed port), else built from the response dicts those services send. Every
assertion covers the whole line a user sees.
"""

from __future__ import annotations

import os

import boto3
import botocore.config
import botocore.exceptions as bx
import pytest

from mwaa_magic.core import aws_errors, errors
from mwaa_magic.core.aws_errors import ServiceContext
from mwaa_magic.core.settings import Timeouts

HINT = errors.doctor_hint("demo")
DOCTOR = " Run `%mwaa doctor demo` for details."
ROLE = "arn:aws:airflow:us-east-1:123456789012:role/demo/Admin"


def client_error(code: str, message: str, operation: str, status: int = 400) -> bx.ClientError:
    """A ClientError as botocore builds it from a service's error answer."""
    response = {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": {}}}
    return bx.ClientError(response, operation)  # type: ignore[arg-type]


def mwaa(operation: str = "GetEnvironment", **names: object) -> ServiceContext:
    return ServiceContext(
        "MWAA",
        operation,
        "AWS_ENDPOINT_URL_MWAA",
        aws_errors.MWAA_RULES,
        endpoint="the MWAA API in us-east-1",
        hint=HINT,
        region="us-east-1",
        profile="dev",
        timeouts=Timeouts(connect=3, read=5),
        names={"denied_resource": ROLE, "not_found": "No MWAA environment named 'demo' in us-east-1.", **names},  # type: ignore[dict-item]
    )


def line(exc: Exception, context: ServiceContext) -> tuple[str, str]:
    translated = aws_errors.translate(exc, service=context)
    assert isinstance(translated, errors.MwaaError), translated
    return translated.code, str(translated)


# --- MWAA ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("exc", "operation", "expected"),
    [
        (
            client_error("AccessDeniedException", "User is not authorized", "CreateWebLoginToken", 403),
            "CreateWebLoginToken",
            (
                "AccessDenied",
                f"Access denied: your AWS identity needs IAM permission airflow:CreateWebLoginToken on {ROLE}.{DOCTOR}",
            ),
        ),
        (
            client_error("ResourceNotFoundException", "Environment demo not found", "GetEnvironment", 404),
            "GetEnvironment",
            ("EnvironmentNotFound", f"No MWAA environment named 'demo' in us-east-1.{DOCTOR}"),
        ),
        (
            client_error("ValidationException", "Environment demo is not available (UPDATING).\nmore", "CreateWebLoginToken"),
            "CreateWebLoginToken",
            (
                "EnvironmentNotAvailable",
                "Environment demo is not available (UPDATING). Wait until it is AVAILABLE, then log in again.",
            ),
        ),
        (
            client_error("ValidationException", "1 validation error detected: Name", "GetEnvironment"),
            "GetEnvironment",
            ("ServiceError", "MWAA refused GetEnvironment (ValidationException): 1 validation error detected: Name"),
        ),
        (
            client_error("ThrottlingException", "Rate exceeded", "ListEnvironments", 429),
            "ListEnvironments",
            ("ServiceError", "MWAA is throttling ListEnvironments calls even after retries: wait a few seconds and try again."),
        ),
        (
            client_error("InternalServerException", "oops", "GetEnvironment", 500),
            "GetEnvironment",
            ("ServiceError", "MWAA had an internal error on GetEnvironment after retries: try again in a minute."),
        ),
        (
            client_error("ExpiredTokenException", "The security token included in the request is expired", "GetEnvironment"),
            "GetEnvironment",
            (
                "ExpiredCredentials",
                "Your AWS credentials have expired: refresh them (e.g. `aws sso login --profile dev`) and try again.",
            ),
        ),
        (
            client_error(
                "UnrecognizedClientException", "The security token included in the request is invalid", "GetEnvironment"
            ),
            "GetEnvironment",
            (
                "NoCredentials",
                "AWS rejected your credentials (UnrecognizedClientException): check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY "
                f"or your profile.{DOCTOR}",
            ),
        ),
        (
            bx.NoCredentialsError(),
            "GetEnvironment",
            (
                "NoCredentials",
                f"No AWS credentials found: run `aws configure` or `aws sso login`, set AWS_PROFILE, or pass --profile.{DOCTOR}",
            ),
        ),
        (
            bx.TokenRetrievalError(provider="sso", error_msg="expired"),
            "GetEnvironment",
            ("ExpiredCredentials", "Your AWS SSO session has expired: run `aws sso login --profile dev` and try again."),
        ),
        (
            bx.NoRegionError(),
            "ListEnvironments",
            ("NoRegion", "No AWS region: pass --region or set AWS_DEFAULT_REGION."),
        ),
        (
            bx.ConnectTimeoutError(endpoint_url="https://api.airflow.us-east-1.amazonaws.com"),
            "GetEnvironment",
            (
                "ControlPlaneUnreachable",
                "The MWAA API in us-east-1 did not accept a connection within 3 s (GetEnvironment, after retries): check "
                "your network or proxy; raise MWAA_MAGIC_READ_TIMEOUT / MWAA_MAGIC_CONNECT_TIMEOUT if it is just slow.",
            ),
        ),
        (
            bx.ReadTimeoutError(endpoint_url="https://api.airflow.us-east-1.amazonaws.com"),
            "GetEnvironment",
            (
                "ControlPlaneUnreachable",
                "The MWAA API in us-east-1 did not answer within 5 s (GetEnvironment, after retries): check "
                "your network or proxy; raise MWAA_MAGIC_READ_TIMEOUT / MWAA_MAGIC_CONNECT_TIMEOUT if it is just slow.",
            ),
        ),
        (
            bx.ConnectionClosedError(endpoint_url="https://api.airflow.us-east-1.amazonaws.com"),
            "GetEnvironment",
            (
                "ControlPlaneUnreachable",
                "Cannot reach the MWAA API in us-east-1 (ConnectionClosedError): check your network, proxy or "
                "AWS_ENDPOINT_URL_MWAA.",
            ),
        ),
        (  # once a traceback: every botocore connection failure is one line now
            bx.SSLError(endpoint_url="https://api.airflow.us-east-1.amazonaws.com", error="bad certificate"),
            "GetEnvironment",
            (
                "ControlPlaneUnreachable",
                "Cannot reach the MWAA API in us-east-1 (SSLError): check your network, proxy or AWS_ENDPOINT_URL_MWAA.",
            ),
        ),
    ],
    ids=lambda v: (aws_errors.code_of(v) or type(v).__name__) if isinstance(v, Exception) else None,
)
def test_mwaa_failures(exc: Exception, operation: str, expected: tuple[str, str]) -> None:
    assert line(exc, mwaa(operation)) == expected


def test_a_name_that_is_a_function_is_called_only_when_its_rule_fires() -> None:
    calls: list[str] = []

    def not_found(failure: aws_errors.Failure) -> str:
        calls.append(failure.code)
        return "No MWAA environment named 'demo' in us-east-1."

    context = mwaa(not_found=not_found)
    line(client_error("ThrottlingException", "Rate exceeded", "GetEnvironment"), context)
    assert calls == []
    assert line(client_error("ResourceNotFoundException", "gone", "GetEnvironment"), context)[0] == "EnvironmentNotFound"
    assert calls == ["ResourceNotFoundException"]


def test_what_is_no_aws_failure_stays_itself() -> None:
    for exc in (ValueError("a bug"), bx.ParamValidationError(report="Name: too short")):
        assert aws_errors.translate(exc, service=mwaa()) is exc
        assert aws_errors.explain(exc, service=mwaa()) is None
    assert aws_errors.code_of(ValueError("x")) == ""


def test_real_mwaa_errors_from_the_emulator(aws) -> None:
    client = boto3.Session().client("mwaa")
    with pytest.raises(bx.ClientError) as caught:
        client.get_environment(Name="no-such-env")
    assert line(caught.value, mwaa()) == ("EnvironmentNotFound", f"No MWAA environment named 'demo' in us-east-1.{DOCTOR}")
    closed = boto3.Session().client(
        "mwaa",
        endpoint_url="http://127.0.0.1:9",
        config=botocore.config.Config(retries={"total_max_attempts": 1}, connect_timeout=1),
    )
    with pytest.raises(bx.EndpointConnectionError) as refused:
        closed.list_environments()
    assert line(refused.value, mwaa("ListEnvironments")) == (
        "ControlPlaneUnreachable",
        "Cannot reach the MWAA API in us-east-1 (EndpointConnectionError): check your network, proxy or AWS_ENDPOINT_URL_MWAA.",
    )


def test_the_control_plane_speaks_through_the_translator(aws) -> None:
    """The ControlPlane's own calls: a real not-found, with the region's listing and the doctor hint."""
    from mwaa_magic.core.control_plane import ControlPlane

    with pytest.raises(errors.EnvironmentNotFound) as caught:
        ControlPlane(region="us-east-1").get_environment("no-such-env")
    assert str(caught.value).startswith("No MWAA environment named 'no-such-env' in us-east-1. Environments there: ")
    assert str(caught.value).endswith(" Run `%mwaa doctor no-such-env` for details.")


# --- S3 (the DAG folder) -------------------------------------------------------------------------
def s3(operation: str, key: str = "dags/etl.py") -> ServiceContext:
    return aws_errors.s3_context(operation, "airflow-demo", key, "demo", timeouts=Timeouts(connect=3, read=5))


@pytest.mark.parametrize(
    ("exc", "context", "expected"),
    [
        (
            client_error("AccessDenied", "Access Denied", "ListObjectsV2", 403),
            s3("ListBucket", "dags/"),
            (
                "AccessDenied",
                "Access denied: your AWS identity needs IAM permission s3:ListBucket on arn:aws:s3:::airflow-demo (the DAG "
                "loop needs s3:ListBucket, s3:GetObject, s3:PutObject and s3:DeleteObject on the DAG folder).",
            ),
        ),
        (  # HeadObject's refusal has no body: its code is the status
            client_error("403", "Forbidden", "HeadObject", 403),
            s3("GetObject"),
            (
                "AccessDenied",
                "Access denied: your AWS identity needs IAM permission s3:GetObject on arn:aws:s3:::airflow-demo/dags/etl.py "
                "(the DAG loop needs s3:ListBucket, s3:GetObject, s3:PutObject and s3:DeleteObject on the DAG folder).",
            ),
        ),
        (
            client_error(
                "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", "PutObject", 403
            ),
            s3("PutObject"),
            (
                "NoCredentials",
                "AWS rejected your credentials (InvalidAccessKeyId): check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or your profile.",
            ),
        ),
        (
            client_error("ExpiredToken", "The provided token has expired.", "PutObject", 400),
            s3("PutObject"),
            ("ExpiredCredentials", "Your AWS credentials have expired: refresh them (e.g. `aws sso login`) and try again."),
        ),
        (
            client_error("SlowDown", "Please reduce your request rate.", "PutObject", 503),
            s3("PutObject"),
            ("ServiceError", "S3 is throttling PutObject calls even after retries: wait a few seconds and try again."),
        ),
        (
            client_error("InvalidObjectState", "The operation is not valid for the object's storage class", "GetObject", 403),
            s3("GetObject"),
            (
                "ServiceError",
                "S3 refused GetObject on airflow-demo/dags/etl.py (InvalidObjectState): The operation is not valid for the "
                "object's storage class",
            ),
        ),
        (
            bx.ReadTimeoutError(endpoint_url="https://airflow-demo.s3.amazonaws.com"),
            s3("GetObject"),
            (
                "ControlPlaneUnreachable",
                "S3 did not answer within 5 s (GetObject, after retries): check your network or proxy; raise "
                "MWAA_MAGIC_READ_TIMEOUT / MWAA_MAGIC_CONNECT_TIMEOUT if it is just slow.",
            ),
        ),
        (
            bx.EndpointConnectionError(endpoint_url="https://airflow-demo.s3.amazonaws.com"),
            s3("PutObject"),
            (
                "ControlPlaneUnreachable",
                "Cannot reach S3 (EndpointConnectionError): check your network, proxy or AWS_ENDPOINT_URL_S3.",
            ),
        ),
    ],
    ids=lambda v: (aws_errors.code_of(v) or type(v).__name__) if isinstance(v, Exception) else None,
)
def test_s3_failures(exc: Exception, context: ServiceContext, expected: tuple[str, str]) -> None:
    assert line(exc, context) == expected


def test_a_real_missing_bucket_from_the_emulators_s3(aws) -> None:
    if not os.environ.get("AWS_ENDPOINT_URL_S3"):  # never let boto3 fall back to AWS's own S3
        pytest.skip("this emulator runs without S3 (moto is not installed here: the minimum-versions venv)")
    with pytest.raises(bx.ClientError) as caught:
        boto3.Session().client("s3").list_objects_v2(Bucket="airflow-demo-deleted", Prefix="dags/")
    assert line(caught.value, aws_errors.s3_context("ListBucket", "airflow-demo-deleted", "dags/", "demo")) == (
        "BucketNotFound",
        "The DAG bucket airflow-demo-deleted of demo does not exist (GetEnvironment's SourceBucketArn): ask the "
        "environment's admin to restore it or to point the environment at an existing bucket.",
    )


# --- STS (the doctor's identity row: what happened, and the fix apart) ----------------------------
def sts(profile: str | None = None) -> ServiceContext:
    return aws_errors.sts_context(2.0, region="us-east-1", profile=profile)


def row(exc: Exception, context: ServiceContext) -> tuple[str, str, str]:
    found = aws_errors.explain(exc, service=context)
    assert found is not None
    return found.error.__name__, found.said, found.fix


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (
            client_error(
                "SignatureDoesNotMatch",
                "Signature expired: 20260101T000000Z is now earlier than 20260101T000500Z",
                "GetCallerIdentity",
                403,
            ),
            (
                "NoCredentials",
                "STS refused the credentials (SignatureDoesNotMatch: Signature expired: 20260101T000000Z is now earlier than "
                "20260101T000500Z)",
                "your clock is off (see the Clock row): set it right (automatic time / NTP)",
            ),
        ),
        (
            client_error("ExpiredToken", "The security token included in the request is expired", "GetCallerIdentity", 403),
            (
                "ExpiredCredentials",
                "STS refused the credentials (ExpiredToken: The security token included in the request is expired)",
                "your temporary credentials have expired: `aws sso login --profile dev` or refresh them",
            ),
        ),
        (
            client_error("AccessDenied", "no", "GetCallerIdentity", 403),
            ("NoCredentials", "STS refused the credentials (AccessDenied: no)", "check your credentials and profile"),
        ),
        (
            bx.ConnectTimeoutError(endpoint_url="https://sts.amazonaws.com"),
            ("ControlPlaneUnreachable", "STS did not answer within 2 s", "check your network or proxy to AWS STS (HTTPS_PROXY)"),
        ),
        (
            bx.EndpointConnectionError(endpoint_url="https://sts.amazonaws.com"),
            (
                "ControlPlaneUnreachable",
                "cannot reach STS (EndpointConnectionError)",
                "check your network, proxy or AWS_ENDPOINT_URL_STS",
            ),
        ),
        (
            bx.NoCredentialsError(),
            ("NoCredentials", "no AWS credentials found", "run `aws configure` or `aws sso login`, or pass --profile"),
        ),
        (  # no row of its own: the common wording, as one sentence
            bx.TokenRetrievalError(provider="sso", error_msg="expired"),
            ("ExpiredCredentials", "Your AWS SSO session has expired: run `aws sso login --profile dev` and try again.", ""),
        ),
    ],
    ids=lambda v: (aws_errors.code_of(v) or type(v).__name__) if isinstance(v, Exception) else None,
)
def test_sts_failures(exc: Exception, expected: tuple[str, str, str]) -> None:
    assert row(exc, sts("dev")) == expected


def test_an_sts_refusal_as_one_line() -> None:
    error = aws_errors.translate(client_error("AccessDenied", "no", "GetCallerIdentity", 403), service=sts())
    assert str(error) == "STS refused the credentials (AccessDenied: no): check your credentials and profile."


def test_a_real_sts_refusal_from_the_emulator(aws, monkeypatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    with pytest.raises(bx.ClientError) as caught:
        boto3.Session().client("sts", region_name="us-east-1").get_caller_identity()
    message = caught.value.response["Error"]["Message"]
    assert row(caught.value, sts()) == (
        "NoCredentials",
        f"STS refused the credentials (SignatureDoesNotMatch: {message})",
        "the secret access key does not match the key id: check AWS_SECRET_ACCESS_KEY or the profile",
    )


def test_an_unknown_access_key() -> None:
    exc = client_error("InvalidClientTokenId", "The security token included in the request is invalid.", "GetCallerIdentity", 403)
    assert row(exc, sts()) == (
        "NoCredentials",
        "STS refused the credentials (InvalidClientTokenId: The security token included in the request is invalid.)",
        "AWS does not know this access key: refresh your credentials or pick another profile",
    )


def test_an_emulator_without_s3_says_so_in_one_line(aws) -> None:
    """An emulator without moto points AWS_ENDPOINT_URL_S3 at an address answering every S3 call with EmulatorWithoutS3."""
    from mwaa_magic.emulator.control_plane import NO_S3_PATH

    s3 = boto3.Session().client(  # its own session: boto3's default one would keep these credentials for later tests
        "s3",
        endpoint_url=aws.env["MWAA_EMULATOR_URL"] + NO_S3_PATH,
        config=botocore.config.Config(retries={"total_max_attempts": 1}),
    )
    with pytest.raises(bx.ClientError) as caught:
        s3.list_objects_v2(Bucket="airflow-fast3", Prefix="dags/", MaxKeys=1)
    found = aws_errors.translate(caught.value, service=aws_errors.s3_context("ListBucket", "airflow-fast3", "dags/", "fast3"))
    assert isinstance(found, errors.Unavailable)
    assert found.message == "this emulator runs without S3: pip install 'mwaa_magic[emulator]' and restart it"
