"""The emulator's control plane, driven with plain boto3 and httpx (not through mwaa_magic)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import boto3
import botocore.config
import httpx
import pytest
from botocore.exceptions import ClientError

ENV3, ENV2 = "demo-airflow3", "demo-airflow2"


def client(env: dict[str, str], **overrides) -> boto3.client:
    settings = {**env, **overrides}
    return boto3.client(
        "mwaa", region_name=settings["AWS_DEFAULT_REGION"], endpoint_url=settings["AWS_ENDPOINT_URL_MWAA"],
        aws_access_key_id=settings["AWS_ACCESS_KEY_ID"], aws_secret_access_key=settings["AWS_SECRET_ACCESS_KEY"],
        config=botocore.config.Config(retries={"mode": "standard", "max_attempts": 3}),
    )


@pytest.fixture
def mwaa(mwaa_env):
    """An unmodified boto3 client configured only through the standard environment variables."""
    return boto3.client("mwaa")


def error_of(call, **kwargs) -> tuple[int, str, str]:
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    response = info.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"], response["Error"]["Message"]


def test_list_environments_pages(mwaa):
    names = [n for page in mwaa.get_paginator("list_environments").paginate(PaginationConfig={"PageSize": 1})
             for n in page["Environments"]]
    assert names == [ENV3, ENV2, "staging-updating", "legacy-failed"]
    first = mwaa.list_environments(MaxResults=3)
    assert len(first["Environments"]) == 3 and first["NextToken"]
    assert mwaa.list_environments(MaxResults=3, NextToken=first["NextToken"])["Environments"] == ["legacy-failed"]
    assert error_of(mwaa.list_environments, MaxResults=26)[:2] == (400, "ValidationException")


def test_list_environments_is_per_region(mwaa_env):
    eu = client(mwaa_env.env, AWS_DEFAULT_REGION="eu-west-1")
    assert eu.list_environments()["Environments"] == ["eu-reporting"]


def test_get_environment(mwaa):
    env = mwaa.get_environment(Name=ENV3)["Environment"]
    assert env["Status"] == "AVAILABLE" and env["AirflowVersion"] == "3.0.6"
    assert env["WebserverAccessMode"] == "PUBLIC_ONLY" and env["WebserverUrl"].endswith(".airflow.on.aws")
    assert env["Arn"] == "arn:aws:airflow:us-east-1:123456789012:environment/demo-airflow3"
    old = mwaa.get_environment(Name=ENV2)["Environment"]
    assert old["AirflowVersion"] == "2.10.3" and old["WebserverUrl"].endswith(".amazonaws.com")
    assert "WebserverUrl" not in mwaa.get_environment(Name="legacy-failed")["Environment"]


def test_create_web_login_token(mwaa, mwaa_env):
    answer = mwaa.create_web_login_token(Name=ENV3)
    assert answer["IamIdentity"] == "assumed-role/Admin/alice"
    assert answer["AirflowIdentity"] == "admin"
    assert answer["WebServerHostname"] == mwaa_env.environment(ENV3)["hostname"]
    assert answer["WebToken"] in mwaa_env.admin.secrets()
    assert mwaa.create_web_login_token(Name=ENV3)["WebToken"] != answer["WebToken"]


def test_create_cli_token(mwaa):
    answer = mwaa.create_cli_token(Name=ENV2)
    assert answer["CliToken"] and answer["WebServerHostname"].endswith(".amazonaws.com")


@pytest.mark.parametrize("name, status, code", [
    ("no-such-env", 404, "ResourceNotFoundException"),
    ("9starts-with-digit", 400, "ValidationException"),
    ("has.dot", 400, "ValidationException"),
    ("x" * 81, 400, "ValidationException"),
    ("staging-updating", 400, "ValidationException"),
])
def test_token_errors(mwaa, name, status, code):
    got_status, got_code, message = error_of(mwaa.create_web_login_token, Name=name)
    assert (got_status, got_code) == (status, code) and message


def test_access_denied_names_action_and_role_arn(mwaa_env):
    carol = client(mwaa_env.identity_env(2))
    status, code, message = error_of(carol.create_web_login_token, Name=ENV3)
    assert (status, code) == (403, "AccessDeniedException")
    assert "airflow:CreateWebLoginToken" in message and "role/demo-airflow3/" in message
    dave = client(mwaa_env.identity_env(3))
    assert error_of(dave.get_environment, Name=ENV3)[1] == "AccessDeniedException"
    assert dave.create_web_login_token(Name=ENV3)["AirflowIdentity"] == "op"


def test_viewer_identity(mwaa_env):
    bob = client(mwaa_env.identity_env(1))
    answer = bob.create_web_login_token(Name=ENV3)
    assert (answer["IamIdentity"], answer["AirflowIdentity"]) == ("assumed-role/Analyst/bob", "viewer")


def test_wrong_secret_is_refused_as_aws_refuses(mwaa_env):
    forged = client(mwaa_env.env, AWS_SECRET_ACCESS_KEY="not-the-secret")
    status, code, message = error_of(forged.list_environments)
    assert (status, code) == (403, "InvalidSignatureException") and "signature" in message
    unknown = client(mwaa_env.env, AWS_ACCESS_KEY_ID="AKIAUNKNOWN000000000")
    assert error_of(unknown.list_environments)[:2] == (403, "UnrecognizedClientException")


def test_unsigned_and_wrongly_scoped_requests(mwaa_env):
    url = mwaa_env.env["AWS_ENDPOINT_URL_MWAA"]
    response = httpx.post(f"{url}/webtoken/{ENV3}")
    assert response.status_code == 403
    assert response.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert "message" in response.json()
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method="POST", url=f"{url}/webtoken/{ENV3}", data=b"")
    SigV4Auth(Credentials(mwaa_env.env["AWS_ACCESS_KEY_ID"], mwaa_env.env["AWS_SECRET_ACCESS_KEY"]), "s3", "us-east-1").add_auth(request)
    response = httpx.post(request.url, headers=dict(request.headers))
    assert response.status_code == 403 and response.headers["x-amzn-ErrorType"] == "InvalidSignatureException"


def test_injected_faults_and_botocore_retries(mwaa, mwaa_env):
    mwaa_env.admin.reset()
    mwaa_env.admin.fail_next("CreateWebLoginToken", count=2)
    assert mwaa.create_web_login_token(Name=ENV3)["WebToken"]  # standard retries absorb two 500s
    assert mwaa_env.admin.calls()["CreateWebLoginToken"] == 3
    mwaa_env.admin.fail_next("GetEnvironment", count=5, error="ThrottlingException", status=429, message="Rate exceeded")
    plain = client(mwaa_env.env)
    assert error_of(plain.get_environment, Name=ENV3)[:2] == (429, "ThrottlingException")


def test_latency_knob(mwaa, mwaa_env):
    mwaa.list_environments()
    mwaa_env.admin.set(control_latency=0.2)
    started = time.perf_counter()
    mwaa.list_environments()
    assert time.perf_counter() - started >= 0.2


def test_bad_input_never_crashes_the_server(mwaa_env):
    url = mwaa_env.env["AWS_ENDPOINT_URL_MWAA"]
    signed = client(mwaa_env.env)
    for response in (
        httpx.get(f"{url}/no/such/route"),
        httpx.delete(f"{url}/environments"),
        httpx.post(f"{url}/webtoken/" + "A" * 10000),
        httpx.post(f"{url}/restapi/{ENV3}", content=b"{not json"),
    ):
        assert 400 <= response.status_code < 500
        assert response.headers["x-amzn-ErrorType"] and "message" in response.json()
    assert signed.list_environments()["Environments"]


def test_invoke_rest_api_forwards_as_the_callers_role(mwaa, mwaa_env):
    for env in (ENV3, ENV2):
        answer = mwaa.invoke_rest_api(Name=env, Method="GET", Path="/dags", QueryParameters={"limit": 100})
        assert answer["RestApiStatusCode"] == 200
        assert {"hello_world", "daily_sales_etl"} <= {d["dag_id"] for d in answer["RestApiResponse"]["dags"]}
    missing = mwaa.invoke_rest_api
    status, code, _ = error_of(missing, Name=ENV3, Method="GET", Path="/dags/no_such_dag")
    assert (status, code) == (400, "RestApiClientException")
    bob = client(mwaa_env.identity_env(1))
    with pytest.raises(ClientError) as info:
        bob.invoke_rest_api(Name=ENV3, Method="POST", Path="/dags/hello_world/dagRuns", Body={"logical_date": None})
    assert info.value.response["RestApiStatusCode"] == 403
    assert error_of(mwaa.invoke_rest_api, Name=ENV3, Method="GET", Path="/" + "x" * 70)[:2] == (400, "ValidationException")


def test_web_token_expires(mwaa, mwaa_env):
    mwaa_env.admin.set(token_lifetime=0.5)
    answer = mwaa.create_web_login_token(Name=ENV3)
    time.sleep(1.0)
    base = mwaa_env.environment(ENV3)["web_url"]
    response = httpx.post(f"{base}/pluginsv2/aws_mwaa/login", data={"token": answer["WebToken"]})
    assert response.status_code == 403 and "_token" not in response.cookies


def test_status_knob(mwaa, mwaa_env):
    """An AVAILABLE environment set to UPDATING refuses tokens as MWAA does, keeps its web server, and comes back."""
    web = mwaa_env.environment(ENV3)["web_url"]
    mwaa_env.admin.set_status(ENV3, "UPDATING")
    assert mwaa.get_environment(Name=ENV3)["Environment"]["Status"] == "UPDATING"
    assert mwaa_env.environment(ENV3)["status"] == "UPDATING"
    for call, kwargs in ((mwaa.create_web_login_token, {}), (mwaa.create_cli_token, {}),
                         (mwaa.invoke_rest_api, {"Method": "GET", "Path": "/dags"})):
        status, code, message = error_of(call, Name=ENV3, **kwargs)
        assert (status, code) == (400, "ValidationException") and "UPDATING" in message
    assert httpx.get(f"{web}/api/v2/monitor/health").status_code == 200  # the web server stays up
    mwaa_env.admin.set_status(ENV3, "AVAILABLE")
    assert mwaa.create_web_login_token(Name=ENV3)["WebToken"]
    mwaa_env.admin.set_status("staging-updating", "AVAILABLE")
    assert mwaa.get_environment(Name="staging-updating")["Environment"]["Status"] == "AVAILABLE"
    mwaa_env.admin.set_status(ENV2, "MAINTENANCE")
    mwaa_env.admin.reset()  # back to the configured statuses
    assert [mwaa.get_environment(Name=n)["Environment"]["Status"] for n in (ENV2, "staging-updating")] == [
        "AVAILABLE", "UPDATING"]


def test_status_knob_refuses_unknown_values(mwaa_env):
    with pytest.raises(ValueError, match="MAINTENANCE"):
        mwaa_env.admin.set_status(ENV3, "BROKEN")
    with pytest.raises(httpx.HTTPStatusError, match="404 no environment nope"):
        mwaa_env.admin.set_status("nope", "UPDATING")
    raw = admin_post(mwaa_env, "status", {"environment": ENV3, "status": "BROKEN"})
    assert raw.status_code == 400 and "AVAILABLE" in raw.json()["message"]


def admin_post(mwaa_env, action: str, body: dict) -> httpx.Response:
    """A POST to the admin API with plain httpx (no EmulatorAdmin checks before it)."""
    secret = json.loads(Path(mwaa_env.env["MWAA_EMULATOR_ADMIN_FILE"]).read_text())["secret"]
    return httpx.post(f"{mwaa_env.env['MWAA_EMULATOR_URL']}/_emulator/{action}", json=body,
                      headers={"Authorization": f"Bearer {secret}"})


def test_unknown_knobs_and_operations_are_refused_loudly(mwaa_env):
    with pytest.raises(ValueError, match="unknown knob session_ttl; valid: .*session_lifetime"):
        mwaa_env.admin.set(session_ttl=20)
    with pytest.raises(ValueError, match="unknown operation 'CreateWebToken'; valid: CreateWebLoginToken"):
        mwaa_env.admin.fail_next("CreateWebToken")
    with pytest.raises(ValueError, match="seconds"):
        mwaa_env.admin.set(control_latency="fast")
    for action, body, valid in (("knobs", {"session_ttl": 20}, "session_lifetime"),
                                ("knobs", {"control_latency": -1}, "seconds"),
                                ("faults", {"operation": "CreateWebToken"}, "WebRequest")):
        response = admin_post(mwaa_env, action, body)
        assert response.status_code == 400 and valid in response.json()["message"], response.text
    knobs = mwaa_env.admin.state()["knobs"]
    assert knobs["session_lifetime"] == 12 * 3600 and knobs["control_latency"] == 0 and not knobs["faults"]


def test_every_operation_the_emulator_counts_is_registered():
    from mwaa_magic.emulator import control_plane
    from mwaa_magic.emulator.knobs import OPERATIONS

    handlers = [c for c in vars(control_plane).values() if isinstance(c, type) and issubclass(c, control_plane.MwaaHandler)]
    assert {h.operation for h in handlers} <= set(OPERATIONS)
