"""The server extension's own settings (``c.MwaaMagicServer.*``, issue 11 #4), against the emulator."""

from __future__ import annotations

import json

import pytest
from jupyter_server.serverapp import ServerApp
from traitlets import TraitError

from mwaa_magic.server.config import MwaaMagicServer

pytest_plugins = ["pytest_jupyter.jupyter_server"]

CONFIGURED = "https://airflow.example.test:8443"
EXTENSION = {"jpserver_extensions": {"mwaa_magic.server": True}}


def server_config(**settings: str) -> dict:
    return {"ServerApp": EXTENSION, "MwaaMagicServer": settings}


@pytest.fixture
def emulator(mwaa_env):
    yield mwaa_env


@pytest.mark.parametrize("jp_server_config", [server_config(webserver_urls=CONFIGURED)])
async def test_configured_webserver_address_is_used_for_every_link(jp_fetch, emulator):
    assert emulator.env.get("MWAA_MAGIC_WEBSERVER_URLS", CONFIGURED) != CONFIGURED  # the setting beats the variable
    response = await jp_fetch("mwaa", "login-url", method="POST", body=json.dumps({"environment": "demo-airflow3"}))
    url = json.loads(response.body)["url"]
    link, _, token = url.partition("#")  # compared apart: a failing assertion must not print the token
    assert link == CONFIGURED + "/pluginsv2/aws_mwaa/aws-console-sso?login=true" and token
    issued = token in emulator.admin.secrets()
    assert issued
    response = await jp_fetch(
        "mwaa",
        "open",
        params={"environment": "demo-airflow2", "webserver_urls": "http://evil.example", "next": "http://evil.example/"},
        follow_redirects=False,
        raise_error=False,
    )
    assert response.code == 302
    link, _, token = response.headers["Location"].partition("#")
    assert link == CONFIGURED + "/aws_mwaa/aws-console-sso?login=true" and token


@pytest.mark.parametrize("jp_server_config", [server_config(webserver_urls=CONFIGURED)])
async def test_a_request_cannot_set_the_webserver_address(jp_fetch, emulator):
    body = json.dumps({"environment": "demo-airflow3", "webserver_urls": "http://evil.example"})
    response = await jp_fetch("mwaa", "login-url", method="POST", body=body, raise_error=False)
    assert response.code == 400
    assert json.loads(response.body)["code"] == "InvalidRequest"
    assert not emulator.admin.calls().get("CreateWebLoginToken")


@pytest.mark.parametrize("jp_server_config", [server_config(profile="analytics")])
async def test_configured_profile_and_its_region_are_the_defaults(jp_fetch, emulator, tmp_path, monkeypatch):
    # A profile holding the emulator's credentials, in eu-west-1.
    aws = tmp_path / "aws"
    aws.mkdir()
    (aws / "config").write_text("[profile analytics]\nregion = eu-west-1\n")
    (aws / "credentials").write_text(
        f"[analytics]\naws_access_key_id = {emulator.env['AWS_ACCESS_KEY_ID']}\n"
        f"aws_secret_access_key = {emulator.env['AWS_SECRET_ACCESS_KEY']}\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(aws / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(aws / "credentials"))
    for name in ("AWS_DEFAULT_REGION", "AWS_REGION"):  # they would beat the profile's region, as in boto3
        monkeypatch.delenv(name, raising=False)
    config = json.loads((await jp_fetch("mwaa", "config")).body)
    assert (config["default_profile"], config["default_region"]) == ("analytics", "eu-west-1")
    listing = json.loads((await jp_fetch("mwaa", "environments")).body)
    assert (listing["profile"], listing["region"]) == ("analytics", "eu-west-1")
    assert [env["name"] for env in listing["environments"]] == ["eu-reporting"]
    # A request may still pick a region.
    listing = json.loads((await jp_fetch("mwaa", "environments", params={"region": "us-east-1"})).body)
    assert "demo-airflow3" in [env["name"] for env in listing["environments"]]


@pytest.mark.parametrize("jp_server_config", [server_config(region="eu-west-1")])
async def test_configured_region(jp_fetch, emulator):
    config = json.loads((await jp_fetch("mwaa", "config")).body)
    assert config["default_region"] == "eu-west-1"
    listing = json.loads((await jp_fetch("mwaa", "environments")).body)
    assert [env["name"] for env in listing["environments"]] == ["eu-reporting"]


def test_settings_from_the_command_line():
    app = ServerApp()
    app.parse_command_line(
        [
            f"--MwaaMagicServer.webserver_urls={CONFIGURED}",
            "--MwaaMagicServer.region=eu-west-1",
            "--MwaaMagicServer.profile=analytics",
        ]
    )
    settings = MwaaMagicServer(parent=app)
    assert (settings.webserver_urls, settings.region, settings.profile) == (CONFIGURED, "eu-west-1", "analytics")


def test_defaults_leave_it_to_the_environment(monkeypatch):
    monkeypatch.setenv("MWAA_MAGIC_WEBSERVER_URLS", "http://127.0.0.1:1")
    settings = MwaaMagicServer()
    assert (settings.webserver_urls, settings.region, settings.profile) == (None, None, None)


@pytest.mark.parametrize(
    ("name", "value"),
    [("webserver_urls", "ftp://x"), ("webserver_urls", "host=notaurl"), ("region", "Europe"), ("profile", "a b")],
)
def test_invalid_settings_are_refused_at_startup(name, value):
    with pytest.raises(TraitError, match=f"MwaaMagicServer.{name}"):
        MwaaMagicServer(**{name: value})
