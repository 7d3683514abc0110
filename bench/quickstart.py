"""Time from ``scripts/quickstart`` to JupyterLab ready (its "is running at" line), cold and warm.

Cold: an empty emulator cache (``MWAA_EMULATOR_CACHE`` in a temporary folder: both Airflow venvs installed,
with uv when available) — pip and npm caches are whatever this machine has. Warm: the usual cache, the
package already installed. Goals: cold <= 75 s, warm <= 20 s.

    python bench/quickstart.py [--cold] [--warm]     (default: both)
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def time_quickstart(env: dict[str, str], timeout: float = 900) -> float:
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(REPO / "scripts" / "quickstart")],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        for line in process.stdout:  # type: ignore[union-attr]
            if "is running at" in line or "/lab?token=" in line:
                return time.perf_counter() - started
            if time.perf_counter() - started > timeout:
                break
        raise RuntimeError("JupyterLab did not start")
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(60)


def main(modes: list[str]) -> None:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MWAA_"))}
    base["BROWSER"] = "true"  # JupyterLab opens no browser here
    for mode in modes:
        env = dict(base)
        with tempfile.TemporaryDirectory(prefix="mwaa-cold-cache-") as cache:
            if mode == "cold":
                env["MWAA_EMULATOR_CACHE"] = cache
            seconds = time_quickstart(env)
        goal = 75 if mode == "cold" else 20
        print(
            f"{mode:5s} scripts/quickstart -> JupyterLab ready: {seconds:6.1f} s (goal <= {goal} s: "
            f"{'OK' if seconds <= goal else 'MISSED'}); load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main([a.lstrip("-") for a in sys.argv[1:]] or ["cold", "warm"])
