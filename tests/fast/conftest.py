"""The fast tier: the emulator's control plane (no Airflow) and a stub web server, in one process each.

Every test here is marked ``fast`` (``scripts/test --fast`` runs only these): no Airflow, no browser.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from secret_scan import ISSUED
from stub_airflow import StubServer

from mwaa_magic.emulator.pytest_plugin import CLEARED_SETTINGS, start_emulator

WORLD = Path(__file__).with_name("world.toml")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.fast)


@pytest.fixture(scope="session")
def control_emulator():
    """The emulator's control plane on free ports, with the fast world and no Airflow."""
    running = start_emulator(str(WORLD), with_airflow=False, timeout=60)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def stub_server():
    server = StubServer()
    yield server
    server.shutdown()


@pytest.fixture
def stub(stub_server: StubServer):
    stub_server.reset()
    yield stub_server
    ISSUED.update(stub_server.state.issued)  # the whole-suite secret scan looks for these too


@pytest.fixture
def aws(control_emulator, stub, monkeypatch):
    """boto3 and mwaa_magic pointed at the control plane, every web server at the stub."""
    for name in CLEARED_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name, value in control_emulator.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MWAA_MAGIC_WEBSERVER_URLS", stub.url)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    yield control_emulator
    control_emulator.admin.reset()


@pytest.fixture
def shell(aws, shell):
    """The shell (tests/conftest.py), pointed at the control plane and the stub."""
    return shell


@pytest.fixture
def issued(aws, stub: StubServer):
    """A function giving every token the control plane and every cookie the stub handed out so far."""
    return lambda: aws.admin.secrets() + list(stub.state.issued)
