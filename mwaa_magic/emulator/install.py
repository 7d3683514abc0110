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
from .history import HISTORY_DB, HISTORY_META, SEED_SCRIPT, history_reference, reference_time
from .releases import recipe

MARKER = ".mwaa-emulator.json"
ROLES = ("Admin", "Op", "User", "Viewer")


def is_installed(version: str, cache_dir: Path | None = None) -> bool:
    marker = venv_dir(version, cache_dir) / MARKER
    return marker.is_file() and (template_dir(version, cache_dir) / "airflow.db").is_file()


def install(versions: list[str], cache_dir: Path | None = None) -> dict[str, Path]:
    """Install each Airflow version (venv + template DB) unless already complete, in parallel; return the venvs."""
    from concurrent.futures import ThreadPoolExecutor

    uv = find_uv()  # here, not in the threads: uv's lookup reads sysconfig, which is not thread-safe
    with ThreadPoolExecutor(max_workers=max(1, len(versions))) as pool:
        venvs = list(pool.map(lambda v: _install_one(v, cache_dir, uv), versions))
    return dict(zip(versions, venvs, strict=True))


def _install_one(version: str, cache_dir: Path | None, uv: str | None) -> Path:
    venv = venv_dir(version, cache_dir)
    run = Installation(version)
    if is_installed(version, cache_dir):
        run.say(f"already installed in {venv}")
        _make_history(run, cache_dir)  # installs from before the seeded history get it once
        return venv
    release = recipe(version)  # its pins (releases.py)
    requirements = release.requirements
    if not (venv / "bin" / "airflow").exists() or not reports_version(venv, version):
        _create_venv(run, venv, uv)
        _install_requirements(run, venv, requirements, uv)  # one resolution, pins included
        if not reports_version(venv, version):
            raise RuntimeError(f"airflow {version}: installed, but `airflow version` does not report it")
    else:
        run.say(f"reusing the venv {venv}")
        if release.pins:
            _install_requirements(run, venv, requirements, uv)
    make_template(run, cache_dir)
    _make_history(run, cache_dir)
    (venv / MARKER).write_text(json.dumps({"version": version, "timings": run.timings}, indent=1))
    run.say(f"ready in {venv} ({sum(run.timings.values()):.1f} s)")
    return venv


def find_uv() -> str | None:
    """The ``uv`` executable (the ``uv`` package's, else one on PATH), or None: then venv and pip are used."""
    try:
        import uv

        return uv.find_uv_bin()
    except (ImportError, FileNotFoundError):
        return shutil.which("uv")


def _create_venv(run: Installation, venv: Path, uv: str | None) -> None:
    if uv:
        run.step("uv venv", [uv, "venv", "--quiet", "--clear", "--python", sys.executable, str(venv)], uv_env())
    else:
        run.step("venv", [sys.executable, "-m", "venv", "--clear", str(venv)])


def _install_requirements(run: Installation, venv: Path, requirements: list[str], uv: str | None) -> None:
    python = str(venv / "bin" / "python")
    if uv and not (venv / "bin" / "pip").exists():  # a venv uv made (pip's venvs keep pip)
        run.step("uv pip install", [uv, "pip", "install", "--quiet", "--python", python, *requirements], uv_env())
    else:
        run.step("pip install", [python, "-m", "pip", "install", "-q", "--disable-pip-version-check", *requirements])


def uv_env() -> dict[str, str]:
    """The environment for uv: pip's index and certificate settings carried over (uv does not read them)
    unless uv's own are set."""
    env = base_env()
    for pip_name, uv_name in (
        ("PIP_INDEX_URL", "UV_DEFAULT_INDEX"),
        ("PIP_EXTRA_INDEX_URL", "UV_INDEX"),
        ("PIP_FIND_LINKS", "UV_FIND_LINKS"),
        ("PIP_CERT", "SSL_CERT_FILE"),
    ):
        if pip_name in env and uv_name not in env:
            env[uv_name] = env[pip_name]
    return env


