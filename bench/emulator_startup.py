"""Print install times, start-to-ready time and memory of each Airflow backend of the emulator.

Run: ``python bench/emulator_startup.py`` (needs ``python -m mwaa_magic.emulator install`` first).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import tempfile
import time
from pathlib import Path

from mwaa_magic.emulator.airflow_backend import AirflowBackend
from mwaa_magic.emulator.airflow_env import cache_root, venv_dir
from mwaa_magic.emulator.install import MARKER

VERSIONS = ("3.0.6", "2.10.3")


def memory_mib(pids: list[int], field: str = "Rss") -> float:
    """Sum of ``field`` of /proc/PID/smaps_rollup: ``Rss``, or ``Pss`` (shared pages split between sharers,
    fairer for forked processes such as the triggerer's)."""
    total = 0
    for pid in pids:
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        match = re.search(rf"^{field}:\s+(\d+) kB", rollup, re.M)
        total += int(match.group(1)) if match else 0
    return total / 1024


def memory(pids: list[int]) -> str:
    return f"{memory_mib(pids):.0f} MiB RSS / {memory_mib(pids, 'Pss'):.0f} MiB PSS"


def install_times(version: str) -> str:
    parts = []
    log = cache_root() / ("a3.log" if version.startswith("3") else "a2.log")  # the first pip install, timed
    if log.is_file():
        match = re.search(r"real\s+(\d+)m([\d.]+)s", log.read_text())
        if match:
            parts.append(f"pip install {int(match.group(1)) * 60 + float(match.group(2)):.1f} s")
    marker = venv_dir(version) / MARKER
    if marker.is_file():
        parts += [f"{k} {v:.1f} s" for k, v in json.loads(marker.read_text())["timings"].items()]
    return ", ".join(parts) or "unknown"


async def measure(version: str, history: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="mwaa-bench-") as work:
        backend = AirflowBackend(version, Path(work), history=history)
        start = time.monotonic()
        backend.start()
        spawned = time.monotonic() - start  # the database copy (and, with history, moving it to now)
        try:
            await backend.wait_ready()
            ready = time.monotonic() - start
            await backend.login("Admin")
            groups = {name: [p for p in backend.pids() if os.getpgid(p) == proc.pid] for name, proc in backend.procs.items()}
            print(f"Airflow {version}, history {'on' if history else 'off'}: install [{install_times(version)}]")
            print(f"  start() {spawned:.2f} s; start() -> ready: {ready:.1f} s")
            for name, pids in groups.items():
                print(f"  {name} ({len(pids)} processes): {memory(pids)}")
            print(f"  whole backend ({len(backend.pids())} processes): {memory(backend.pids())}")
        finally:
            backend.stop()


if __name__ == "__main__":
    for v in VERSIONS:
        for with_history in (False, True):
            asyncio.run(measure(v, with_history))
