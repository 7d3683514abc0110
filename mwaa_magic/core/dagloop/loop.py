"""The parse-wait loop: upload checked files, wait until Airflow has parsed this version of each (or show its
import error), trigger; list the DAG folder with Airflow's view of it; undeploy. Every Airflow difference is read
from the flavour table."""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote

from .. import errors
from ..polling import poll_until
from ..text import shorten
from .folder import DagFolder, when
from .names import check_against_folder, check_batch, check_name
from .options import DeployOptions
from .source import DagSource

if TYPE_CHECKING:
    from ..environment import Environment
    from ..flavours import Flavour

POLL = 1.0  # seconds between two looks at Airflow while waiting


class Reporter(Protocol):
    def update(self, text: str) -> None: ...

    def close(self, text: str) -> None: ...


class AirflowApi(Protocol):
    """What the loop needs of a logged-in session (:class:`~mwaa_magic.core.session.AirflowSession`)."""

    @property
    def environment(self) -> Environment: ...

    @property
    def flavour(self) -> Flavour: ...

    @property
    def progress_factory(self) -> Callable[[], Reporter]: ...

    def paged(self, path: str, key: str, limit: int | None = None, **params: Any) -> list[dict]: ...

    def get(self, path: str, **params: Any) -> Any: ...

    def dag(self, dag_id: str) -> dict: ...

    def unpause(self, dag_id: str) -> dict: ...

    def trigger(
        self, dag_id: str, conf: dict | None = None, wait: bool = False, run_id: str | None = None, timeout: float | None = None
    ) -> dict: ...