def reports_version(venv: Path, version: str) -> bool:
    """Whether `airflow version` in ``venv`` answers ``version`` (in a throwaway AIRFLOW_HOME)."""
    with tempfile.TemporaryDirectory(prefix="mwaa-version-") as home:
        try:
            out = subprocess.run(
                [str(venv / "bin" / "airflow"), "version"],
                capture_output=True,
                text=True,
                timeout=120,
                env={**base_env(), "AIRFLOW_HOME": home},
            )
        except (OSError, subprocess.TimeoutExpired):
            return False
    return out.returncode == 0 and out.stdout.strip().splitlines()[-1:] == [version]


def make_template(run: Installation, cache_dir: Path | None) -> None:
    """The migrated database (DAGs serialized; Airflow 2: roles and users) and users.json of ``run.version``."""
    version = run.version
    target = template_dir(version, cache_dir)
    with tempfile.TemporaryDirectory(prefix="mwaa-template-") as tmp:
        work = Path(tmp)
        db = work / "airflow.db"
        env = airflow_environment(version, work / "home", db, port=0, secret="install", cache_dir=cache_dir)
        airflow = str(venv_dir(version, cache_dir) / "bin" / "airflow")
        run.step("db migrate", [airflow, "db", "migrate"], env)
        run.step("dags reserialize", [airflow, "dags", "reserialize"], env)
        users = {role.lower(): role.lower() + "-" + os.urandom(6).hex() for role in ROLES}
        if recipe(version).line.fab_users:  # the Op/User/Viewer roles and one user per role, in one process
            python = str(venv_dir(version, cache_dir) / "bin" / "python")
            run.step(
                "users",
                [python, str(Path(__file__).with_name("_create_users.py"))],
                env,
                stdin=json.dumps({role.lower(): [role, users[role.lower()]] for role in ROLES}),
            )
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(db, target / "airflow.db")
        (target / "users.json").write_text(json.dumps(users))
        os.chmod(target / "users.json", 0o600)


def _make_history(run: Installation, cache_dir: Path | None) -> None:
    """The template database with the sample DAGs' last days seeded (``history.HISTORY_DB``), unless present."""
    target = template_dir(run.version, cache_dir)
    if history_reference(target) is not None:
        return
    reference = reference_time()
    with tempfile.TemporaryDirectory(prefix="mwaa-history-") as tmp:
        db = Path(tmp) / "airflow.db"
        shutil.copyfile(target / "airflow.db", db)
        env = airflow_environment(run.version, Path(tmp) / "home", db, port=0, secret="install", cache_dir=cache_dir)
        python = str(venv_dir(run.version, cache_dir) / "bin" / "python")
        run.step("history", [python, str(SEED_SCRIPT), reference.isoformat()], env)
        (target / HISTORY_META).write_text(json.dumps({"reference": reference.isoformat()}))
        part = target / (HISTORY_DB + ".part")
        shutil.copyfile(db, part)
        os.replace(part, target / HISTORY_DB)  # whole or absent, for an emulator starting meanwhile


class Installation:
    """The steps of one Airflow version's install, timed; every line printed names the version (installs of
    several versions run in parallel and their lines interleave)."""

    def __init__(self, version: str) -> None:
        self.version = version
        self.timings: dict[str, float] = {}

    def say(self, text: str) -> None:
        print(f"airflow {self.version}: {text}", flush=True)

    def step(self, name: str, argv: list[str], env: dict[str, str] | None = None, stdin: str | None = None) -> None:
        """Run ``argv``; record and print its time; RuntimeError with its output's end if it fails."""
        start = time.monotonic()
        done = subprocess.run(argv, capture_output=True, text=True, env=env or base_env(), input=stdin)
        self.timings[name] = round(time.monotonic() - start, 2)
        self.say(f"{name}: {self.timings[name]:.1f} s")
        if done.returncode != 0:
            raise RuntimeError(
                f"airflow {self.version}: {name} failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
            )
