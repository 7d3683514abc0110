"""UpdateEnvironment with real effect: an environment's requirements.txt and plugins.zip in an Airflow of its own.

An environment starts on the Airflow its release shares with the other environments of that release. An
update reads the object versions it names from the environment's bucket, builds the environment's own venv
(``install.environment_venv``: the release venv is never changed), starts a new Airflow on it (its own DAG
folder, fed from the bucket; the plugins.zip unpacked as its plugins folder), waits until it answers, then
points the environment's web server and REST calls at it and stops the one it replaces (never the shared one).
Status: UPDATING, then AVAILABLE, or UPDATE_FAILED with ``LastUpdate.Error`` while the old Airflow keeps
serving (MWAA: "restored to its previous state ... and is ready to use"). Knobs: ``update_delay`` (seconds an
update lasts at least) and a fault on the operation ``UpdateInstall`` (the update fails with its code and
message). The error codes are the emulator's own: MWAA documents none.
"""

from __future__ import annotations

import asyncio
import io
import shutil
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .plugins_zip import outside
from .requirements_file import RequirementsError
from .s3 import PLUGINS, REQUIREMENTS, bucket_name

if TYPE_CHECKING:
    import tornado.web

    from .airflow_backend import AirflowBackend
    from .config import EmulatorConfig, EnvironmentConfig
    from .knobs import Knobs
    from .s3 import DagSync, S3World

READY_TIMEOUT = 240.0  # seconds a new Airflow of an environment has to answer its health check
Key = tuple[str, str]  # (region, environment name)


class Emulator(Protocol):
    """What updates need of the orchestrator (``server.Emulator``)."""

    config: EmulatorConfig
    knobs: Knobs
    backends: dict[str, AirflowBackend]  # the releases' shared Airflows
    web_apps: dict[tuple[str, str], tornado.web.Application]
    s3: S3World | None
    dag_sync: DagSync | None
    workdir: Path
    cache_dir: Path | None
    with_history: bool


class UpdateRefused(Exception):
    """An UpdateEnvironment request MWAA refuses at once (ValidationException)."""


@dataclass(frozen=True)
class Request:
    """What an update applies: the object versions of requirements.txt and plugins.zip (None: unchanged)."""

    requirements: str | None
    plugins: str | None


