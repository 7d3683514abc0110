"""The orchestrator: control plane, one web server per environment, real Airflow behind them."""

from __future__ import annotations

import asyncio
import errno
import secrets
import shlex
import sys
import tempfile
from pathlib import Path
from typing import Any

import tornado.httpserver
import tornado.netutil
import tornado.web

from ..core.addresses import WEBSERVER_URLS_VARIABLE
from .admin import ADMIN_FILE_VARIABLE, AdminHandler, S3AdminHandler
from .config import EmulatorConfig, EnvironmentConfig, is_loopback
from .control_plane import NO_S3_PATH, ControlState, make_control_app
from .fronts import Fronts
from .guard import guarded, host_values
from .knobs import Knobs
from .sts import sts_routes
from .tokens import TokenSigner
from .updates import Updates


class StartError(Exception):
    """The emulator cannot start (a port in use...): the message says why and what to do, in one line."""


class PortInUse(StartError):
    """A port the configuration names is taken."""


def _bind_error(host: str, port: int, what: str, exc: OSError) -> StartError:
    if exc.errno == errno.EADDRINUSE:
        return PortInUse(
            f"port {port} on {host} ({what}) is in use: start on free ports with "
            f"`python -m mwaa_magic.emulator up --port 0`, or stop the emulator using it with "
            f"`python -m mwaa_magic.emulator down`"
        )
    return StartError(f"cannot listen on {host}:{port} ({what}): {exc.strerror or exc}")


