"""The emulator's MWAA web servers in front of real Airflow 2.10 and 3.0: logins, REST, CLI, browser, expiry."""

from __future__ import annotations

import base64
import json

import boto3
import httpx
import pytest
from lab_helpers import chromium

V3, V2 = "demo-airflow3", "demo-airflow2"
LOGIN = {V3: "/pluginsv2/aws_mwaa/login", V2: "/aws_mwaa/login"}
COOKIE = {V3: "_token", V2: "session"}
API = {V3: "/api/v2", V2: "/api/v1"}


def web_url(emulator, name: str) -> str:
    return emulator.environment(name)["web_url"]


def web_token(env: dict, name: str, identity: int = 0) -> str:
    client = boto3.client("mwaa", endpoint_url=env["AWS_ENDPOINT_URL_MWAA"], region_name=env["AWS_REGION"],
                          aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])
    return client.create_web_login_token(Name=name)["WebToken"]


def login(emulator, name: str, identity: int = 0) -> tuple[httpx.Client, str]:
    """An httpx client logged in to ``name`` as the identity's role, and the credential value."""
    env = emulator.identity_env(identity)
    base = web_url(emulator, name)
    response = httpx.post(base + LOGIN[name], data={"token": web_token(env, name)})
    assert response.status_code == 302 and response.headers["location"] == "/"
    value = response.cookies[COOKIE[name]]
    if name == V3:
        client = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {value}"}, timeout=60)
    else:
        client = httpx.Client(base_url=base, cookies={"session": value}, timeout=60)
    return client, value


@pytest.mark.parametrize("name", [V3, pytest.param(V2, marks=pytest.mark.airflow2)])
def test_login_then_rest_call(mwaa_env, name):
    client, value = login(mwaa_env, name)
    with client:
        response = client.get(API[name] + "/dags")
        assert response.status_code == 200, response.text
        assert {"daily_sales_etl", "flaky_task", "hello_world"} <= {d["dag_id"] for d in response.json()["dags"]}
    assert value in mwaa_env.admin.secrets()


@pytest.mark.parametrize("name", [V3, pytest.param(V2, marks=pytest.mark.airflow2)])
def test_viewer_cannot_trigger(mwaa_env, name):
    client, _ = login(mwaa_env, name, identity=1)  # bob: Viewer
    body = {"logical_date": None} if name == V3 else {}
    with client:
        assert client.get(API[name] + "/dags").status_code == 200
        response = client.post(API[name] + "/dags/hello_world/dagRuns", json=body)
        assert response.status_code == 403, response.text


@pytest.mark.parametrize("name", [V3, pytest.param(V2, marks=pytest.mark.airflow2)])
def test_forged_expired_and_foreign_tokens_refused(mwaa_env, name):
    base = web_url(mwaa_env, name)
    token = web_token(mwaa_env.env, name)
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert httpx.post(base + LOGIN[name], data={"token": forged}).status_code == 403
    assert httpx.post(base + LOGIN[name], data={"token": ""}).status_code == 403
    other = web_token(mwaa_env.env, V2 if name == V3 else V3)  # minted for another environment
    assert httpx.post(base + LOGIN[name], data={"token": other}).status_code == 403
    mwaa_env.admin.set(token_lifetime=0.0)
    expired = web_token(mwaa_env.env, name)
    response = httpx.post(base + LOGIN[name], data={"token": expired})
    assert response.status_code == 403 and "expired" in response.text


@pytest.mark.parametrize("name", [V3, pytest.param(V2, marks=pytest.mark.airflow2)])
def test_unknown_and_expired_sessions_get_401(mwaa_env, name):
    base = web_url(mwaa_env, name)
    assert httpx.get(base + API[name] + "/dags").status_code == 401
    made_up = {"Authorization": "Bearer abc.def.ghi"} if name == V3 else {"Cookie": "session=made-up"}
    assert httpx.get(base + API[name] + "/dags", headers=made_up).status_code == 401
    client, _ = login(mwaa_env, name)
    with client:
        assert client.get(API[name] + "/dags").status_code == 200
        mwaa_env.admin.expire_sessions()
        response = client.get(API[name] + "/dags")
        assert response.status_code == 401
        assert response.json()["detail"] == "Not authenticated"
        if name == V2:  # a UI page sends the browser to the login page instead
            page = client.get("/home", follow_redirects=False)
            assert page.status_code == 302 and page.headers["location"].startswith("/login/")


