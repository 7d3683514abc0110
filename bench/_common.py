"""Helpers shared by the bench/ scripts: an emulator pointed at by this process, subprocesses, medians, RSS."""

from __future__ import annotations

import contextlib
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mwaa_magic.emulator.pytest_plugin import RunningEmulator, start_emulator

HEAVY = ("boto3", "botocore", "httpx", "ipywidgets", "tornado")


@contextlib.contextmanager
def emulator(with_airflow: bool = True):
    """Start a fresh emulator, point boto3/mwaa_magic of this process (and its children) at it, stop it after."""
    print("starting the MWAA emulator ...", flush=True)
    started = time.perf_counter()
    running: RunningEmulator = start_emulator(config=None, with_airflow=with_airflow)
    try:
        print(f"emulator ready in {time.perf_counter() - started:.1f} s", flush=True)
        os.environ.clear()
        os.environ.update(running.client_env())
        yield running
    finally:
        running.stop()


@contextlib.contextmanager
def environ(settings: dict[str, str]):
    """Set environment variables for the duration of a block, then put the old values back."""
    saved = {k: os.environ.get(k) for k in settings}
    os.environ.update(settings)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def bytecode_env(env: dict | None = None) -> dict[str, str]:
    """``env`` for children that use compiled bytecode, as an installed wheel would (cached in a temp folder,
    even when PYTHONDONTWRITEBYTECODE is set here); run each child once first to warm the cache."""
    env = {k: v for k, v in (env or os.environ).items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="bench-pyc-")
    return env


def run_python(code: str, env: dict | None = None) -> tuple[float, float, str]:
    """Run ``python -c code`` in a fresh process: (wall seconds, CPU seconds, stdout)."""
    cpu_before = _children_cpu()
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - started
    if done.returncode:
        raise RuntimeError(f"subprocess failed:\n{done.stderr[-3000:]}")
    return elapsed, _children_cpu() - cpu_before, done.stdout


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def ms(values: list[float]) -> float:
    """Median of seconds, in milliseconds."""
    return statistics.median(values) * 1000


def rss_mb(pid: int) -> float:
    """Resident set size of one process, in MB (psutil when installed, else /proc)."""
    try:
        import psutil

        return psutil.Process(pid).memory_info().rss / 1e6
    except ImportError:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024 / 1e6
    raise RuntimeError(f"no RSS for pid {pid}")


def verdict(ok: bool) -> str:
    return "OK" if ok else "MISSED"
