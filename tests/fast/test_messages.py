"""Messages name what really happened; a dead endpoint fails fast (issue 10 #12, #13)."""

from __future__ import annotations

import socket
import threading

import pytest
from cells import assert_one_line, run


@pytest.fixture
def silent_server():
    """A TCP server that accepts connections and never answers."""
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    for conn in held:
        conn.close()
    server.close()


def test_a_hung_control_plane_names_the_timeout(shell, aws, silent_server, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_MWAA", silent_server)
    monkeypatch.setenv("MWAA_MAGIC_READ_TIMEOUT", "0.5")
    assert_one_line(
        *run(shell, "%mwaa_login fast3"), "ControlPlaneUnreachable", "did not answer within 0.5 s", "MWAA_MAGIC_READ_TIMEOUT"
    )


def test_a_hung_web_server_names_the_timeout_not_private_only(shell, aws, silent_server, monkeypatch):
    monkeypatch.setenv("MWAA_MAGIC_WEBSERVER_URLS", silent_server)
    monkeypatch.setenv("MWAA_MAGIC_WEB_TIMEOUT", "0.5")
    result, out = run(shell, "%mwaa_login fast3")
    assert_one_line(result, out, "WebServerUnreachable", "did not answer within 0.5 s")
    assert "PRIVATE_ONLY" not in out


def test_a_name_that_does_not_resolve_says_dns(shell, aws, monkeypatch):
    monkeypatch.setenv("MWAA_MAGIC_WEBSERVER_URLS", "http://no-such-host.invalid")
    assert_one_line(*run(shell, "%mwaa_login fast3"), "does not resolve (DNS)", "PRIVATE_ONLY")


def test_an_airflow_that_is_down_is_not_called_a_foreign_server(shell, stub):
    stub.fail("POST", "/pluginsv2/aws_mwaa/login", status=502)
    result, out = run(shell, "%mwaa_login fast3")
    assert_one_line(result, out, "HTTP 502", "down or restarting")
    assert "is this an MWAA web server" not in out


def test_access_denied_names_the_real_account(shell, aws, monkeypatch):
    for name, value in aws.identity_env(2).items():  # carol: no Airflow role
        monkeypatch.setenv(name, value)
    result, out = run(shell, "%mwaa_login fast3")
    assert_one_line(result, out, "airflow:CreateWebLoginToken", "arn:aws:airflow:us-east-1:210987654321:role/fast3/")
    assert "ACCOUNT_ID" not in out


def test_an_unknown_environment_costs_one_listing(shell, aws, monkeypatch):
    monkeypatch.setenv("MWAA_MAGIC_CONNECT_TIMEOUT", "3")  # a client of its own: no listing another test left
    result, out = run(shell, "%mwaa_login no-such-env")
    assert_one_line(result, out, "EnvironmentNotFound", "fast3")
    assert aws.admin.calls().get("ListEnvironments") == 1


def test_an_environment_in_another_region_is_named(shell, aws):
    """``elsewhere`` exists in eu-west-1 only (every region reaches the emulator through AWS_ENDPOINT_URL_MWAA)."""
    result, out = run(shell, "%mwaa_login elsewhere")
    assert_one_line(result, out, "EnvironmentNotFound", "It exists in eu-west-1", "--region eu-west-1")
    assert run(shell, "%mwaa_login elsewhere --region eu-west-1")[0].success
