"""`python -m mwaa_magic.emulator up | env | down` as users run them: real subprocesses, real ports."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

EMULATOR = [sys.executable, "-m", "mwaa_magic.emulator"]
ONE_AIRFLOW3 = """
region = "us-east-1"
[[environments]]
name = "solo"
airflow_version = "3.0.6"
web_port = {web_port}
[[identities]]
access_key_id = "AKIAMWAAEMULATOR0001"
secret_access_key = "emulator-secret-alice"
iam_identity = "assumed-role/Admin/alice"
roles = {{ "*" = "Admin" }}
"""


def run(*args: str, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([*EMULATOR, *args], capture_output=True, text=True, timeout=timeout, **kwargs)


@pytest.fixture
def busy_port():
    """A port some other program listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


@pytest.fixture
def control_plane_only(tmp_path):
    """A running `up --no-airflow --port 0` with its state file; stopped (SIGTERM) afterwards."""
    state = tmp_path / "state.json"
    process = subprocess.Popen(
        [*EMULATOR, "up", "--no-airflow", "--port", "0", "--state-file", str(state)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines = []
    for line in process.stdout:
        lines.append(line)
        if line.startswith("# ready"):
            break
    deadline = time.monotonic() + 30
    while not state.exists() and time.monotonic() < deadline:  # written just after "# ready"
        time.sleep(0.05)
    assert state.exists(), "".join(lines)
    url = next(line.split("=", 1)[1].strip() for line in lines if line.startswith("export MWAA_EMULATOR_URL="))
    yield process, state, url
    if process.poll() is None:
        process.terminate()
        process.wait(30)


def assert_one_line_error(result: subprocess.CompletedProcess, *expected: str) -> None:
    assert result.returncode != 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "Errno" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for text in expected:
        assert text in lines[0], lines[0]


def test_up_on_a_busy_port_names_it_and_the_way_out(tmp_path, busy_port):
    result = run("up", "--no-airflow", "--port", str(busy_port), "--state-file", str(tmp_path / "s.json"))
    assert_one_line_error(result, f"port {busy_port}", "--port 0", "python -m mwaa_magic.emulator down")


def test_up_on_a_busy_s3_port_names_it(tmp_path, busy_port):
    config = tmp_path / "busy-s3.toml"
    config.write_text(f"s3_port = {busy_port}\n" + ONE_AIRFLOW3.format(web_port=0))
    result = run("up", "--no-airflow", "--config", str(config), "--port", "0", "--state-file", "")
    assert_one_line_error(result, f"port {busy_port}", "(S3) is in use")


def test_a_failed_up_leaves_the_running_emulator_alone(control_plane_only, tmp_path):
    process, state, url = control_plane_only
    port = url.rsplit(":", 1)[1]
    # a second `up` on the same state file: refused before anything else, the first one's file untouched
    again = run("up", "--no-airflow", "--port", "0", "--state-file", str(state))
    assert_one_line_error(again, "already running", str(process.pid), "down")
    # a second `up` on the busy port, with its own state file: fails, and touches only its own
    other = tmp_path / "other.json"
    busy = run("up", "--no-airflow", "--port", port, "--state-file", str(other))
    assert_one_line_error(busy, f"port {port}")
    assert state.exists() and not other.exists()
    env = run("env", "--state-file", str(state))
    assert env.returncode == 0 and f"MWAA_EMULATOR_URL={url}" in env.stdout
    down = run("down", "--state-file", str(state))
    assert down.returncode == 0 and process.wait(30) is not None and not state.exists()


def test_a_busy_web_port_stops_everything_started(tmp_path, busy_port):
    """The web port is taken: `up` fails at once, naming it, and no Airflow process of it remains."""
    config = tmp_path / "solo.toml"
    config.write_text(ONE_AIRFLOW3.format(web_port=busy_port))
    workdirs = tmp_path / "tmp"
    workdirs.mkdir()
    started = time.monotonic()
    result = run("up", "--config", str(config), "--state-file", "", env={**os.environ, "TMPDIR": str(workdirs)})
    assert_one_line_error(result, f"port {busy_port}", "solo")
    assert time.monotonic() - started < 30  # refused before Airflow was waited for
    assert not processes_in(workdirs)


def test_a_failed_start_stops_the_airflow_it_started(tmp_path):
    """Airflow started but never ready in time: ``start`` raises, and no Airflow process is left."""
    from mwaa_magic.emulator import Emulator, EmulatorConfig

    emulator = Emulator(EmulatorConfig.from_dict(tomllib.loads(ONE_AIRFLOW3.format(web_port=0))), workdir=tmp_path / "work")

    async def start() -> None:
        with pytest.raises(TimeoutError, match="the end of its api-server's log:\n"):  # its folder goes too
            await emulator.start(ready_timeout=1.0)

    asyncio.run(start())
    assert not processes_in(tmp_path)


def processes_in(folder: Path) -> list[int]:
    """Processes whose working directory is inside ``folder`` (Airflow's run in the emulator's workdir)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and os.readlink(proc / "cwd").startswith(str(folder)):
                found.append(int(proc.name))
        except OSError:
            pass
    return found


def test_a_host_beyond_loopback_is_warned_about(tmp_path):
    """192.0.2.1 (TEST-NET-1) is on no interface here: the warning comes first, then the one-line failure."""
    config = tmp_path / "exposed.toml"
    config.write_text('host = "192.0.2.1"\n' + ONE_AIRFLOW3.format(web_port=0))
    result = run("up", "--no-airflow", "--config", str(config), "--port", "0", "--state-file", "")
    warning, error = result.stderr.strip().splitlines()
    assert "warning: listening on 192.0.2.1, not loopback" in warning
    assert result.returncode == 1 and "cannot listen on 192.0.2.1" in error and "Traceback" not in result.stderr
