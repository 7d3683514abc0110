"""Create the Airflow venvs and migrated template databases the emulator runs (`install` command)."""

from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .airflow_env import airflow_environment, base_env, cache_root, template_dir, venv_dir
from .history import HISTORY_DB, HISTORY_META, SEED_SCRIPT, history_reference, reference_time
from .releases import Release, recipe
from .requirements_file import Line, RequirementsError, one_line, pins, requirement_lines

MARKER = ".mwaa-emulator.json"
ENV_MARKER = ".mwaa-environment.json"  # an environment venv's: written last, once it is complete
INSTALL_TIMEOUT = 900  # seconds for one uv step of an environment venv (downloads of big wheels included)
OFFLINE_MISS = (  # uv --offline lacking a package: its metadata, or (metadata cached by a compile) its wheel
    "network was disabled",
    "not found in the cache",
    "Network connectivity is disabled",
)
ROLES = ("Admin", "Op", "User", "Viewer")


def is_installed(version: str, cache_dir: Path | None = None) -> bool:
    """Whether ``version``'s venv and template are complete and were installed by today's recipe (an install
    made with other constraints or providers, e.g. before MWAA's, is redone)."""
    marker = venv_dir(version, cache_dir) / MARKER
    if not (marker.is_file() and (template_dir(version, cache_dir) / "airflow.db").is_file()):
        return False
    try:
        return json.loads(marker.read_text()).get("recipe") == fingerprint(recipe(version))
    except (OSError, ValueError, AttributeError):
        return False


def fingerprint(release: Release) -> str:
    """What an install of ``release`` depends on: its requirements, pins and constraints files' contents."""
    digest = hashlib.sha256("\n".join([*release.requirements, "--", *release.pins]).encode())
    for path in release.constraints:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


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
    release = recipe(version)  # MWAA's constraints and providers (releases.py, mwaa_images/)
    python = pick_python(run, release)
    _create_venv(run, venv, uv, python)
    _install_requirements(run, venv, release, uv)  # one resolution: MWAA's constraints, providers, pins
    if not reports_version(venv, version):
        raise RuntimeError(f"airflow {version}: installed, but `airflow version` does not report it")
    make_template(run, cache_dir)
    _make_history(run, cache_dir)
    marker = {"version": version, "recipe": fingerprint(release), "python": _python_version(python)}
    (venv / MARKER).write_text(json.dumps({**marker, "timings": run.timings}, indent=1))
    run.say(f"ready in {venv} ({sum(run.timings.values()):.1f} s)")
    return venv


def environment_venv(
    version: str, requirements_text: str, cache_dir: Path | None = None, say: Callable[[str], None] | None = None
) -> Path:
    """A venv of Airflow ``version`` with ``requirements_text`` (a requirements.txt) installed as MWAA installs
    it: on top of the release's own packages (the same versions: its venv's freeze, synced from uv's cache),
    with MWAA's constraints files and the release's pins. The release venv itself (shared by every environment
    on ``version``) is returned for a file without requirements and never changed. Cached by content under
    ``<cache>/envs/``; two processes building the same one wait for each other (a lock). RequirementsError in
    one line: a line that cannot be checked, a conflict or a missing package naming the requirement."""
    lines = requirement_lines(requirements_text, version)  # bad lines fail before anything is built
    base = venv_dir(version, cache_dir)
    if not is_installed(version, cache_dir):
        raise RequirementsError(
            f"Airflow {version} is not installed here: python -m mwaa_magic.emulator install --versions {version}"
        )
    if not lines:
        return base
    release = recipe(version)
    digest = hashlib.sha256(f"{fingerprint(release)}\n{(base / MARKER).stat().st_mtime_ns}".encode())
    digest.update("\n".join(sorted(line.text for line in lines)).encode())
    key = digest.hexdigest()[:16]
    target = cache_root(cache_dir) / "envs" / f"airflow-{version}-{key}"
    if _env_complete(target, key):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with _locked(target.with_name(target.name + ".lock")):
        if not _env_complete(target, key):  # another process may have built it meanwhile
            _build_env(target, base, release, lines, say or (lambda text: None))
            (target / ENV_MARKER).write_text(
                json.dumps({"version": version, "key": key, "requirements": [line.text for line in lines]})
            )
    return target


def essential_pins(release: Release) -> dict[str, str]:
    """MWAA's essential constraints of ``release`` (no requirements.txt overrides them), by canonical name."""
    path = release.data / "mwaa_essential_constraints.txt"
    return pins(path) if path.is_file() else {}


