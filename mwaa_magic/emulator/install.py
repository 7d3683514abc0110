"""Create the Airflow venvs and migrated template databases the emulator runs (`install` command)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .airflow_env import airflow_environment, base_env, template_dir, venv_dir

MARKER = ".mwaa-emulator.json"
ROLES = ("Admin", "Op", "User", "Viewer")
# Pins installed after apache-airflow: plain pip picks releases newer than the Airflow release knows.
# Airflow 3.0.6 with fastapi 0.165 / cadwyn 9 answers 422 to the task runner's PATCH /execution/.../run.
EXTRA_REQUIREMENTS = {
    "3.0.6": ["fastapi==0.116.1", "cadwyn==5.4.4", "pydantic==2.11.7"],
}


def is_installed(version: str, cache_dir: Path | None = None) -> bool:
    marker = venv_dir(version, cache_dir) / MARKER
    return marker.is_file() and (template_dir(version, cache_dir) / "airflow.db").is_file()


def install(versions: list[str], cache_dir: Path | None = None) -> dict[str, Path]:
    """Install each Airflow version (venv + template DB) unless already complete, in parallel; return the venvs."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=max(1, len(versions))) as pool:
        venvs = list(pool.map(lambda v: _install_one(v, cache_dir), versions))
    return dict(zip(versions, venvs))


def _install_one(version: str, cache_dir: Path | None) -> Path:
    venv = venv_dir(version, cache_dir)
    if is_installed(version, cache_dir):
        print(f"airflow {version}: already installed in {venv}", flush=True)
        return venv
    timings: dict[str, float] = {}
    if not (venv / "bin" / "airflow").exists() or not _reports_version(venv, version):
        _step(timings, "venv", [sys.executable, "-m", "venv", "--clear", str(venv)])
        _step(timings, "pip", [str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
                               "--disable-pip-version-check", f"apache-airflow=={version}"])
        if not _reports_version(venv, version):
            raise RuntimeError(f"airflow {version}: installed, but `airflow version` does not report it")
    else:
        print(f"airflow {version}: reusing the venv {venv}", flush=True)
    if EXTRA_REQUIREMENTS.get(version):
        _step(timings, "pip pins", [str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
                                    "--disable-pip-version-check", *EXTRA_REQUIREMENTS[version]])
    _make_template(version, cache_dir, timings)
    (venv / MARKER).write_text(json.dumps({"version": version, "timings": timings}, indent=1))
    print(f"airflow {version}: ready in {venv} ({sum(timings.values()):.1f} s)", flush=True)
    return venv


def _reports_version(venv: Path, version: str) -> bool:
    try:
        out = subprocess.run([str(venv / "bin" / "airflow"), "version"], capture_output=True, text=True,
                             timeout=120, env={**base_env(), "AIRFLOW_HOME": tempfile.mkdtemp()})
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.returncode == 0 and out.stdout.strip().splitlines()[-1:] == [version]


def _make_template(version: str, cache_dir: Path | None, timings: dict[str, float]) -> None:
    target = template_dir(version, cache_dir)
    work = Path(tempfile.mkdtemp(prefix="mwaa-template-"))
    try:
        db = work / "airflow.db"
        env = airflow_environment(version, work / "home", db, port=0, secret="install", cache_dir=cache_dir)
        airflow = str(venv_dir(version, cache_dir) / "bin" / "airflow")
        _step(timings, "db migrate", [airflow, "db", "migrate"], env)
        _step(timings, "dags reserialize", [airflow, "dags", "reserialize"], env)
        users = {role.lower(): role.lower() + "-" + os.urandom(6).hex() for role in ROLES}
        if version.startswith("2."):
            _step(timings, "sync-perm", [airflow, "sync-perm"], env)  # creates the Op/User/Viewer roles
            for role in ROLES:
                name = role.lower()
                _step(timings, f"users create {name}", [
                    airflow, "users", "create", "--username", name, "--password", users[name], "--role", role,
                    "--firstname", role, "--lastname", "User", "--email", f"{name}@example.com"], env)
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(db, target / "airflow.db")
        (target / "users.json").write_text(json.dumps(users))
        os.chmod(target / "users.json", 0o600)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _step(timings: dict[str, float], name: str, argv: list[str], env: dict[str, str] | None = None) -> None:
    start = time.monotonic()
    done = subprocess.run(argv, capture_output=True, text=True, env=env or base_env())
    timings[name] = round(time.monotonic() - start, 2)
    print(f"  {name}: {timings[name]:.1f} s", flush=True)
    if done.returncode != 0:
        raise RuntimeError(f"{name} failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
