"""The emulator on a shared machine: its admin API needs a per-run secret and refuses browsers' cross-site
requests, and nothing it starts listens beyond loopback."""

from __future__ import annotations

import ipaddress
import json
import os
import stat
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import psutil
import pytest

from mwaa_magic.emulator import EmulatorAdmin


@pytest.fixture(scope="module")
def admin(mwaa_emulator) -> tuple[str, dict[str, str]]:
    """The admin API's base URL and the headers that authenticate to it (from the file `up` exported)."""
    path = mwaa_emulator.env["MWAA_EMULATOR_ADMIN_FILE"]
    secret = json.loads(Path(path).read_text())["secret"]
    return mwaa_emulator.env["MWAA_EMULATOR_URL"] + "/_emulator", {"Authorization": f"Bearer {secret}"}


def test_admin_file_is_private_and_exported(mwaa_emulator):
    path = mwaa_emulator.env["MWAA_EMULATOR_ADMIN_FILE"]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    exported = "".join(line for line in mwaa_emulator.output if line.startswith("export "))
    assert json.loads(Path(path).read_text())["secret"] not in exported  # the path is exported, never the secret


def test_admin_api_needs_the_secret(admin):
    url, auth = admin
    assert httpx.get(f"{url}/state").status_code == 401
    assert httpx.get(f"{url}/state", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert httpx.post(f"{url}/knobs", json={"control_latency": 5}).status_code == 401
    assert httpx.get(f"{url}/state", headers=auth).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"Host": "attacker.example:8950"},  # DNS rebinding: the browser sends the attacker's name
        {"Origin": "http://127.0.0.1:1"},  # a page on another port of this machine
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
    ],
)
def test_admin_api_refuses_browser_cross_site_requests(admin, headers):
    url, auth = admin
    assert httpx.get(f"{url}/state", headers={**auth, **headers}).status_code == 403
    refused = httpx.post(f"{url}/knobs", json={"control_latency": 5}, headers={**auth, **headers})
    assert refused.status_code == 403
    assert httpx.get(f"{url}/state", headers=auth).json()["knobs"]["control_latency"] == 0


def test_admin_api_takes_only_json_bodies(admin, mwaa_emulator):
    url, auth = admin
    origin = mwaa_emulator.env["MWAA_EMULATOR_URL"]
    simple = httpx.post(
        f"{url}/knobs", content='{"control_latency": 5}', headers={**auth, "Content-Type": "text/plain", "Origin": origin}
    )
    assert simple.status_code == 415
    assert httpx.get(f"{url}/state", headers=auth).json()["knobs"]["control_latency"] == 0
    same_origin = httpx.post(
        f"{url}/knobs", json={"control_latency": 0}, headers={**auth, "Origin": origin, "Sec-Fetch-Site": "same-origin"}
    )
    assert same_origin.status_code == 200


def test_emulator_admin_finds_the_secret_itself(mwaa_emulator, monkeypatch):
    monkeypatch.setenv("MWAA_EMULATOR_URL", mwaa_emulator.env["MWAA_EMULATOR_URL"])
    monkeypatch.setenv("MWAA_EMULATOR_ADMIN_FILE", mwaa_emulator.env["MWAA_EMULATOR_ADMIN_FILE"])
    assert EmulatorAdmin().state()["control_url"] == mwaa_emulator.env["MWAA_EMULATOR_URL"]
    monkeypatch.delenv("MWAA_EMULATOR_ADMIN_FILE")
    with pytest.raises(ValueError, match="MWAA_EMULATOR_ADMIN_FILE"):
        EmulatorAdmin()
    with pytest.raises(httpx.HTTPStatusError, match="401"):
        EmulatorAdmin(secret="not-it").state()