class Emulator:
    """A local MWAA. ``await start()``, read ``settings()``, ``await stop()``."""

    def __init__(
        self,
        config: EmulatorConfig,
        workdir: Path | None = None,
        cache_dir: Path | None = None,
        with_airflow: bool = True,
        with_history: bool = True,
        admin_secret: str | None = None,
        admin_file: Path | None = None,
    ) -> None:
        self.config = config
        self.admin_secret = admin_secret or secrets.token_urlsafe(32)  # the admin API's bearer token
        self.admin_file = admin_file  # where `up` writes it (exported as MWAA_EMULATOR_ADMIN_FILE)
        self.knobs = Knobs()
        self.signer = TokenSigner()
        self.with_airflow = with_airflow
        self.with_history = with_history  # the sample DAGs' last days of runs, when the install seeded them
        self.cache_dir = cache_dir
        self._tmp = None if workdir else tempfile.TemporaryDirectory(prefix="mwaa-emulator-")
        self.workdir = Path(workdir) if workdir else Path(self._tmp.name)  # type: ignore[union-attr]
        self.backends: dict = {}  # Airflow release -> AirflowBackend
        self.sessions: Any = None  # webserver.SessionBook shared by the web servers (once Airflow runs)
        self.web_urls: dict[tuple[str, str], str] = {}  # (region, name) -> base URL
        self.control_url = ""
        self._servers: list[tornado.httpserver.HTTPServer] = []
        self.s3: Any = None  # s3.S3World: the environments' buckets (moto on loopback)
        self.dag_sync: Any = None  # s3.DagSync: bucket DAG prefixes -> the Airflow DAG folders
        self.fronts = Fronts(config.host)  # hostile web-server addresses (doctor's failures)
        self.web_apps: dict[tuple[str, str], tornado.web.Application] = {}  # (region, name) -> its web server
        self.updates = Updates(self)  # UpdateEnvironment: environments on an Airflow of their own

    # --- life cycle ----------------------------------------------------------------------------
    async def start(self, ready_timeout: float = 180.0) -> None:
        """Listen on every port first, then start Airflow; on any failure stop what was started and re-raise."""
        if not is_loopback(self.config.host):
            print(
                f"mwaa_magic.emulator: warning: listening on {self.config.host}, not loopback: other machines "
                "may reach the control plane and the web servers",
                file=sys.stderr,
                flush=True,
            )
        try:
            self._start_s3()
            state = ControlState(
                self.config,
                self.signer,
                self.knobs,
                rest_call=self._rest_call,
                environment_fields=self._environment_fields,
                update_environment=self.updates.start,
            )
            app = make_control_app(
                state,
                [
                    (r"/_emulator/s3", S3AdminHandler, {"emulator": self}),
                    (r"/_emulator/([\w-]+)", AdminHandler, {"emulator": self}),
                    *sts_routes(state),
                ],
            )
            port = self._listen(app, self.config.port, "the control plane")
            self.control_url = f"http://{self.config.host}:{port}"
            self.fronts.start()
            if self.with_airflow:
                self._open_web_servers()
                for backend in self.backends.values():
                    backend.start()
                await asyncio.gather(*(b.wait_ready(ready_timeout) for b in self.backends.values()))
        except BaseException:
            await self.stop()
            raise

    def _open_web_servers(self) -> None:
        """One web server per AVAILABLE environment, in front of its (not yet started) Airflow backend."""
        from . import webserver
        from .airflow_backend import AirflowBackend

        for version in self.config.backend_versions():
            self.backends[version] = AirflowBackend(
                version, self.workdir / f"airflow-{version}", cache_dir=self.cache_dir, history=self.with_history
            )
            self.backends[version].dags_dir = self.dag_folder(version)
            self.backends[version].rescan_interval = self.config.dag_rescan_interval
        self.sessions = webserver.SessionBook(self.knobs)
        for env in self._available():
            app = webserver.make_web_app(env, self.backends[env.backend_version], self.signer, self.knobs, self.sessions)
            self.web_apps[(env.region, env.name)] = app
            port = self._listen(app, env.web_port, f"the web server of {env.name}", (env.hostname,))
            self.web_urls[(env.region, env.name)] = f"http://{self.config.host}:{port}"

    def _start_s3(self) -> None:
        """The buckets (moto on loopback), then the sync that fills each Airflow's DAG folder before it starts."""
        try:
            import moto  # noqa: F401
        except ImportError:
            print(
                "mwaa_magic.emulator: no S3 (the DAG loop needs it): pip install 'mwaa_magic[emulator]'",
                file=sys.stderr,
                flush=True,
            )
            return
        from .s3 import DagSync, S3World

        world = self.s3 = S3World(self.config, self.config.host, self.config.s3_port, self.admin_secret)
        try:
            world.start()
        except OSError as exc:
            raise _bind_error(self.config.host, self.config.s3_port, "S3", exc) from None
        world.knobs.sync_interval = self.config.dag_sync_interval
        if self.with_airflow:
            targets: dict[Path, list[EnvironmentConfig]] = {}
            for env in self._available():
                targets.setdefault(self.dag_folder(env.backend_version), []).append(env)
            self.dag_sync = DagSync(world, targets)
            self.dag_sync.start()

    def dag_folder(self, version: str) -> Path:
        """The DAG folder of the Airflow ``version`` (filled from the buckets of its environments)."""
        return self.workdir / f"airflow-{version}" / "dags"

    async def stop(self) -> None:
        """Stop listening and end every Airflow process; safe to call more than once."""
        await self.updates.stop()
        if self.dag_sync is not None:
            await asyncio.to_thread(self.dag_sync.stop)
        if self.s3 is not None:
            self.s3.stop()
        for server in self._servers:
            server.stop()
        self.fronts.stop()
        await asyncio.gather(*(asyncio.to_thread(b.stop) for b in self.backends.values()))
        if self._tmp:
            self._tmp.cleanup()

    def _listen(self, app: tornado.web.Application, port: int, what: str, names: tuple[str, ...] = ()) -> int:
        """Serve ``app`` on ``port`` (0: a free one) behind the guard (guard.py); a web server (``names``: its
        environment's hostname, which it answers to as well) lets browsers' cross-site requests through."""
        try:
            sockets = tornado.netutil.bind_sockets(port, self.config.host)
        except OSError as exc:
            raise _bind_error(self.config.host, port, what, exc) from None
        bound = sockets[0].getsockname()[1]
        front = guarded(app, host_values(bound, self.config.host, names, self.config.allowed_hosts), browsers=bool(names))
        server = tornado.httpserver.HTTPServer(front, xheaders=False)
        server.add_sockets(sockets)
        self._servers.append(server)
        return bound

    def _available(self) -> list[EnvironmentConfig]:
        return [e for e in self.config.environments if e.status == "AVAILABLE"]

    # --- what clients need -----------------------------------------------------------------------
    def settings(self, identity_index: int = 0) -> dict[str, str]:
        """The environment variables a client needs (standard AWS settings + the web-server address setting)."""
        identity = self.config.identities[identity_index]
        settings = {
            "AWS_ENDPOINT_URL_MWAA": self.control_url,
            "AWS_ENDPOINT_URL_STS": self.control_url,  # GetCallerIdentity (sts.py)
            "AWS_DISABLE_HOST_PREFIX_INJECTION": "true",
            "AWS_ACCESS_KEY_ID": identity.access_key_id,
            "AWS_SECRET_ACCESS_KEY": identity.secret_access_key,
            "AWS_DEFAULT_REGION": self.config.region,
            "AWS_REGION": self.config.region,
            "MWAA_EMULATOR_URL": self.control_url,
        }
        if self.s3 is not None:
            settings["AWS_ENDPOINT_URL_S3"] = self.s3.url  # an unmodified boto3.client("s3") reaches the buckets
        else:  # every S3 call gets "EmulatorWithoutS3", which core/aws_errors.py words as the install line
            settings["AWS_ENDPOINT_URL_S3"] = self.control_url + NO_S3_PATH
        if self.admin_file:
            settings[ADMIN_FILE_VARIABLE] = str(self.admin_file)
        if self.web_urls:
            settings[WEBSERVER_URLS_VARIABLE] = ",".join(
                f"{env.hostname}={self.web_urls[(env.region, env.name)]}"
                for env in self._available()
                if (env.region, env.name) in self.web_urls
            )
        return settings

    def admin_hosts(self) -> frozenset[str]:
        """The ``Host`` header values the admin API answers to: loopback names (or the configured host) and port."""
        return host_values(int(self.control_url.rsplit(":", 1)[-1]), self.config.host, allowed=self.config.allowed_hosts)

    def export_lines(self) -> str:
        return export_lines(self.settings())

    def describe(self) -> dict:
        return {
            "control_url": self.control_url,
            "region": self.config.region,
            "settings": self.settings(),
            "environments": [
                {
                    "name": e.name,
                    "region": e.region,
                    "status": self.knobs.status_of(e),
                    "airflow_version": e.airflow_version,
                    "backend_version": e.backend_version,
                    "hostname": e.hostname,
                    "webserver_access_mode": e.webserver_access_mode,
                    "web_url": self.web_urls.get((e.region, e.name)),
                }
                for e in self.config.environments
            ],
            "identities": [
                {
                    "access_key_id": i.access_key_id,
                    "secret_access_key": i.secret_access_key,
                    "iam_identity": i.iam_identity,
                    "roles": i.roles,
                    "deny": i.deny,
                }
                for i in self.config.identities
            ],
            "knobs": self.knobs.snapshot(),
            "s3": {
                "url": self.s3.url,
                **self.s3.knobs.snapshot(),
                "dag_folders": {v: str(self.dag_folder(v)) for v in self.backends},
                "own_dag_folders": {name: str(b.dags_dir) for (_, name), b in self.updates.own.items()},
            }
            if self.s3
            else None,
            "fronts": self.fronts.urls,
            "airflow_pids": sorted(
                pid for backend in [*self.backends.values(), *self.updates.own.values()] for pid in backend.pids()
            ),
        }

    # --- hooks used by the control plane and the admin API --------------------------------------
    def _environment_fields(self, env: EnvironmentConfig) -> dict:
        """GetEnvironment's fields beyond the configuration: S3's (applied versions) and LastUpdate."""
        return {**(self.s3.environment_fields(env) if self.s3 else {}), **self.updates.fields(env)}

    async def _rest_call(
        self, env: EnvironmentConfig, role: str, method: str, path: str, query: dict, body
    ) -> tuple[int, object]:
        backend = self.updates.backend_of(env)
        if backend is None:
            return 503, {"detail": "This emulator runs without Airflow (--no-airflow)."}
        return await backend.rest_call(role, method, path, query, body)

    def set_status(self, environment: str, status: str, region: str | None = None) -> None:
        """Make ``environment`` report ``status`` (its web server, if any, keeps running); ``reset`` undoes it."""
        matches = [e for e in self.config.environments if e.name == environment and region in (None, e.region)]
        if not matches:
            raise tornado.web.HTTPError(404, f"no environment {environment}")
        if len(matches) > 1:
            raise tornado.web.HTTPError(400, f"{environment} exists in several regions: name one")
        try:
            self.knobs.set_status(matches[0], status)
        except ValueError as exc:
            raise tornado.web.HTTPError(400, str(exc)) from None

    def expire_sessions(self) -> None:
        if self.sessions is not None:
            self.sessions.expire_all_sessions()

    async def seed_dag_runs(self, environment: str, dag_id: str, count: int) -> None:
        env = next((e for e in self._available() if e.name == environment), None)
        backend = self.updates.backend_of(env) if env else None
        if backend is None:
            raise tornado.web.HTTPError(404, f"no running environment {environment}")
        await backend.seed_dag_runs(dag_id, count)


def export_lines(settings: dict[str, str]) -> str:
    """Shell ``export NAME=value`` lines (quoted), as ``up`` and ``env`` print them."""
    return "\n".join(f"export {k}={shlex.quote(v)}" for k, v in settings.items())
