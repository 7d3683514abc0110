"""Time from ``scripts/quickstart`` in a fresh clone to JupyterLab serving quickstart.ipynb, cold and warm.

The clone is of this repository's HEAD (commit first), in a temporary folder with its own ``.venv``.
Cold: empty caches — uv's (``UV_CACHE_DIR``), pip's (``PIP_CACHE_DIR``), npm's (``npm_config_cache``) and the
emulator's (``MWAA_EMULATOR_CACHE``: both Airflow venvs installed) — and nothing installed (no ``.venv``, no built
lab extension). With ``--warm-airflow`` the emulator's cache holds this machine's installed Airflow releases
(links to ``~/.cache/mwaa-magic``'s; say so when quoting the number). Warm: the same clone run again (package,
Airflow venvs and caches in place). The clock stops when Lab's printed URL opens the notebook
(``/lab/tree/quickstart.ipynb``) and that page answers 200. Goals: cold <= 75 s, warm <= 20 s.

    python bench/quickstart.py [--cold] [--warm] [--warm-airflow]   (default: cold and warm; --warm alone first
                                                                    runs it once, untimed)
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GOALS = {"cold": 75, "warm": 20}
LOGS = REPO / "test-output"
LAB_URL = re.compile(r"(http://127\.0\.0\.1:\d+)/lab/tree/quickstart\.ipynb\?token=(\w+)")


def time_quickstart(clone: Path, env: dict[str, str], name: str, timeout: float = 900) -> float:
    """Seconds from starting ``scripts/quickstart`` in ``clone`` to Lab serving the notebook; then stop it.
    Every output line, with its time, goes to test-output/bench-quickstart-NAME.log (where the time goes)."""
    LOGS.mkdir(parents=True, exist_ok=True)
    log = (LOGS / f"bench-quickstart-{name}.log").open("w")
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(clone / "scripts" / "quickstart")],
        cwd=clone,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    tail: list[str] = []
    try:
        for line in process.stdout:  # type: ignore[union-attr]
            tail = [*tail[-30:], line]
            log.write(f"{time.perf_counter() - started:6.1f} {line}")
            if line.startswith("==> "):
                print(f"  {time.perf_counter() - started:6.1f} s {line.rstrip()}", flush=True)
            if match := LAB_URL.search(line):
                base, token = match.groups()
                _check_lab(base, token)
                return time.perf_counter() - started
            if time.perf_counter() - started > timeout:
                break
        raise RuntimeError("JupyterLab did not start")
    except Exception:
        print("".join(tail), flush=True)  # now: removing the clone and caches afterwards takes a while
        raise
    finally:
        log.close()
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(60)


def _check_lab(base: str, token: str, timeout: float = 300) -> None:
    """Lab's root redirects to the quickstart notebook, and that page is served (once Lab accepts connections:
    it prints its URL just before)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{base}/?token={token}", timeout=timeout) as response:
                if not response.url.startswith(f"{base}/lab/tree/quickstart.ipynb") or response.status != 200:
                    raise RuntimeError(f"Lab opened {response.url} ({response.status}), not quickstart.ipynb")
                return
        except urllib.error.URLError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def link_airflow_releases(cache: Path) -> None:
    """``cache`` holds links to this machine's installed Airflow releases (venvs and their database templates)."""
    installed = Path.home() / ".cache" / "mwaa-magic"
    for venv in installed.glob("airflow-*"):
        (cache / venv.name).symlink_to(venv)
    (cache / "templates").mkdir(parents=True, exist_ok=True)
    for template in (installed / "templates").glob("*"):
        (cache / "templates" / template.name).symlink_to(template)


def main(modes: list[str], warm_airflow: bool = False) -> None:
    with tempfile.TemporaryDirectory(prefix="mwaa-bench-quickstart-") as tmp:
        root = Path(tmp)
        subprocess.run(["git", "clone", "-q", str(REPO), str(root / "clone")], check=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MWAA_", "UV_"))}
        for name in ("VIRTUAL_ENV", "PYTHONPATH"):  # the clone makes and uses its own .venv
            env.pop(name, None)
        env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if not p.startswith(sys.prefix))
        env.update(
            BROWSER="true",  # JupyterLab opens no browser here
            UV_CACHE_DIR=str(root / "uv-cache"),
            PIP_CACHE_DIR=str(root / "pip-cache"),
            npm_config_cache=str(root / "npm-cache"),
            MWAA_EMULATOR_CACHE=str(root / "emulator-cache"),
            MWAA_MAGIC_NOTEBOOKS=str(root / "notebooks"),
        )
        (root / "emulator-cache").mkdir()
        if warm_airflow:
            link_airflow_releases(root / "emulator-cache")
        if modes == ["warm"]:
            time_quickstart(root / "clone", env, "first")
        for mode in modes:
            seconds = time_quickstart(root / "clone", env, mode)
            goal = GOALS[mode]
            airflow = " (Airflow releases already installed)" if warm_airflow and mode == "cold" else ""
            print(
                f"{mode:5s}{airflow} scripts/quickstart -> JupyterLab on quickstart.ipynb: {seconds:6.1f} s (goal <= {goal} s: "
                f"{'OK' if seconds <= goal else 'MISSED'}); load average {os.getloadavg()[0]:.1f}",
                flush=True,
            )


if __name__ == "__main__":
    flags = [a.lstrip("-") for a in sys.argv[1:]]
    main([f for f in flags if f in GOALS] or ["cold", "warm"], warm_airflow="warm-airflow" in flags)
