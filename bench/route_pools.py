"""How long the login card's button (POST /mwaa/login-url) takes while 12 doctor runs hang (goal: < 1 s).

A Jupyter server with mwaa_magic's routes, pointed at the emulator (control plane only), and a web server
address that accepts connections and never answers: each GET /mwaa/doctor/demo-airflow3 waits out its login
and CLI steps. With the 12 doctors in flight, the button is pressed 5 times, one after another.
Run: python bench/route_pools.py
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

from _common import emulator, verdict

from mwaa_magic.emulator.pytest_plugin import stop_process_group

DOCTORS, PRESSES, GOAL = 12, 5, 1.0
REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(env: dict[str, str], token: str) -> tuple[subprocess.Popen, str]:
    """``jupyter server`` with the /mwaa routes (this checkout), once it answers."""
    config = Path(tempfile.mkdtemp(prefix="bench-jupyter-"))
    (config / "jupyter_server_config.json").write_text(
        json.dumps({"ServerApp": {"jpserver_extensions": {"mwaa_magic.server": True}}})
    )
    env = {**env, "JUPYTER_CONFIG_DIR": str(config), "PYTHONPATH": str(REPO)}
    port = free_port()
    command = [sys.executable, "-m", "jupyter_server", "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1"]
    command += [f"--ServerApp.port={port}", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={config}"]
    log = (config / "server.log").open("w")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2).close()
            return process, url
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"jupyter server did not start; see {config / 'server.log'}")


def call(url: str, token: str, body: dict | None = None) -> tuple[int, float]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"token {token}", "Content-Type": "application/json"},
        method="POST" if body is not None else "GET",
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    return status, time.perf_counter() - started


def main() -> None:
    silent = socket.create_server(("127.0.0.1", 0), backlog=128)  # accepts (the kernel's backlog), never answers
    with emulator(with_airflow=False):
        token = uuid.uuid4().hex
        env = {**os.environ, "MWAA_MAGIC_WEBSERVER_URLS": f"http://127.0.0.1:{silent.getsockname()[1]}"}
        process, url = start_server(env, token)
        try:
            button = f"{url}/mwaa/login-url"
            call(button, token, {"environment": "demo-airflow3"})  # warm up: imports, botocore's data
            idle = [call(button, token, {"environment": "demo-airflow3"})[1] for _ in range(PRESSES)]
            doctors: list[tuple[int, float]] = []
            threads = [
                threading.Thread(target=lambda: doctors.append(call(f"{url}/mwaa/doctor/demo-airflow3", token)))
                for _ in range(DOCTORS)
            ]
            for thread in threads:
                thread.start()
            time.sleep(2.0)  # every doctor past its AWS steps, waiting on the web server
            presses = [call(button, token, {"environment": "demo-airflow3"}) for _ in range(PRESSES)]
            running = sum(thread.is_alive() for thread in threads)
            for thread in threads:
                thread.join()
            seconds = [s for _, s in presses]
            print(
                f"login-url while {DOCTORS} doctors hang: median {statistics.median(seconds):.3f} s, "
                f"max {max(seconds):.3f} s over {PRESSES} presses (HTTP {sorted({c for c, _ in presses})}); "
                f"doctors still running after the presses: {running}/{DOCTORS}  "
                f"{verdict(max(seconds) < GOAL and running == DOCTORS)} (goal < {GOAL:g} s)",
                flush=True,
            )
            print(f"login-url with nothing else running: median {statistics.median(idle):.3f} s, max {max(idle):.3f} s")
            print(
                f"doctors: HTTP {sorted({c for c, _ in doctors})}, {min(s for _, s in doctors):.1f}"
                f"-{max(s for _, s in doctors):.1f} s each",
                flush=True,
            )
        finally:
            stop_process_group(process, 20)
            silent.close()


if __name__ == "__main__":
    main()