class DagLoop:
    """What ``mwaa.deploy()``, ``%%mwaa_dag`` and the DAG-folder subcommands do, for one session."""

    def __init__(self, session: AirflowApi) -> None:
        self.session = session
        self.folder = DagFolder(session.environment)
        self._names: list[str] = []  # every file in the DAG folder, as last listed (to match Airflow's paths)

    @property
    def flavour(self) -> Flavour:
        return self.session.flavour

    # --- Airflow's view ------------------------------------------------------------------------------
    def all_dags(self) -> list[dict]:
        """Every DAG Airflow knows, stale ones too (to tell where each id lives)."""
        return self.session.paged("/dags", "dags", **self.flavour.dags_with_stale)

    def import_errors(self) -> list[dict]:
        """Current import errors: file, when, the error's last line, Airflow's traceback."""
        rows = []
        for item in self.session.paged("/importErrors", "import_errors"):
            trace = next((item[f] for f in self.flavour.import_error_trace_fields if item.get(f)), "")
            lines = [line for line in trace.strip().splitlines() if line.strip()]
            rows.append(
                {
                    "filename": item.get("filename"),
                    "timestamp": item.get("timestamp"),
                    "error": lines[-1].strip() if lines else "",
                    "stack_trace": trace,
                    "bundle_name": item.get("bundle_name"),
                }
            )
        return rows

    def _dag_file(self, dag: dict, names: list[str]) -> str | None:
        return file_of(dag.get(self.flavour.dag_file_field) or dag.get(self.flavour.dag_file_fallback_field), names)

    def _source_of(self, dag: dict) -> str | None:
        key = dag.get(self.flavour.dag_source_key)
        if not key:
            return None
        try:
            data = self.session.get(f"/dagSources/{quote(str(key), safe='')}")
        except errors.AirflowApiError:
            return None
        return data.get("content") if isinstance(data, dict) else str(data)

    # --- deploy --------------------------------------------------------------------------------------
    def deploy(self, sources: list[DagSource], options: DeployOptions | None = None) -> list[dict]:
        """Upload ``sources`` (checked already), wait until Airflow parsed each DAG file, trigger if asked.
        Every file is checked (clashes, the overwrite guard) before any is uploaded."""
        options = options or DeployOptions()
        if not sources:
            raise errors.InvalidDagFile("Nothing to deploy.")
        check_batch(sources)  # no call yet
        if options.local_check:
            self._local_check(sources)  # before any S3 call (but the requirements.txt GetEnvironment names)
        names = [s.name for s in sources]
        self._names = sorted({*self._listing(), *names})
        check_against_folder(sources, [n for n in self._names if n not in names])
        self._check_clashes(sources)
        uploads = [self.folder.plan(source, force=options.force) for source in sources]
        results: list[dict[str, Any]] = []
        for upload in uploads:
            started = time.time()
            try:
                changed = self.folder.upload(upload)
            except errors.MwaaError as exc:
                raise _part_way(exc, [r["name"] for r in results if r["uploaded"]]) from None
            results.append(
                {
                    "name": upload.source.name,
                    "dag_ids": list(upload.source.dag_ids),
                    "uploaded": changed,
                    "uploaded_at": started,
                    "state": "uploaded" if changed else "unchanged",
                }
            )
        if options.wait:
            for result, source in zip(results, sources, strict=True):
                if source.is_dag:
                    result["dag_ids"] = self.wait_parsed(source, result["uploaded_at"], result["uploaded"], options.parse_timeout)
                    result["state"] = "parsed"
        if options.trigger:
            for result in results:
                self._trigger(result, options.conf)
        return results

    def _local_check(self, sources: list[DagSource]) -> None:
        """The parse gate: the files parsed here by the environment's release; an import error fails now."""
        from ...gate.deploy import check_before_deploy  # the gate (and the emulator's installs) load on first use

        check_before_deploy(self.session, sources)

    def _trigger(self, result: dict[str, Any], conf: dict | None) -> None:
        for dag_id in result["dag_ids"]:
            if self.session.dag(dag_id).get("is_paused"):
                self.session.unpause(dag_id)
                self.session.progress_factory().close(f"{dag_id} was paused: unpaused it so that the run can start.")
            run = self.session.trigger(dag_id, conf=conf, wait=True)
            result.setdefault("runs", []).append(run)
            result["state"] = f"run {run.get('state')}"

    def _check_clashes(self, sources: list[DagSource]) -> None:
        """A DAG id that a file other than its own already defines: Airflow would keep one of them."""
        ids = {dag_id: source.name for source in sources for dag_id in source.dag_ids}
        if not ids:
            return
        for dag in self.all_dags():
            dag_id = dag.get("dag_id")
            if dag_id in ids and not self.flavour.is_stale(dag):
                where = self._dag_file(dag, self._names)
                if where and where != ids[dag_id]:
                    raise errors.DagIdClash(
                        f"DAG id {dag_id!r} is already defined in {where}: rename the DAG in {ids[dag_id]} "
                        f"(or undeploy {where} first); nothing was uploaded."
                    )

    def _listing(self) -> list[str]:
        """The names in the DAG folder; none when it cannot be listed (the upload or delete then says why)."""
        try:
            return [row["name"] for row in self.folder.list()]
        except errors.MwaaError:
            return []

    def wait_parsed(self, source: DagSource, uploaded_at: float, changed: bool, timeout: float) -> list[str]:
        """Wait until Airflow has parsed this version of ``source``: its DAGs show this code (or were parsed
        after the upload); raise :class:`DagImportError` with Airflow's traceback if it failed to import."""
        progress = self.session.progress_factory()

        def look(elapsed: float) -> list[str] | None:
            failure = self._import_error(source.name, uploaded_at, changed)
            if failure is not None:
                trace = failure["stack_trace"].rstrip()
                progress.close(f"{source.name}: Airflow could not import it ({elapsed:.0f}s):\n{trace}")
                raise errors.DagImportError(
                    f"Airflow could not import {source.name}: {shorten(failure['error'], 200)} "
                    "(traceback above; fix the file and deploy it again).",
                    source.name,
                    trace,
                )
            return self._parsed_ids(source, uploaded_at, changed)

        def waiting(elapsed: float) -> None:
            progress.update(f"{source.name}: uploaded; waiting for MWAA to sync and Airflow to parse it ({elapsed:.0f}s)")

        parsed, elapsed = poll_until(look, timeout=timeout, interval=POLL, waiting=waiting)
        if parsed is None:
            progress.close(f"{source.name}: not parsed after {timeout:.0f}s.")
            raise errors.ParseTimeout(
                f"Airflow has not parsed {source.name} within {timeout:.0f}s of the upload (it is in S3): MWAA syncs "
                "the DAG folder about every 30 s, then parses; check %mwaa import-errors and %mwaa dag-files, "
                "or wait longer with --timeout."
            )
        progress.close(f"{source.name}: parsed by Airflow in {elapsed:.0f}s: {', '.join(parsed) or 'no DAG'}")
        return parsed

    def _import_error(self, name: str, uploaded_at: float, changed: bool) -> dict | None:
        for failure in self.import_errors():
            if file_of(failure["filename"], self._names) == name:
                at = _time(failure["timestamp"])
                if not changed or (at is not None and at >= uploaded_at):
                    return failure
        return None

    def _parsed_ids(self, source: DagSource, uploaded_at: float, changed: bool) -> list[str] | None:
        """The DAG ids Airflow parsed from this version of ``source``; None while it has not."""
        mine = [d for d in self.all_dags() if self._dag_file(d, self._names) == source.name and not self.flavour.is_stale(d)]
        if source.dag_ids and not set(source.dag_ids) <= {d["dag_id"] for d in mine}:
            return None
        if not mine:
            return None
        for dag in mine:
            parsed_at = _time(dag.get("last_parsed_time"))
            fresh = not changed or (parsed_at is not None and parsed_at > uploaded_at)
            if not fresh and self._source_of(dag) != source.text:
                return None
        return sorted(d["dag_id"] for d in mine)

    # --- folder ----------------------------------------------------------------------------------------
    def dag_files(self) -> list[dict]:
        """The DAG folder: name, size, last modified, the DAG ids Airflow parsed from each, its import error."""
        rows = self.folder.list()
        names = self._names = [row["name"] for row in rows]
        ids: dict[str, list[str]] = {}
        for dag in self.all_dags():
            if not self.flavour.is_stale(dag):
                ids.setdefault(self._dag_file(dag, names) or "?", []).append(dag["dag_id"])
        failing = {file_of(f["filename"], names): f["error"] for f in self.import_errors()}
        for row in rows:
            row["dag_ids"] = sorted(ids.get(row["name"], []))
            row["import_error"] = failing.get(row["name"], "")
            row["last_modified"] = when(row["last_modified"])
        return rows

    def undeploy(self, name: str, wait: bool = True, force: bool = False, timeout: float | None = None) -> list[str]:
        """Remove ``name`` from the DAG folder; wait until Airflow no longer has its DAGs."""
        options = DeployOptions(wait=wait, force=force, timeout=timeout)
        name = check_name(name, dag=False)
        listed = self._listing()
        if name not in listed:  # the spelling S3 holds (someone else's NFD)
            name = next((n for n in listed if unicodedata.normalize("NFC", n) == name), name)
        self._names = sorted({*listed, name})
        before = [d["dag_id"] for d in self.all_dags() if self._dag_file(d, self._names) == name and not self.flavour.is_stale(d)]
        self.folder.delete(name, force=options.force)
        if not options.wait or not before:
            return before
        progress, limit = self.session.progress_factory(), options.parse_timeout

        def gone(elapsed: float) -> list[str] | None:
            left = self._still_there(before)
            if left:
                progress.update(f"{name}: removed from S3; waiting for Airflow to drop {', '.join(left)} ({elapsed:.0f}s)")
            return None if left else before

        removed, elapsed = poll_until(gone, timeout=limit, interval=POLL)
        if removed is None:
            left = ", ".join(self._still_there(before))
            progress.close(f"{name}: removed from S3; Airflow still has {left}.")
            raise errors.ParseTimeout(
                f"{name} is gone from S3, but after {limit:.0f}s Airflow still has {left}: MWAA syncs the "
                "DAG folder about every 30 s; look again with %mwaa dag-files in a minute."
            )
        progress.close(f"{name}: removed; Airflow no longer has {', '.join(before)} ({elapsed:.0f}s)")
        return before

    def _still_there(self, dag_ids: list[str]) -> list[str]:
        return [d["dag_id"] for d in self.all_dags() if d["dag_id"] in dag_ids and not self.flavour.is_stale(d)]


def _time(value: Any) -> float | None:
    """An Airflow timestamp (ISO 8601) as seconds since the epoch."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()


def file_of(path: str | None, names: list[str]) -> str | None:
    """The DAG-folder name Airflow's ``path`` stands for. A relative path (Airflow 3's ``relative_fileloc``) is
    that name itself; an absolute one (``fileloc``) is the longest of ``names`` (every file in the folder) it ends
    with, else what follows its last ``/dags/``."""
    if not path:
        return None
    if not path.startswith("/"):
        return path
    best = max((n for n in names if path == n or path.endswith("/" + n)), key=len, default=None)
    if best:
        return best
    return path.rsplit("/dags/", 1)[1] if "/dags/" in path else path.lstrip("/")


def _part_way(exc: errors.MwaaError, uploaded: list[str]) -> errors.MwaaError:
    """``exc`` from an upload, saying which files of the deploy went up before it (when any did)."""
    if uploaded:
        exc.message = f"{exc.message.rstrip('.')}; uploaded before it: {', '.join(uploaded)} (the rest was not)."
        exc.args = (exc.message,)
    return exc