class Updates:
    """The updates of one emulator: each environment's last one, its own Airflow (if any), the one running."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.last: dict[Key, dict[str, Any]] = {}  # GetEnvironment's LastUpdate
        self.own: dict[Key, AirflowBackend] = {}  # environments on an Airflow of their own
        self.running: dict[Key, asyncio.Task] = {}
        self.count = 0  # numbers the working folders of the environments' Airflows

    # --- what the rest of the emulator asks ------------------------------------------------------
    def backend_of(self, env: EnvironmentConfig) -> AirflowBackend | None:
        """The Airflow serving ``env`` now: its own, else its release's shared one."""
        return self.own.get(_key(env)) or self.emulator.backends.get(env.backend_version)

    def fields(self, env: EnvironmentConfig) -> dict[str, Any]:
        """GetEnvironment's ``LastUpdate`` of ``env`` (nothing before its first update)."""
        last = self.last.get(_key(env))
        return {"LastUpdate": dict(last)} if last else {}

    # --- UpdateEnvironment -------------------------------------------------------------------------
    async def start(self, env: EnvironmentConfig, body: dict[str, Any]) -> None:
        """Check ``body`` (UpdateRefused in MWAA's words), then run the update in the background."""
        request = await asyncio.to_thread(self._check, env, body)
        knobs = self.emulator.knobs
        knobs.set_status(env, "UPDATING")
        self.last[_key(env)] = {"Status": "PENDING", "CreatedAt": time.time(), "Source": "UPDATE"}
        self.running[_key(env)] = asyncio.get_running_loop().create_task(self._run(env, request))

    def _check(self, env: EnvironmentConfig, body: dict[str, Any]) -> Request:
        if "AirflowVersion" in body and body["AirflowVersion"] != env.airflow_version:
            raise UpdateRefused("This emulator does not change an environment's Airflow version.")
        versions: dict[str, str | None] = {}
        for what, path_field, version_field, expected in (
            ("requirements.txt", "RequirementsS3Path", "RequirementsS3ObjectVersion", REQUIREMENTS),
            ("plugins.zip", "PluginsS3Path", "PluginsS3ObjectVersion", PLUGINS),
        ):
            path, version = body.get(path_field), body.get(version_field)
            if path is None and version is None:
                versions[what] = None
                continue
            if path is not None and path != expected:
                raise UpdateRefused(f"This emulator's environments keep their {what} at {expected}, not {path}.")
            if not version:
                raise UpdateRefused(f"{version_field} is required when the {what} file is updated.")
            self._read(env, expected, str(version))  # a version the bucket does not hold is refused now
            versions[what] = str(version)
        return Request(versions["requirements.txt"], versions["plugins.zip"])

    def _read(self, env: EnvironmentConfig, key: str, version: str) -> bytes:
        world = self.emulator.s3
        if world is None:
            raise UpdateRefused("This emulator runs without S3: it cannot read the files an update applies.")
        try:
            answer = world.client(env.region).get_object(Bucket=bucket_name(env), Key=key, VersionId=version)
        except Exception:
            raise UpdateRefused(f"Unable to read version {version} of s3://{bucket_name(env)}/{key}.") from None
        return answer["Body"].read()

    async def _run(self, env: EnvironmentConfig, request: Request) -> None:
        started, knobs = time.monotonic(), self.emulator.knobs
        try:
            fault = knobs.take_fault("UpdateInstall")
            if fault:
                raise _Failed(fault.error, fault.message)
            backend = await self._new_backend(env, request)
        except _Failed as failed:
            await self._wait_out(started)
            self._finish(env, "UPDATE_FAILED", {"ErrorCode": failed.code, "ErrorMessage": failed.message})
            return
        except Exception as exc:  # a bug here must not leave the environment UPDATING for ever
            await self._wait_out(started)
            self._finish(env, "UPDATE_FAILED", {"ErrorCode": "InternalError", "ErrorMessage": str(exc)[:500]})
            return
        await self._wait_out(started)
        old = self.own.pop(_key(env), None)
        if backend is not None:
            self.own[_key(env)] = backend
        self._point(env)
        self._apply_versions(env, request)
        self._finish(env, "AVAILABLE", None)
        if old is not None:
            await asyncio.to_thread(old.stop)

    async def _wait_out(self, started: float) -> None:
        """The ``update_delay`` knob: an update lasts at least that long."""
        left = self.emulator.knobs.update_delay - (time.monotonic() - started)
        if left > 0:
            await asyncio.sleep(left)

    def _finish(self, env: EnvironmentConfig, status: str, error: dict[str, str] | None) -> None:
        last = self.last.setdefault(_key(env), {"CreatedAt": time.time(), "Source": "UPDATE"})
        last["Status"] = "FAILED" if error else "SUCCESS"
        if error:
            last["Error"] = error
        self.emulator.knobs.set_status(env, status)
        self.running.pop(_key(env), None)

    async def _new_backend(self, env: EnvironmentConfig, request: Request) -> AirflowBackend | None:
        """A started, answering Airflow for ``env`` with what ``request`` applies; None without Airflow here."""
        from .airflow_backend import AirflowBackend
        from .install import environment_venv

        emulator = self.emulator
        requirements = await asyncio.to_thread(self._text, env, REQUIREMENTS, request.requirements)
        plugins = await asyncio.to_thread(self._bytes, env, PLUGINS, request.plugins)
        try:
            venv = await asyncio.to_thread(environment_venv, env.backend_version, requirements, emulator.cache_dir)
        except RequirementsError as exc:
            raise _Failed("RequirementsInstallFailed", f"requirements.txt: {exc}") from None
        if env.backend_version not in emulator.backends:
            return None  # --no-airflow: the files are applied, nothing runs them
        self.count += 1
        workdir = emulator.workdir / f"env-{env.region}-{env.name}-{self.count}"
        backend = AirflowBackend(
            env.backend_version, workdir, cache_dir=emulator.cache_dir, history=emulator.with_history, venv=venv
        )
        backend.rescan_interval = emulator.config.dag_rescan_interval
        serving = self.backend_of(env)
        if serving is not None:  # the sessions and tokens it handed out stay valid, as across MWAA's updates
            backend.secret = serving.secret
        backend.plugins_dir = workdir / "plugins"
        _unpack(plugins, backend.plugins_dir)
        if emulator.dag_sync is not None:
            backend.dags_dir = workdir / "dags"
            emulator.dag_sync.retarget(env, backend.dags_dir)
            await asyncio.to_thread(emulator.dag_sync.sync_once)
        try:
            await asyncio.to_thread(backend.start)
            await backend.wait_ready(READY_TIMEOUT)
        except BaseException as exc:  # cancelled (a reset) too: no process outlives its update
            await asyncio.to_thread(backend.stop)
            self._point(env)  # back to the folder of the Airflow still serving it
            if not isinstance(exc, Exception):
                raise
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise _Failed("AirflowStartFailed", f"Airflow did not start with the new files: {message}") from None
        return backend

    def _text(self, env: EnvironmentConfig, key: str, version: str | None) -> str:
        """requirements.txt as it applies: the version named, else the one applied now ("" when none)."""
        return self._bytes(env, key, version).decode("utf-8", "replace")

    def _bytes(self, env: EnvironmentConfig, key: str, version: str | None) -> bytes:
        applied = self.emulator.s3.versions.get(_key(env), {}) if self.emulator.s3 else {}
        version = version or applied.get(key)
        return self._read(env, key, version) if version else b""

    def _point(self, env: EnvironmentConfig) -> None:
        """Route ``env``'s web server (and its DAG folder's sync) to the Airflow serving it now."""
        backend = self.backend_of(env)
        app = self.emulator.web_apps.get(_key(env))
        if backend is None:
            return
        if app is not None:
            app.ctx.backend = backend  # type: ignore[attr-defined]
        if self.emulator.dag_sync is not None and backend.dags_dir is not None:
            self.emulator.dag_sync.retarget(env, backend.dags_dir)

    def _apply_versions(self, env: EnvironmentConfig, request: Request) -> None:
        """GetEnvironment names the object versions now applied."""
        if self.emulator.s3 is None:
            return
        applied = self.emulator.s3.versions.setdefault(_key(env), {})
        for key, version in ((REQUIREMENTS, request.requirements), (PLUGINS, request.plugins)):
            if version:
                applied[key] = version

    # --- reset and stop ----------------------------------------------------------------------------
    async def reset(self) -> None:
        """Every environment back on its release's shared Airflow with its first files; no LastUpdate."""
        tasks = list(self.running.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.running.clear()
        own, self.own = self.own, {}
        for key in own:
            env = self.emulator.config.environment(key[1], key[0])
            if env is not None:
                self._point(env)
        self.last.clear()
        if self.emulator.s3 is not None:
            self.emulator.s3.versions.update({k: dict(v) for k, v in self.emulator.s3.initial_versions.items()})
        await asyncio.gather(*(asyncio.to_thread(backend.stop) for backend in own.values()))

    async def stop(self) -> None:
        tasks = list(self.running.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.gather(*(asyncio.to_thread(backend.stop) for backend in self.own.values()))


class _Failed(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def _key(env: EnvironmentConfig) -> Key:
    return (env.region, env.name)


def _unpack(body: bytes, folder: Path) -> None:
    """plugins.zip into ``folder`` (created, emptied); _Failed for a file that is not a zip or holds a path
    outside it (MWAA refuses both)."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    if not body:
        return
    try:
        archive = zipfile.ZipFile(io.BytesIO(body))
    except zipfile.BadZipFile:
        raise _Failed("PluginsInvalid", "plugins.zip is not a zip file") from None
    with archive:
        bad = outside(archive.namelist())
        if bad:
            raise _Failed("PluginsInvalid", f"plugins.zip holds a path outside the plugins folder: {bad[0]}")
        archive.extractall(folder)