@pytest.mark.parametrize("name", [V3, pytest.param(V2, marks=pytest.mark.airflow2)])
def test_cli_endpoint(mwaa_env, name):
    client = boto3.client("mwaa")
    cli = client.create_cli_token(Name=name)
    url = web_url(mwaa_env, name) + "/aws_mwaa/cli"
    headers = {"Authorization": f"Bearer {cli['CliToken']}", "Content-Type": "text/plain"}
    response = httpx.post(url, headers=headers, content="dags list -o json", timeout=120)
    assert response.status_code == 200, response.text
    result = response.json()
    dags = json.loads(base64.b64decode(result["stdout"]))
    assert "hello_world" in {d["dag_id"] for d in dags}
    assert isinstance(base64.b64decode(result["stderr"]), bytes)

    refused = httpx.post(url, headers=headers, content="db reset -y")
    assert refused.status_code == 400 and "not supported" in refused.json()["message"]
    assert httpx.post(url, headers=headers, content="").status_code == 400
    bad = httpx.post(url, headers={"Authorization": "Bearer nope", "Content-Type": "text/plain"},
                     content="dags list")
    assert bad.status_code == 403


def test_airflow_client_with_session(mwaa_env):
    airflow_client = pytest.importorskip("airflow_client.client")
    from airflow_client.client.api.dag_api import DAGApi
    from airflow_client.client.api.variable_api import VariableApi
    from airflow_client.client.api.version_api import VersionApi
    from airflow_client.client.models.variable_body import VariableBody

    client, jwt = login(mwaa_env, V3)
    client.close()
    config = airflow_client.Configuration(host=web_url(mwaa_env, V3), access_token=jwt)
    with airflow_client.ApiClient(config) as api:
        assert VersionApi(api).get_version().version == "3.0.6"
        variables = VariableApi(api)
        variables.post_variable(VariableBody(key="emulator_test", value="42"))
        assert variables.get_variable("emulator_test").value == "42"
        variables.delete_variable("emulator_test")
        # the newest client's DagTag model wants dag_display_name, which 3.0.6 lacks: read get_dags raw
        raw = DAGApi(api).get_dags_without_preload_content()
        assert raw.status == 200 and "hello_world" in raw.data.decode()


@pytest.mark.browser
@pytest.mark.parametrize("name,sso", [
    (V3, "/pluginsv2/aws_mwaa/aws-console-sso"),
    pytest.param(V2, "/aws_mwaa/aws-console-sso", marks=pytest.mark.airflow2),
])
def test_console_sso_page_logs_the_browser_in(mwaa_env, name, sso):
    base = web_url(mwaa_env, name)
    url = f"{base}{sso}?login=true#{web_token(mwaa_env.env, name)}"
    with chromium() as browser:
        page = browser.new_page()
        page.goto(url)
        page.wait_for_url(lambda u: "aws_mwaa" not in u, timeout=30_000)
        assert "#" not in page.url
        if name == V3:  # Airflow 3 lands on its dashboard; its DAG list needs the JWT it kept
            page.get_by_text("Welcome").first.wait_for(timeout=30_000)
            page.goto(base + "/dags")
            page.get_by_text("3 Dags").first.wait_for(timeout=30_000)
        else:  # Airflow 2 lands on /home, the DAG list
            page.get_by_text("DAGs").first.wait_for(timeout=30_000)
        page.get_by_text("hello_world").first.wait_for(timeout=30_000)
        # without a token, the SSO page says how to log in instead of looping
        page.goto(f"{base}{sso}?login=true")
        page.get_by_text("Amazon MWAA console").wait_for(timeout=10_000)


def cli_post(mwaa_env, name: str, command: str) -> httpx.Response:
    token = boto3.client("mwaa").create_cli_token(Name=name)["CliToken"]
    return httpx.post(web_url(mwaa_env, name) + "/aws_mwaa/cli", content=command, timeout=180,
                      headers={"Authorization": f"Bearer {token}", "Content-Type": "text/plain"})


@pytest.mark.parametrize("name", [V3, pytest.param(V2, marks=pytest.mark.airflow2)])
def test_cli_never_points_airflow_at_other_files(mwaa_env, name, tmp_path):
    """--subdir (Airflow 2) and --dagfile-path (Airflow 3) would import a planted file; file options are refused."""
    planted = tmp_path / "planted"
    planted.mkdir()
    marker = tmp_path / "imported"
    (planted / "evil_dag.py").write_text(f"open({str(marker)!r}, 'w').write('imported')  # airflow dag\n")
    written = tmp_path / "written.dot"
    attempts = [
        f"dags list --subdir {planted}", f"dags list -S {planted}", f"dags list --subdir={planted}",
        f"dags list --sub {planted}", f"dags list -vS {planted}", f"dags report -S {planted}",
        f"tasks list hello_world -S {planted}", f"dags test hello_world --dagfile-path {planted}/evil_dag.py",
        f"dags test hello_world -f {planted}/evil_dag.py", f"variables import {planted}/evil_dag.py",
        f"dags show hello_world --save {written}", "info --file-io", "tasks test hello_world say_hello -m",
    ]
    for command in attempts:
        response = cli_post(mwaa_env, name, command)
        assert response.status_code == 400, (command, response.text)
        assert "not supported by Amazon MWAA" in response.json()["message"], command
    assert not marker.exists() and not written.exists()
    allowed = cli_post(mwaa_env, name, "variables get no_such_variable -d fallback")
    assert allowed.status_code == 200 and base64.b64decode(allowed.json()["stdout"]).strip() == b"fallback"
