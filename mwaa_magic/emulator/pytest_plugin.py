"""pytest fixtures for a local MWAA: use them in your own tests too.

``mwaa_emulator`` (session scope) starts ``python -m mwaa_magic.emulator up`` once, on free ports;
``mwaa_env`` (function scope) points boto3 and mwaa_magic at it and resets its knobs afterwards.
Options: ``--mwaa-emulator-config FILE`` (or ini ``mwaa_emulator_config``), ``--mwaa-emulator-no-airflow``.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .admin import ADMIN_FILE_VARIABLE, EmulatorAdmin

# Settings that would make boto3 look elsewhere than the emulator.
CLEARED_SETTINGS = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_ENDPOINT_URL",
)


def stop_process_group(process: subprocess.Popen, grace: float) -> None:
    """End a process started with ``start_new_session=True`` and all its children: SIGTERM to its
    process group, SIGKILL if it is still running after ``grace`` seconds."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@dataclass
class RunningEmulator:
    """A running emulator process: its client settings, admin API and state."""

    process: subprocess.Popen
    env: dict[str, str]
    output: list[str] = field(default_factory=list)

    @property
    def admin(self) -> EmulatorAdmin:
        if not hasattr(self, "_admin"):
            self._admin = EmulatorAdmin(self.env["MWAA_EMULATOR_URL"], admin_file=self.env[ADMIN_FILE_VARIABLE])
        return self._admin

    def state(self) -> dict:
        return self.admin.state()

    def environment(self, name: str) -> dict:
        return next(e for e in self.state()["environments"] if e["name"] == name)

    def identity_env(self, index: int) -> dict[str, str]:
        """The settings for another configured identity (0 is the default admin)."""
        identity = self.state()["identities"][index]
        return {
            **self.env,
            "AWS_ACCESS_KEY_ID": identity["access_key_id"],
            "AWS_SECRET_ACCESS_KEY": identity["secret_access_key"],
        }

    def client_env(self, tmp_home: Path | None = None) -> dict[str, str]:
        """A full process environment for a kernel or server that must talk to this emulator."""
        env = {k: v for k, v in os.environ.items() if k not in CLEARED_SETTINGS}
        env.update(self.env)
        env["AWS_EC2_METADATA_DISABLED"] = "true"  # never ask the instance-metadata address for credentials
        for name, file in (("AWS_CONFIG_FILE", "config"), ("AWS_SHARED_CREDENTIALS_FILE", "credentials")):
            env[name] = str(Path(tmp_home) / file) if tmp_home else os.devnull  # no user AWS config
        return env

    def stop(self) -> None:
        if self in RUNNING:
            RUNNING.remove(self)
        stop_process_group(self.process, 30)


RUNNING: list[RunningEmulator] = []  # emulators started here and not yet stopped (tests scan what they issued)


def start_emulator(config: str | None = None, with_airflow: bool = True, timeout: float = 600) -> RunningEmulator:
    """Start ``python -m mwaa_magic.emulator up --port 0`` and wait until it prints its settings."""
    command = [sys.executable, "-m", "mwaa_magic.emulator", "up", "--port", "0", "--state-file", ""]
    if config:
        command += ["--config", str(config)]
    if not with_airflow:
        command.append("--no-airflow")
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    running = RunningEmulator(process, {})
    deadline = time.monotonic() + timeout
    stdout = process.stdout
    assert stdout is not None  # stdout=PIPE
    for line in stdout:
        running.output.append(line)
        if line.startswith("export "):
            name, _, value = shlex.split(line)[1].partition("=")  # the inverse of up's shlex.quote
            running.env[name] = value
        if line.startswith("# ready"):
            break
        if time.monotonic() > deadline:
            break
    if not line.startswith("# ready"):
        running.stop()
        raise RuntimeError("the MWAA emulator did not start:\n" + "".join(running.output[-40:]))
    # keep draining its output so it never blocks on a full pipe
    threading.Thread(target=lambda: running.output.extend(stdout), daemon=True).start()
    RUNNING.append(running)
    return running


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mwaa-emulator")
    group.addoption("--mwaa-emulator-config", default=None, help="TOML config for the mwaa_emulator fixture")
    group.addoption("--mwaa-emulator-no-airflow", action="store_true", help="control plane only")
    parser.addini("mwaa_emulator_config", "TOML config for the mwaa_emulator fixture", default=None)


@pytest.fixture(scope="session")
def mwaa_emulator(request: pytest.FixtureRequest):
    """A local MWAA for the whole test session (real Airflow unless --mwaa-emulator-no-airflow)."""
    config = request.config.getoption("--mwaa-emulator-config") or request.config.getini("mwaa_emulator_config")
    running = start_emulator(config or None, with_airflow=not request.config.getoption("--mwaa-emulator-no-airflow"))
    yield running
    running.stop()


def forget_boto3_default_session() -> None:
    """An unmodified ``boto3.client()`` resolves credentials once per default session: drop it, so that it reads
    this test's settings (an earlier test's session would keep another emulator's keys)."""
    boto3 = sys.modules.get("boto3")
    if boto3 is not None:
        vars(boto3)["DEFAULT_SESSION"] = None  # the module attribute boto3.client() reads


@pytest.fixture
def mwaa_env(mwaa_emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch):
    """Point boto3 (and mwaa_magic) at the emulator for one test; reset its knobs afterwards."""
    for name in CLEARED_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # never ask the instance-metadata address
    for name, value in mwaa_emulator.env.items():
        monkeypatch.setenv(name, value)
    forget_boto3_default_session()
    yield mwaa_emulator
    forget_boto3_default_session()
    mwaa_emulator.admin.reset()
