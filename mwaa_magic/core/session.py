"""AirflowSession: an MWAA environment's Airflow REST API, logged in, with helpers that hide version differences."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import arguments, errors
from .flavours import Flavour
from .nearest import dag_named
from .polling import poll_until
from .rest import adaptive_pages, api_error, api_path, clean_params, dag_segment, run_segment, seg, task_segment
from .table import Table
from .tasklog import TaskLog
from .text import shorten
from .transport import TokenTransport, Transport
from .weblogin import Credential

if TYPE_CHECKING:
    from .dagloop import DagFolder, DagLoop
    from .environment import Environment
    from .variables import Variables

PAGE_SIZE = 100  # Airflow's default maximum_page_limit
FINISHED = ("success", "failed")
DAG_COLUMNS = ["dag_id", "is_paused", "timetable_description", "tags", "owners"]
TASK_COLUMNS = ["task_id", "state", "try_number", "start_date", "end_date", "duration"]


@dataclass(frozen=True)
class LoginInfo:
    """Who is logged in where; no secret in here."""

    environment: str
    region: str
    profile: str | None
    hostname: str
    iam_identity: str
    airflow_identity: str
    airflow_version: str | None
    webserver_access_mode: str | None
    logged_in_at: float
    transport: str = "token"

    def to_json(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "region": self.region,
            "profile": self.profile,
            "hostname": self.hostname,
            "iam_identity": self.iam_identity,
            "airflow_identity": self.airflow_identity,
            "airflow_version": self.airflow_version,
            "webserver_access_mode": self.webserver_access_mode,
            "transport": self.transport,
        }


class Progress:
    """Where ``wait`` reports; the magics layer swaps in a notebook display."""

    def update(self, text: str) -> None:
        print(f"\r{text}", end="", flush=True)

    def close(self, text: str) -> None:
        print(f"\r{text}", flush=True)


class AirflowSession:
    """A logged-in Airflow REST session of one MWAA environment (``environment`` is its :class:`Environment`)."""

    SESSION_LIFETIME = 12 * 3600.0
    WAIT_FAILURE_BUDGET = 300.0  # seconds ``wait`` rides out failed polls before it gives up

    def __init__(self, info: LoginInfo, transport: Transport, environment: Environment) -> None:
        self.info = info
        self.transport = transport
        self.environment = environment
        self.progress_factory: Callable[[], Progress] = Progress
        self._dag_loop: DagLoop | None = None

    # --- identity ------------------------------------------------------------------------------
    @property
    def flavour(self) -> Flavour:
        return self.transport.flavour

    @property
    def major(self) -> int:
        return self.flavour.major

    @property
    def api_root(self) -> str:
        return self.flavour.api_root

    @property
    def environment_name(self) -> str:
        return self.info.environment

    @property
    def expires_at(self) -> float:
        return self.info.logged_in_at + self.SESSION_LIFETIME

    def __repr__(self) -> str:
        expires = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.expires_at))
        return (
            f"<AirflowSession {self.info.environment} ({self.info.region}) host={self.info.hostname} "
            f"identity={self.info.airflow_identity} airflow={self.info.airflow_version or self.major} "
            f"transport={self.info.transport} session-expires~{expires}>"
        )

    # --- raw REST --------------------------------------------------------------------------------
    def request(self, method: str, path: str, params: dict | None = None, body: Any = None, text: bool = False) -> Any:
        """Call ``path`` (relative to the REST API root: ``/dags``) and return the parsed answer, or raise."""
        path = api_path(path)
        status, data = self.transport.request(method, path, clean_params(params), body, text)
        if status >= 400:
            raise api_error(method, path, status, data, self.info.airflow_identity if self.info.transport == "token" else "")
        return data

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params)

    def post(self, path: str, json: Any = None, **params: Any) -> Any:
        return self.request("POST", path, params, json)

    def patch(self, path: str, json: Any = None, **params: Any) -> Any:
        return self.request("PATCH", path, params, json)

    def put(self, path: str, json: Any = None, **params: Any) -> Any:
        return self.request("PUT", path, params, json)

    def delete(self, path: str, **params: Any) -> Any:
        return self.request("DELETE", path, params)

    def paged(self, path: str, key: str, limit: int | None = None, **params: Any) -> list[dict]:
        """All items of a paged collection (``limit``/``offset``); later pages in waves that widen only
        while that really raises throughput (never slower than one page after another)."""
        size = min(PAGE_SIZE, limit) if limit else PAGE_SIZE
        started = time.perf_counter()
        first = self.get(path, limit=size, offset=0, **params)
        items = list(first.get(key, []))
        total = first.get("total_entries", len(items))
        wanted = min(total, limit) if limit else total
        offsets = list(range(len(items), wanted, size)) if len(items) == size else []
        if offsets:
            fetch = lambda offset: self.get(path, limit=size, offset=offset, **params).get(key, [])  # noqa: E731
            for page in adaptive_pages(fetch, offsets, time.perf_counter() - started):
                items.extend(page)
        return items[:wanted]

    # --- DAGs and runs -------------------------------------------------------------------------
    def dags(self, only_active: bool = True, **params: Any) -> Table:
        """Every DAG (id, paused, schedule, tags, ...)."""
        return Table(self.paged("/dags", "dags", only_active=only_active, **params), DAG_COLUMNS, "DAGs")

    def dag(self, dag_id: str) -> dict:
        with self._dag_named(dag_id):
            return self.get(f"/dags/{dag_segment(dag_id)}")

    def _dag_named(self, dag_id: str) -> Any:
        """A 404 in the block names the nearest DAG ids (one listing call, made only after the 404)."""

        def first_page() -> tuple[list[str], int]:
            page = self.get("/dags", limit=PAGE_SIZE)
            ids = [d["dag_id"] for d in page.get("dags", [])]
            return ids, page.get("total_entries", len(ids))

        return dag_named(dag_id, self.info.environment, first_page)

    def dag_runs(self, dag_id: str = "~", limit: int | None = None, state: str | list[str] | None = None) -> Table:
        """Runs of ``dag_id`` ("~" for all DAGs), most recent first."""
        if dag_id != "~":
            arguments.airflow_id(dag_id)
        if limit is not None:
            arguments.count(limit, "limit")
        with self._dag_named(dag_id):
            runs = self.paged(
                f"/dags/{seg(dag_id)}/dagRuns", "dag_runs", limit=limit, order_by=self.flavour.run_order, state=state
            )
        columns = ["dag_id", "dag_run_id", "state", self.flavour.logical_date_field, "start_date", "end_date"]
        return Table(runs, columns, "Runs" if dag_id == "~" else f"Runs of {dag_id}")

    def dag_run(self, dag_id: str, run_id: str) -> dict:
        with self._dag_named(dag_id):
            return self.get(f"/dags/{dag_segment(dag_id)}/dagRuns/{run_segment(run_id)}")

    def trigger(
        self, dag_id: str, conf: dict | None = None, wait: bool = False, run_id: str | None = None, timeout: float | None = None
    ) -> dict:
        """Start a run of ``dag_id`` with ``conf``; with ``wait=True`` return once it has finished."""
        body: dict[str, Any] = {"conf": arguments.json_object(conf) or {}}
        if timeout is not None:
            arguments.seconds(timeout)
        if self.flavour.trigger_sends_logical_date:
            body["logical_date"] = None
        if run_id is not None:
            body["dag_run_id"] = arguments.run_id(run_id)
        with self._dag_named(dag_id):
            run = self.post(f"/dags/{dag_segment(dag_id)}/dagRuns", body)
        return self.wait(run, timeout=timeout) if wait else run

    def wait(self, run: dict, timeout: float | None = None, poll: float = 2.0) -> dict:
        """Poll a run until it finishes, showing progress; Ctrl-C stops waiting (the run goes on).

        Failed polls (a restart, a 503, a reset) are ridden out for up to :attr:`WAIT_FAILURE_BUDGET`
        seconds; then :class:`WaitInterrupted` names the run and how to resume.
        """
        dag_id, run_id = arguments.run_reference(run)
        if timeout is not None:
            arguments.seconds(timeout)
        arguments.seconds(poll, "poll")
        progress, looked, failing_since = self.progress_factory(), False, None

        def look(elapsed: float) -> dict | None:
            nonlocal run, looked, failing_since
            if looked:
                try:
                    run, failing_since = self.dag_run(dag_id, run_id), None
                except errors.MwaaError as exc:
                    failing_since = failing_since or time.monotonic()
                    if not _worth_waiting(exc) or time.monotonic() - failing_since > self.WAIT_FAILURE_BUDGET:
                        progress.close(f"{dag_id} {run_id}: stopped waiting.")
                        raise errors.WaitInterrupted(
                            f"Stopped waiting for {dag_id} run {run_id} ({exc.code}: {shorten(exc.message, 120)}); "
                            f"the run goes on: resume with %mwaa wait {dag_id} {run_id}, or mwaa.wait(run)."
                        ) from None
            looked = True
            return run if run.get("state") in FINISHED else None

        def waiting(elapsed: float) -> None:
            note = " (Airflow not answering; retrying)" if failing_since else self._queued_hint(run, elapsed)
            progress.update(f"{dag_id} {run_id}: {run.get('state')} ({elapsed:.0f}s){note}")

        try:
            finished, elapsed = poll_until(look, timeout=timeout, interval=poll, waiting=waiting)
        except KeyboardInterrupt:
            progress.close(f"{dag_id} {run_id}: stopped waiting (the run goes on; mwaa.wait(run) to resume).")
            return run
        if finished is None:
            progress.close(f"{dag_id} {run_id}: still {run.get('state')} after {timeout:.0f}s; stopped waiting.")
            return run
        progress.close(f"{dag_id} {run_id}: {run['state']} in {elapsed:.0f}s")
        return run

    def _queued_hint(self, run: dict, elapsed: float) -> str:
        if run.get("state") == "queued" and elapsed > 10 and self.dag(run["dag_id"]).get("is_paused"):
            return " — the DAG is paused: mwaa.unpause(dag_id) to let it run"
        return ""

    def pause(self, dag_id: str) -> dict:
        with self._dag_named(dag_id):
            return self.patch(f"/dags/{dag_segment(dag_id)}", {"is_paused": True}, update_mask="is_paused")

    def unpause(self, dag_id: str) -> dict:
        with self._dag_named(dag_id):
            return self.patch(f"/dags/{dag_segment(dag_id)}", {"is_paused": False}, update_mask="is_paused")

    # --- tasks ---------------------------------------------------------------------------------
    def task_instances(self, dag_id: str, run_id: str) -> Table:
        """The task instances of a run (state, try number, times)."""
        items = self.paged(f"/dags/{dag_segment(dag_id)}/dagRuns/{run_segment(run_id)}/taskInstances", "task_instances")
        return Table(items, TASK_COLUMNS, f"Tasks of {dag_id} {run_id}")

    def task_logs(self, dag_id: str, run_id: str, task_id: str, try_number: int | None = None) -> TaskLog:
        """The log text of one task try (the latest when ``try_number`` is None)."""
        base = f"/dags/{dag_segment(dag_id)}/dagRuns/{run_segment(run_id)}/taskInstances/{task_segment(task_id)}"
        if try_number is not None:
            arguments.count(try_number, "try_number")
        else:
            ti = self.get(base)
            try_number = max(1, int(ti.get("try_number") or 1))
        data = self.request("GET", f"{base}/logs/{try_number}", {"full_content": True}, text=not self.flavour.structured_logs)
        return TaskLog(self.flavour.log_text(data))

    def xcom(self, dag_id: str, run_id: str, task_id: str, key: str = "return_value") -> Any:
        entry = self.get(
            f"/dags/{dag_segment(dag_id)}/dagRuns/{run_segment(run_id)}/taskInstances/{task_segment(task_id)}/xcomEntries/{seg(key)}"
        )
        return entry.get("value")

    def clear_tasks(self, dag_id: str, run_id: str, task_ids: list[str] | None = None, only_failed: bool = True) -> list[dict]:
        """Clear (retry) task instances of a run; the scheduler runs them again."""
        body: dict[str, Any] = {
            "dry_run": False,
            "dag_run_id": arguments.run_id(run_id),
            "only_failed": only_failed,
            "reset_dag_runs": True,
        }
        if task_ids:
            body["task_ids"] = task_ids
        return self.post(f"/dags/{dag_segment(dag_id)}/clearTaskInstances", body).get("task_instances", [])

    # --- variables -----------------------------------------------------------------------------
    @property
    def variables(self) -> Variables:
        """Airflow Variables as a dict-like object: ``mwaa.variables["key"] = "value"``."""
        from .variables import Variables

        return Variables(self)

    # --- Airflow CLI ---------------------------------------------------------------------------
    def cli(self, command: str, echo: bool = True):
        """Run an Airflow CLI command (``"dags list"``) through CreateCliToken; output goes to the cell."""
        from .cli import run_cli

        return run_cli(self.environment, command, echo=echo)

    # --- the DAG development loop (core/dagloop/) ----------------------------------------------
    @property
    def dag_loop(self) -> DagLoop:
        """The environment's S3 DAG folder and what this session last read or wrote there (one per session)."""
        if self._dag_loop is None:
            from .dagloop import DagLoop

            self._dag_loop = DagLoop(self)
        return self._dag_loop

    @property
    def dag_folder(self) -> DagFolder:
        """The S3 DAG folder: ``.list()``, ``.read(name)``, ``.location()``."""
        return self.dag_loop.folder

    def deploy(
        self,
        path_or_source: Any,
        filename: str | None = None,
        trigger: bool = False,
        wait: bool = True,
        conf: dict | None = None,
        force: bool = False,
        timeout: float | None = None,
        local_check: bool = True,
    ) -> list[dict]:
        """Put DAG code (source text, a file, a folder, a list of paths) in the DAG folder; wait until Airflow
        parsed it (or raise its import error); with ``trigger=True`` run each DAG and wait for the run.

        First the files are parsed here, by the Airflow release the environment runs (with its requirements.txt):
        an import error fails before anything is uploaded; ``local_check=False`` skips that.

        A file changed in S3 since this session last read or wrote it is not overwritten unless ``force=True``.
        Every argument is checked before anything is read or uploaded.
        """
        from .dagloop import DeployOptions, deploy_input

        options = DeployOptions(trigger=trigger, conf=conf, wait=wait, force=force, timeout=timeout, local_check=local_check)
        return self.dag_loop.deploy(deploy_input(path_or_source, filename), options)

    def dag_files(self) -> list[dict]:
        """The DAG folder: name, size, last modified, DAG ids Airflow parsed from each file, import error."""
        return self.dag_loop.dag_files()

    def undeploy(self, name: str, wait: bool = True, force: bool = False, timeout: float | None = None) -> list[str]:
        """Remove a file from the DAG folder and wait until Airflow no longer has its DAGs (their ids)."""
        return self.dag_loop.undeploy(name, wait=wait, force=force, timeout=timeout)

    def import_errors(self) -> list[dict]:
        """Airflow's current import errors: filename, timestamp, error (last line), stack_trace."""
        return self.dag_loop.import_errors()

    def requirements(self, diff: bool = False) -> list[dict]:
        """requirements.txt, plugins.zip, startup script: version applied vs the newest in S3."""
        from .dagloop import requirements

        return requirements(self.environment, self.dag_folder, diff=diff)

    # --- the local gate (mwaa_magic/gate/): here, on the environment's release ---------------------
    def test_dag(
        self,
        dag_id: str,
        paths: Any = (),
        conf: dict | None = None,
        tasks: Any = (),
        logical_date: str | None = None,
        variables: str | None = None,
        connections: str | None = None,
        inputs_from_environment: bool = False,
        timeout: float = 600.0,
    ) -> Table:
        """Run a DAG here with ``airflow dags test`` on the environment's Airflow release (with its
        requirements.txt): its code from ``paths`` (files or folders), else from the environment's DAG folder.
        Task logs stream; returns the task states; raises TaskFailed when a task fails. Variables and
        connections come from files in Airflow's JSON/YAML formats and/or (``inputs_from_environment=True``)
        the environment's REST API (connection passwords are not returned: left empty)."""
        from ..gate.api import run_test

        return run_test(
            self,
            None,
            dag_id,
            paths,
            conf=conf,
            tasks=tasks,
            logical_date=logical_date,
            variables=variables,
            connections=connections,
            inputs_from_environment=inputs_from_environment,
            timeout=timeout,
        )

    def check_dags(self, paths: Any) -> Any:
        """Parse DAG files or folders here on the environment's release (no upload): a ParseReport; raises
        DagImportError with Airflow's traceback when one does not import."""
        from ..gate.api import run_check

        return run_check(self, None, paths)

    # --- other clients -------------------------------------------------------------------------
    def api_client(self) -> Any:
        """An ``apache-airflow-client`` ApiClient using this session (pip install 'mwaa_magic[client]')."""
        from .client import api_client

        return api_client(self)

    def web_credential(self) -> tuple[str, Credential] | None:
        """``(web server base URL, login credential)`` of a token session, None for InvokeRestApi."""
        transport = self.transport
        if isinstance(transport, TokenTransport):
            return transport.base_url, transport.credential
        return None

    def close(self) -> None:
        self.transport.close()


def _worth_waiting(exc: errors.MwaaError) -> bool:
    """Failures that a restart, a blip or a busy server explain (not a 403 or a 404)."""
    if isinstance(exc, errors.AirflowApiError):
        return exc.status is None or exc.status >= 500 or exc.status in (408, 429)
    return isinstance(exc, errors.Unavailable)
