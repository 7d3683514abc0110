"""One real Airflow release (api-server or webserver + scheduler) on loopback, shared by environments."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from .airflow_env import airflow_environment, free_port, template_dir, venv_dir
from .history import HISTORY_DB, history_reference, move_to_now, write_logs
from .releases import recipe

ROLE_USERS = {"Admin": "admin", "Op": "op", "User": "user", "Viewer": "viewer", "Public": "viewer"}
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _jwt_expiry(token: str) -> float:
    try:
        payload = token.split(".")[1]
        return float(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["exp"])
    except (IndexError, KeyError, ValueError):
        return time.time() + 3600


class AirflowBackend:
    """A real Airflow of one release, started in ``workdir``; each process in its own process group."""

    dags_dir: Path | None = None  # its DAG folder (the emulator's S3 sync fills it); None: the bundled samples
    rescan_interval: float | None = None  # seconds between scans of the DAG folder (None: the defaults below)

    plugins_dir: Path | None = None  # its plugins folder (an applied plugins.zip); None: Airflow's default

    def __init__(
        self, version: str, workdir: Path, cache_dir: Path | None = None, history: bool = True, venv: Path | None = None
    ) -> None:
        self.version = version
        self._venv = venv  # an environment's own venv (install.environment_venv); None: the release's
        # signs Airflow's sessions and JWTs: an environment's new Airflow takes its old one's (logins survive an update)
        self.secret = secrets.token_hex(32)
        self.history = history  # start with the sample DAGs' last days (when the install seeded them)
        self.release = recipe(version)  # everything that differs between releases (releases.py)
        self.major = self.release.major
        self.workdir = Path(workdir)
        self.cache_dir = cache_dir
        self.port = 0
        self.procs: dict[str, subprocess.Popen] = {}
        self._env: dict[str, str] = {}
        self._passwords: dict[str, str] = {}
        self._creds: dict[str, tuple[str, str, float]] = {}  # role -> (cookie name, value, expires_at)
        self._lock = asyncio.Lock()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_prefix(self) -> str:
        return self.release.line.api_prefix

    @property
    def venv(self) -> Path:
        return self._venv or venv_dir(self.version, self.cache_dir)

    def start(self) -> None:
        """Copy the template DB, write the config and spawn the processes; returns at once."""
        template = template_dir(self.version, self.cache_dir)
        if not (template / "airflow.db").is_file():
            raise RuntimeError(f"Airflow {self.version} is not installed: run `python -m mwaa_magic.emulator install`")
        home = self.workdir / "home"
        (self.workdir / "logs").mkdir(parents=True, exist_ok=True)
        home.mkdir(parents=True, exist_ok=True)
        db = self.workdir / "airflow.db"
        self._copy_database(template, db, home / "logs")
        self._passwords = json.loads((template / "users.json").read_text())
        self.port = self.port or free_port()
        self._env = airflow_environment(self.version, home, db, self.port, self.secret, self.cache_dir, venv=self._venv)
        self._env.update(self.dag_folder_settings())
        if self.plugins_dir:
            self._env["AIRFLOW__CORE__PLUGINS_FOLDER"] = str(self.plugins_dir)
        if self.release.line.login == "token":  # SimpleAuthManager: passwords from a file, new at each start
            self._passwords = {name: secrets.token_urlsafe(12) for name in self._passwords}
            (home / "passwords.json").write_text(json.dumps(self._passwords))
        for name, argv in self.commands().items():
            log = open(self.workdir / "logs" / f"{name}.log", "ab")  # noqa: SIM115 - the process keeps it open
            self.procs[name] = subprocess.Popen(
                [str(self.venv / "bin" / "airflow"), *argv],
                env=self._env,
                cwd=self.workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
            log.close()

    def dag_folder_settings(self) -> dict[str, str]:
        """Where Airflow reads DAGs and how often it looks for new, changed and deleted files.

        Changed files are parsed again at the next scan whatever ``min_file_process_interval`` says: both
        majors sort by modification time (``file_parsing_sort_mode = modified_time``) and take changed files first.
        """
        settings = {"AIRFLOW__CORE__DAGS_FOLDER": str(self.dags_dir)} if self.dags_dir else {}
        if self.rescan_interval is not None:
            every = str(max(1, round(self.rescan_interval)))
            settings.update(dict.fromkeys(self.release.line.rescan_variables, every))
        return settings

    def _copy_database(self, template: Path, db: Path, task_logs: Path) -> None:
        """The template's database; with ``history``, the one holding the sample DAGs' last days, moved to now."""
        reference = history_reference(template) if self.history else None
        if reference is None:
            shutil.copyfile(template / "airflow.db", db)
            return
        shutil.copyfile(template / HISTORY_DB, db)
        move_to_now(db, reference, datetime.now(UTC))
        write_logs(db, task_logs, airflow3=self.release.line.structured_logs)

    def commands(self) -> dict[str, list[str]]:
        """The Airflow processes to run (``airflow`` arguments by name), from the release's recipe."""
        return self.release.commands(self.port)

    async def wait_ready(self, timeout: float = 90.0) -> None:
        """Wait until the web server answers its health check; raise if a process died or on timeout."""
        url = self.base_url + self.release.line.health_path
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(timeout=2.0) as client:
            while time.monotonic() < deadline:
                for name, proc in self.procs.items():
                    if proc.poll() is not None:
                        raise RuntimeError(
                            f"airflow {self.version} {name} exited ({proc.returncode}); "
                            f"the end of its log:\n{self.log_tail(name)}"
                        )
                try:
                    if (await client.get(url)).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.2)
        web = self.release.line.web
        raise TimeoutError(
            f"Airflow {self.version} not ready after {timeout:.0f} s; the end of its {web}'s log:\n{self.log_tail(web)}"
        )

    def log_tail(self, process: str, lines: int = 15) -> str:
        """The last lines of a process's log (its folder goes with the emulator's working directory)."""
        try:
            return "\n".join((self.workdir / "logs" / f"{process}.log").read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def pids(self) -> list[int]:
        """Every live process of this backend (process-group leaders and their descendants)."""
        groups = {p.pid for p in self.procs.values() if p.poll() is None}
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if os.getpgid(int(entry.name)) in groups:
                        found.append(int(entry.name))
                except ProcessLookupError:
                    pass
        return found

    def stop(self, grace: float = 5.0) -> None:
        """SIGTERM every process group started, SIGKILL what is left after ``grace`` seconds."""
        groups = [p.pid for p in self.procs.values()]
        for pgid in groups:
            _killpg(pgid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            for proc in self.procs.values():
                proc.poll()
            if not any(_group_alive(g) for g in groups):
                break
            time.sleep(0.1)
        for pgid in groups:
            _killpg(pgid, signal.SIGKILL)
        for proc in self.procs.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
        self.procs.clear()
        self._creds.clear()

    async def login(self, role: str, fresh: bool = False) -> tuple[str, str]:
        """(cookie name, value) of a fresh or cached Airflow credential for a user with ``role``."""
        user = ROLE_USERS.get(role)
        if user is None:
            raise ValueError(f"unknown Airflow role {role!r}")
        cached = self._creds.get(role)
        if not fresh and cached and cached[2] > time.time() + 60:
            return cached[0], cached[1]
        async with httpx.AsyncClient(base_url=self.base_url, timeout=30.0) as client:
            if self.release.line.login == "token":
                resp = await client.post("/auth/token", json={"username": user, "password": self._passwords[user]})
                resp.raise_for_status()
                token = resp.json()["access_token"]
                cred = (self.release.line.front.cookie_name, token, _jwt_expiry(token))
            else:
                page = await client.get("/login/")
                match = _CSRF.search(page.text)
                if not match:
                    raise RuntimeError("Airflow 2 login page has no csrf_token")
                resp = await client.post(
                    "/login/", data={"username": user, "password": self._passwords[user], "csrf_token": match.group(1)}
                )
                cookie = self.release.line.front.cookie_name
                session = resp.cookies.get(cookie) or client.cookies.get(cookie)
                if resp.status_code != 302 or not session or "/login" in resp.headers.get("location", ""):
                    raise RuntimeError(f"Airflow 2 login of {user} failed ({resp.status_code})")
                cred = (cookie, session, time.time() + 23 * 3600)
        if not fresh or role not in self._creds:
            self._creds[role] = cred
        return cred[0], cred[1]

    def auth_headers(self, name: str, value: str) -> dict[str, str]:
        """Request headers carrying a credential from ``login``."""
        return {"Authorization": f"Bearer {value}"} if self.release.line.front.bearer else {"Cookie": f"{name}={value}"}

    async def rest_call(
        self, role: str, method: str, path: str, query: dict | None = None, body: object = None, timeout: float = 10.0
    ) -> tuple[int, object]:
        """Call Airflow's REST API (``path`` relative to the line's ``api_prefix``) as a user with ``role``."""
        url = self.base_url + self.api_prefix + "/" + path.lstrip("/")
        for attempt in (0, 1):
            name, value = await self.login(role, fresh=attempt == 1)
            if attempt:
                self._creds[role] = (name, value, time.time() + 3600)
            async with httpx.AsyncClient(timeout=timeout) as client:
                resp = await client.request(
                    method.upper(),
                    url,
                    params=query or None,
                    json=body if body is not None else None,
                    headers=self.auth_headers(name, value),
                )
            if resp.status_code != 401:
                break
        try:
            return resp.status_code, resp.json()
        except ValueError:
            return resp.status_code, resp.text

    async def run_cli(self, argv: list[str], timeout: float = 60.0) -> tuple[int, bytes, bytes]:
        """Run ``airflow <argv>`` in the venv with this backend's environment (no shell)."""
        proc = await asyncio.create_subprocess_exec(
            str(self.venv / "bin" / "airflow"),
            *argv,
            cwd=self.workdir,
            env={**self._env, "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING"},  # command output only, as MWAA gives it
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
        )
        try:
            out, err = await asyncio.wait_for(proc.communicate(), timeout)
        except TimeoutError:
            _killpg(proc.pid, signal.SIGKILL)
            out, err = await proc.communicate()
            return 124, out, err + b"\ncommand timed out"
        return proc.returncode or 0, out, err

    async def seed_dag_runs(self, dag_id: str, count: int) -> None:
        """Insert ``count`` finished (success) runs of ``dag_id`` straight into the metadata DB."""
        script = Path(__file__).with_name("_seed_runs.py")
        proc = await asyncio.create_subprocess_exec(
            str(self.venv / "bin" / "python"),
            str(script),
            dag_id,
            str(count),
            env=self._env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
        )
        out, err = await proc.communicate()
        if proc.returncode:
            raise RuntimeError(f"seeding runs failed: {err.decode()[-2000:]}")


def _killpg(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