def _env_complete(target: Path, key: str) -> bool:
    try:
        return json.loads((target / ENV_MARKER).read_text()).get("key") == key
    except (OSError, ValueError, AttributeError):
        return False


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` (created) while the block runs: other processes wait for it."""
    import fcntl

    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _build_env(target: Path, base: Path, release: Release, lines: list[Line], say: Callable[[str], None]) -> None:
    """``target``: a venv of ``base``'s interpreter and packages, then ``lines`` installed with MWAA's constraints
    and the release's requirements (resolved again, so nothing they need can move). Removed on failure."""
    uv = find_uv()
    if not uv:
        raise RequirementsError("an environment's requirements are installed with uv: pip install uv")
    shutil.rmtree(target, ignore_errors=True)
    python = str(target / "bin" / "python")
    start = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="mwaa-envvenv-") as tmp:
            frozen, wanted, pins = (Path(tmp) / name for name in ("release.txt", "requirements.txt", "pins.txt"))
            freeze = _uv([uv, "pip", "freeze", "--python", str(base / "bin" / "python")])
            frozen.write_text(freeze.stdout)
            wanted.write_text("\n".join(line.text for line in lines) + "\n")
            pins.write_text("\n".join(release.pins) + "\n")
            _uv([uv, "venv", "--quiet", "--python", str(base / "bin" / "python"), str(target)])
            _uv([uv, "pip", "sync", "--quiet", "--python", python, str(frozen)])
            say(f"airflow {release.version}: release packages in {time.monotonic() - start:.1f} s")
            constraints = [arg for path in release.constraints for arg in ("--constraint", str(path))]
            overrides = ["--override", str(pins)] if release.pins else []
            argv = [uv, "pip", "install", "--python", python, *constraints, *overrides, *release.requirements]
            done, _ = uv_offline_first([*argv, "-r", str(wanted)])
            if done.returncode != 0:
                raise one_line(done.stderr or done.stdout, lines, essential_pins(release))
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    say(f"airflow {release.version}: requirements installed in {time.monotonic() - start:.1f} s")


def uv_offline_first(
    argv: list[str], refresh: bool = False, timeout: float = INSTALL_TIMEOUT
) -> tuple[subprocess.CompletedProcess[str], bool]:
    """A uv resolution (``uv pip install``/``compile`` argv) from uv's cache alone first (``--offline``: no
    registry round trips), then with the package registry when the cache lacks a package, or at once with
    ``refresh``: (its result, whether the registry was asked)."""
    if not refresh:
        done = _uv([*argv, "--offline"], check=False, timeout=timeout)
        if done.returncode == 0 or not any(miss in done.stderr for miss in OFFLINE_MISS):
            return done, False
    return _uv(argv, check=False, timeout=timeout), True


def _uv(argv: list[str], check: bool = True, timeout: float = INSTALL_TIMEOUT) -> subprocess.CompletedProcess[str]:
    """Run one uv step; RequirementsError in one line when it fails (``check``) or runs out of time."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, env=uv_env(), timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RequirementsError(f"uv {argv[1]} took more than {timeout:.0f} s (a slow package index?)") from None
    if check and done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines() or ["no output"]
        raise RequirementsError(f"uv {' '.join(argv[1:3])} failed: {lines[-1].strip()}")
    return done


def find_uv() -> str | None:
    """The ``uv`` executable (the ``uv`` package's, else one on PATH), or None: then venv and pip are used."""
    try:
        import uv

        return uv.find_uv_bin()
    except (ImportError, FileNotFoundError):
        return shutil.which("uv")


def pick_python(run: Installation, release: Release) -> str:
    """The interpreter of the Python minor MWAA's image runs for ``release`` with the newest patch found here (this
    one, ``pythonX.Y`` on PATH, pyenv's X.Y.*): the nearest to MWAA's, whose markers pick the same packages (a
    3.11.2 installs ``async-timeout``, which MWAA's 3.11.9 does not); else this one, said in one line."""
    wanted = ".".join(release.python.split(".")[:2])
    if not wanted:
        return sys.executable
    pyenv = os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    found = glob.glob(f"{pyenv}/versions/{wanted}.*/bin/python{wanted}")
    versions = {c: _python_version(c) for c in dict.fromkeys([sys.executable, shutil.which(f"python{wanted}"), *found]) if c}
    matching = {c: v for c, v in versions.items() if v.startswith(wanted + ".")}
    if matching:
        return max(matching, key=lambda c: tuple(int(p) if p.isdigit() else -1 for p in matching[c].split(".")))
    run.say(f"MWAA runs it on Python {release.python}; no Python {wanted} here: installing for {_python_version(sys.executable)}")
    return sys.executable


def _patch(path: str) -> int:
    """The patch number in ``.../versions/3.12.10/bin/python3.12`` (10), for picking pyenv's newest."""
    release = Path(path).parent.parent.name.split(".")
    return int(release[2]) if len(release) > 2 and release[2].isdigit() else -1


def _python_version(python: str) -> str:
    """``3.12.1`` for the interpreter at ``python`` ("" when it does not run: a pyenv shim of another version)."""
    try:
        out = subprocess.run(
            [python, "-c", "import platform; print(platform.python_version())"], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""


def _create_venv(run: Installation, venv: Path, uv: str | None, python: str) -> None:
    if uv:
        run.step("uv venv", [uv, "venv", "--quiet", "--clear", "--python", python, str(venv)], uv_env())
    else:
        run.step("venv", [python, "-m", "venv", "--clear", str(venv)])


def _install_requirements(run: Installation, venv: Path, release: Release, uv: str | None) -> None:
    """``release``'s requirements with MWAA's constraints files; its pins as uv overrides (pip: requirements)."""
    python = str(venv / "bin" / "python")
    constraints = [arg for path in release.constraints for arg in ("--constraint", str(path))]
    if uv and not (venv / "bin" / "pip").exists():  # a venv uv made (pip's venvs keep pip)
        with tempfile.NamedTemporaryFile("w", suffix=".txt", prefix="mwaa-pins-") as pins:
            pins.write("\n".join(release.pins) + "\n")
            pins.flush()
            overrides = ["--override", pins.name] if release.pins else []
            argv = [uv, "pip", "install", "--quiet", "--python", python, *constraints, *overrides, *release.requirements]
            run.step("uv pip install", argv, uv_env())
    else:
        argv = [python, "-m", "pip", "install", "-q", "--disable-pip-version-check", *constraints]
        run.step("pip install", [*argv, *release.requirements, *release.pins])


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
                timeout=300,  # the first run compiles every module (uv writes no .pyc): minutes on a busy machine
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
        for stale in (HISTORY_META, HISTORY_DB):  # seeded from the template this one replaces: its users are gone
            (target / stale).unlink(missing_ok=True)
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
