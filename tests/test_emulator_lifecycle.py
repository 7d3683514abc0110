"""`up` starts real Airflow in process groups of its own; SIGTERM leaves no process behind."""

from __future__ import annotations

import os
import time
from pathlib import Path

from mwaa_magic.emulator.pytest_plugin import start_emulator

ONE_ENVIRONMENT = """
region = "us-east-1"
[[environments]]
name = "solo"
airflow_version = "3.0.6"
[[identities]]
access_key_id = "AKIAMWAAEMULATOR0001"
secret_access_key = "emulator-secret-alice"
iam_identity = "assumed-role/Admin/alice"
roles = { "*" = "Admin" }
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return not Path(f"/proc/{pid}/stat").read_text().split(") ")[-1].startswith("Z")


def test_sigterm_stops_every_process(tmp_path):
    config = tmp_path / "solo.toml"
    config.write_text(ONE_ENVIRONMENT)
    emulator = start_emulator(str(config))
    try:
        state = emulator.state()
        pids = state["airflow_pids"]
        assert len(pids) >= 3 and all(alive(pid) for pid in pids)  # api-server, scheduler, dag-processor
        assert [e["name"] for e in state["environments"]] == ["solo"] and state["environments"][0]["web_url"]
    finally:
        emulator.stop()  # SIGTERM to the `up` process group
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(alive(pid) for pid in pids):
        time.sleep(0.2)
    assert not [pid for pid in pids if alive(pid)]