def test_nothing_listens_beyond_loopback(mwaa_emulator):
    """The control plane, the web servers and every Airflow process (web, scheduler, log servers...)."""
    pids = {mwaa_emulator.process.pid, *mwaa_emulator.state()["airflow_pids"]}
    processes = [psutil.Process(pid) for pid in pids if psutil.pid_exists(pid)]
    processes += [child for p in processes for child in p.children(recursive=True)]
    listening = {
        (p.pid, " ".join(p.cmdline()[:3]), c.laddr.ip, c.laddr.port)
        for p in processes
        for c in p.net_connections(kind="inet")
        if c.status == psutil.CONN_LISTEN
    }
    assert len(listening) >= 3  # control plane, web servers, Airflow's own web servers
    exposed = [entry for entry in listening if not ipaddress.ip_address(entry[2]).is_loopback]
    assert not exposed


def emulator_ports(mwaa_emulator) -> dict[int, str]:
    """Every port the emulator process listens on that serves HTTP, by what it is (the hostile fronts aside)."""
    state = mwaa_emulator.state()
    served = {
        urlsplit(state["control_url"]).port: "control plane, STS, admin API",
        urlsplit(state["s3"]["url"]).port: "S3",
        **{urlsplit(e["web_url"]).port: f"web server of {e['name']}" for e in state["environments"] if e["web_url"]},
    }
    hostile = {urlsplit(url).port for url in state["fronts"].values()}
    listening = {
        c.laddr.port
        for c in psutil.Process(mwaa_emulator.process.pid).net_connections(kind="inet")
        if c.status == psutil.CONN_LISTEN
    }
    assert listening - hostile == set(served), (listening, hostile, served)
    return served  # type: ignore[return-value]


def test_every_port_answers_only_to_its_own_names(mwaa_emulator):
    """DNS rebinding: a page of evil.example whose name now resolves to 127.0.0.1 is refused on every port."""
    ports = emulator_ports(mwaa_emulator)
    assert len(ports) >= 5
    for port, what in ports.items():
        for host in (f"evil.example:{port}", "evil.example", f"127.0.0.1.evil.example:{port}", f"localhost:{port + 1}"):
            answer = httpx.get(f"http://127.0.0.1:{port}/", headers={"Host": host})
            assert answer.status_code == 403, (what, host, answer.status_code)
            assert answer.json()["message"].startswith("wrong Host"), what
        for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"):
            answer = httpx.get(f"http://127.0.0.1:{port}/", headers={"Host": host})
            assert "wrong Host" not in answer.text, (what, host)


def test_web_servers_refuse_tokens_sent_to_another_host(mwaa_env):
    """A WebToken or CliToken posted under another name opens no session and runs nothing."""
    import boto3

    for env in mwaa_env.state()["environments"]:
        if not env["web_url"]:
            continue
        mwaa = boto3.client("mwaa", region_name=env["region"])
        port = urlsplit(env["web_url"]).port
        base, evil = env["web_url"], {"Host": f"evil.example:{port}"}
        login = "/pluginsv2/aws_mwaa/login" if env["airflow_version"].startswith("3") else "/aws_mwaa/login"
        secrets_before = len(mwaa_env.admin.secrets())
        token = mwaa.create_web_login_token(Name=env["name"])["WebToken"]
        refused = httpx.post(base + login, data={"token": token}, headers=evil)
        assert refused.status_code == 403 and "set-cookie" not in refused.headers
        cli = mwaa.create_cli_token(Name=env["name"])["CliToken"]
        refused = httpx.post(base + "/aws_mwaa/cli", content="version", headers={**evil, "Authorization": f"Bearer {cli}"})
        assert refused.status_code == 403 and "stdout" not in refused.text
        assert len(mwaa_env.admin.secrets()) == secrets_before + 2  # the two tokens; no session cookie
        assert httpx.get(base + "/aws_mwaa/cli", headers=evil).status_code == 403
        # the environment's own name, and browsers' navigations from other sites, still reach the SSO page
        sso = "/pluginsv2/aws_mwaa/aws-console-sso" if env["airflow_version"].startswith("3") else "/aws_mwaa/aws-console-sso"
        named = httpx.get(base + sso, headers={"Host": f"{env['hostname']}:{port}", "Sec-Fetch-Site": "cross-site"})
        assert named.status_code == 200
        assert httpx.post(base + login, data={"token": token}).status_code == 302  # the same token, right Host
