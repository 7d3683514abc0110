"""Every port of the emulator (no Airflow here: the control plane with STS and the admin API, and S3) answers only to
its own loopback names, and the services no browser needs refuse browsers' cross-site requests; moto's own
API (``/moto-api``: every identity's secret key, a reset of every bucket) needs the admin secret.

The web servers (which need Airflow) are covered in test_emulator_security.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.config
import botocore.credentials
import botocore.exceptions
import httpx
import pytest

from mwaa_magic.emulator.pytest_plugin import start_emulator

pytestmark = pytest.mark.fast

ENV = "demo-airflow3"
EVIL = "evil.example"


@pytest.fixture(scope="module")
def emulator():
    running = start_emulator(with_airflow=False, timeout=60)
    yield running
    running.stop()


@pytest.fixture
def env(emulator) -> dict[str, str]:
    return emulator.env


def port_of(url: str) -> int:
    port = urlsplit(url).port
    assert port is not None
    return port


def admin_auth(env: dict[str, str]) -> dict[str, str]:
    secret = json.loads(Path(env["MWAA_EMULATOR_ADMIN_FILE"]).read_text())["secret"]
    return {"Authorization": f"Bearer {secret}"}


def client(env: dict[str, str], service: str):
    return boto3.session.Session().client(
        service,
        endpoint_url=env["AWS_ENDPOINT_URL_S3"] if service == "s3" else env["AWS_ENDPOINT_URL_MWAA"],
        region_name=env["AWS_REGION"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        config=botocore.config.Config(inject_host_prefix=False, retries={"max_attempts": 1}),
    )


def signed_for(
    env: dict[str, str], method: str, path: str, host: str, service: str, body: bytes = b"", to: str = "", **headers: str
):
    """A request signed with the emulator's default keys as if for ``http://{host}{path}`` (what a page that
    rebound ``host`` to 127.0.0.1 could send), sent to the emulator (``to``: the port's URL, by default the
    one serving ``service``)."""
    base = to or (env["AWS_ENDPOINT_URL_S3"] if service == "s3" else env["AWS_ENDPOINT_URL_MWAA"])
    request = botocore.awsrequest.AWSRequest(method=method, url=f"http://{host}{path}", data=body, headers=headers)
    if service == "s3":
        request.headers["X-Amz-Content-SHA256"] = botocore.auth.UNSIGNED_PAYLOAD
    credentials = botocore.credentials.Credentials(env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"])
    signer = botocore.auth.S3SigV4Auth if service == "s3" else botocore.auth.SigV4Auth
    signer(credentials, service, env["AWS_REGION"]).add_auth(request)
    return httpx.request(method, base + path, content=body, headers={**dict(request.headers), "Host": host})


def counters(emulator) -> tuple[dict, int]:
    return emulator.admin.calls(), len(emulator.admin.secrets())


# --- Host ---------------------------------------------------------------------------------------
REFUSED = (400, 403)  # 400: tornado's own parser refuses a Host that is no host name (``name@host``)


def bad_hosts(port: int) -> list[str]:
    return [
        f"{EVIL}:{port}",
        EVIL,
        f"127.0.0.1.{EVIL}:{port}",
        f"localhost.{EVIL}:{port}",
        f"{EVIL}:{port}@127.0.0.1",
        "",
    ]


def good_hosts(port: int) -> list[str]:
    return [f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"]


def test_control_plane_refuses_a_token_request_signed_for_another_host(emulator, env):
    port = port_of(env["AWS_ENDPOINT_URL_MWAA"])
    before = counters(emulator)
    for host in bad_hosts(port)[:-1]:  # a request with no Host cannot be signed for one
        answer = signed_for(env, "POST", f"/webtoken/{ENV}", host, "airflow")
        assert answer.status_code in REFUSED, (host, answer.text)
        assert "Token" not in answer.text
        answer = signed_for(env, "POST", f"/clitoken/{ENV}", host, "airflow")
        assert answer.status_code in REFUSED, (host, answer.text)
    assert counters(emulator) == before  # no token minted, no call counted
    message = signed_for(env, "POST", f"/webtoken/{ENV}", f"{EVIL}:{port}", "airflow").json()["message"]
    assert message.startswith("wrong Host: this port answers only to 127.0.0.1, localhost and [::1]")
    for host in good_hosts(port):
        answer = signed_for(env, "POST", f"/webtoken/{ENV}", host, "airflow")
        assert answer.status_code == 200, (host, answer.text)
    assert counters(emulator)[1] == before[1] + len(good_hosts(port))


def test_sts_refuses_another_host(env):
    port = port_of(env["AWS_ENDPOINT_URL_MWAA"])
    body = b"Action=GetCallerIdentity&Version=2011-06-15"
    form = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    for host in bad_hosts(port)[:-1]:
        try:
            answer = signed_for(env, "POST", "/", host, "sts", body, **form)
        except httpx.ReadError:  # tornado's parser answers 400 to ``name@host`` and closes before reading the body:
            assert "@" in host, host  # the client may see the reset first; either way nothing was answered
            continue
        assert answer.status_code in REFUSED, (host, answer.text)
        assert "<Arn>" not in answer.text
    assert signed_for(env, "POST", "/", f"localhost:{port}", "sts", body, **form).status_code == 200


@pytest.mark.parametrize("which", ["AWS_ENDPOINT_URL_MWAA", "AWS_ENDPOINT_URL_S3"])
def test_every_port_refuses_another_host(env, which):
    url = env[which]
    port = port_of(url)
    for host in bad_hosts(port):
        for path in ("/", "/environments", "/_emulator/health", "/moto-api/data.json", f"/airflow-{ENV}"):
            answer = httpx.get(url + path, headers={"Host": host, **admin_auth(env)})
            assert answer.status_code in REFUSED, (which, host, path, answer.status_code)
            assert "secret" not in answer.text.lower()


def test_boto3_clients_still_work(env, emulator):
    assert ENV in client(env, "mwaa").list_environments()["Environments"]
    assert client(env, "mwaa").create_web_login_token(Name=ENV)["WebToken"]
    assert f"airflow-{ENV}" in [b["Name"] for b in client(env, "s3").list_buckets()["Buckets"]]
    sts = boto3.session.Session().client(
        "sts",
        endpoint_url=env["AWS_ENDPOINT_URL_STS"],
        region_name=env["AWS_REGION"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
    )
    assert sts.get_caller_identity()["Account"]
    assert emulator.admin.state()["control_url"] == env["MWAA_EMULATOR_URL"]


# --- S3: conditional writes, Origin, moto's own API ----------------------------------------------
def test_s3_conditional_writes_still_answer_412(env):
    s3, bucket, key = client(env, "s3"), f"airflow-{ENV}", "dags/guard_conditional.py"
    first = s3.put_object(Bucket=bucket, Key=key, Body=b"one", IfNoneMatch="*")
    with pytest.raises(botocore.exceptions.ClientError) as exists:
        s3.put_object(Bucket=bucket, Key=key, Body=b"two", IfNoneMatch="*")
    assert exists.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412
    with pytest.raises(botocore.exceptions.ClientError) as stale:
        s3.put_object(Bucket=bucket, Key=key, Body=b"three", IfMatch='"0000"')
    assert stale.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412
    s3.put_object(Bucket=bucket, Key=key, Body=b"four", IfMatch=first["ETag"])
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"four"
    big = bytes(range(256)) * 40_000  # 10 MB, signed: streamed through unchanged
    s3.put_object(Bucket=bucket, Key="dags/guard_big.bin", Body=big)
    assert s3.get_object(Bucket=bucket, Key="dags/guard_big.bin")["Body"].read() == big
    s3.delete_object(Bucket=bucket, Key=key)
    s3.delete_object(Bucket=bucket, Key="dags/guard_big.bin")


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": f"http://{EVIL}"},
        {"Origin": "null"},
        {"Origin": "http://127.0.0.1:1"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
    ],
)
@pytest.mark.parametrize("which", ["AWS_ENDPOINT_URL_MWAA", "AWS_ENDPOINT_URL_S3"])
def test_browser_cross_site_requests_are_refused(env, which, headers):
    url = env[which]
    for method, path in (("GET", "/moto-api/data.json"), ("POST", "/moto-api/reset"), ("GET", f"/airflow-{ENV}")):
        answer = httpx.request(method, url + path, headers={**headers, **admin_auth(env)})
        assert answer.status_code == 403, (method, path, answer.status_code)
        assert "access-control-allow-origin" not in answer.headers
    options = httpx.options(url + "/", headers={**headers, "Access-Control-Request-Method": "POST"})
    assert options.status_code == 403
    assert "access-control-allow-origin" not in options.headers


def test_s3_serves_only_s3(env):
    """moto serves IAM, STS... on the same port: a request signed for another service is refused."""
    port = port_of(env["AWS_ENDPOINT_URL_S3"])
    body = b"Action=ListAccessKeys&Version=2010-05-08"
    form = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    answer = signed_for(env, "POST", "/", f"127.0.0.1:{port}", "iam", body, env["AWS_ENDPOINT_URL_S3"], **form)
    assert answer.status_code == 403 and "S3 only" in answer.text


def test_s3_echoes_no_origin(env):
    """Same origin (a page served by this port) is let through, but gets no CORS header to read answers with."""
    s3 = env["AWS_ENDPOINT_URL_S3"]
    answer = signed_for(env, "GET", "/", f"127.0.0.1:{port_of(s3)}", "s3", Origin=s3)  # ListBuckets
    assert answer.status_code == 200 and f"airflow-{ENV}" in answer.text
    assert not [h for h in answer.headers if h.lower().startswith("access-control-")]


def test_moto_api_needs_the_admin_secret(env):
    s3 = env["AWS_ENDPOINT_URL_S3"]
    for auth in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": env["AWS_SECRET_ACCESS_KEY"]}):
        data = httpx.get(s3 + "/moto-api/data.json", headers=auth)
        assert data.status_code == 401, data.status_code
        assert env["AWS_SECRET_ACCESS_KEY"] not in data.text
        assert httpx.post(s3 + "/moto-api/reset", headers=auth).status_code == 401
        assert httpx.get(s3 + "/moto-api/", headers=auth).status_code == 401
        assert httpx.get(s3 + "/MOTO-API/data.json", headers=auth).status_code in (401, 403, 404)
        for spelled in ("/%6Doto-api/data.json", "//moto-api/data.json", "/moto-api%2Fdata.json"):
            answer = httpx.get(s3 + spelled, headers=auth)
            assert answer.status_code in (401, 403, 404), (spelled, answer.status_code)
            assert env["AWS_SECRET_ACCESS_KEY"] not in answer.text
    assert f"airflow-{ENV}" in [b["Name"] for b in client(env, "s3").list_buckets()["Buckets"]]  # not reset
    allowed = httpx.get(s3 + "/moto-api/data.json", headers=admin_auth(env))
    assert allowed.status_code == 200
    assert "access-control-allow-origin" not in allowed.headers


def test_allowed_hosts_open_every_port_to_one_more_name(tmp_path):
    """``allowed_hosts`` (a port forward: ``localhost:9000``) is answered on every port; other names still are not."""
    default = Path(__file__).parents[1] / "mwaa_magic" / "emulator" / "default.toml"
    config = tmp_path / "world.toml"
    config.write_text('allowed_hosts = ["Forwarded.Example:9000"]\n' + default.read_text().replace("port = 8950", "port = 0"))
    running = start_emulator(str(config), with_airflow=False, timeout=60)
    try:
        env = running.env
        for url in (env["AWS_ENDPOINT_URL_MWAA"], env["AWS_ENDPOINT_URL_S3"]):
            forwarded = httpx.get(url + "/", headers={"Host": "forwarded.example:9000"})
            assert "wrong Host" not in forwarded.text, url
            assert httpx.get(url + "/", headers={"Host": "forwarded.example:9001"}).status_code == 403
        token = signed_for(env, "POST", f"/webtoken/{ENV}", "forwarded.example:9000", "airflow")
        assert token.status_code == 200 and token.json()["WebToken"]
    finally:
        running.stop()
