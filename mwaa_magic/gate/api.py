"""The local gate's two actions as the Python API and the magics call them, arguments checked before anything
runs: :func:`check` (the parse gate alone: no upload, no login) and :func:`test` (a DAG run here), each on a
release given, or on the one a logged-in session's environment announces (with its requirements.txt)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..core import arguments, errors
from ..core.text import shorten
from .dagtest import TIMEOUT, DagTestResult, test_dag
from .environment import Runtime, runtime_of
from .inputs import Inputs, from_environment, from_files
from .parse import ParseReport, existing_path, parse_files
from .release import check_version


@dataclass(frozen=True)
class TestRequest:
    """A checked ``%mwaa test`` / ``test_dag()`` call."""

    dag_id: str
    paths: tuple[str, ...] = ()
    conf: dict | None = None
    tasks: tuple[str, ...] = ()
    logical_date: str | None = None
    variables: str | None = None
    connections: str | None = None
    env_inputs: bool = False
    timeout: float = TIMEOUT


def check_paths(paths: object) -> tuple[str, ...]:
    """Files or folders here: a path or a list of them, each existing (one line naming a missing one)."""
    items = [paths] if isinstance(paths, (str, Path)) else list(paths) if isinstance(paths, (list, tuple)) else None
    if items is None:
        raise errors.InvalidPath(f"paths must be a path or a list of paths, not {type(paths).__name__}.")
    return tuple(str(existing_path(item)) for item in items)


def check_logical_date(value: object) -> str | None:
    """An ISO 8601 date or date-time (``2026-01-31``, ``2026-01-31T06:00:00+00:00``), or None."""
    if value is None:
        return None
    text = value.isoformat() if isinstance(value, datetime) else value
    try:
        datetime.fromisoformat(str(text))
    except ValueError:
        raise errors.InvalidArgument(
            f"logical date must be ISO 8601, e.g. 2026-01-31 or 2026-01-31T06:00:00+00:00, not {shorten(repr(value), 40)}."
        ) from None
    return str(text)


def test_request(
    dag_id: object,
    paths: object = (),
    conf: object = None,
    tasks: object = (),
    logical_date: object = None,
    variables: object = None,
    connections: object = None,
    inputs_from_environment: object = False,
    timeout: object = TIMEOUT,
) -> TestRequest:
    """Every argument of a test checked, before anything runs."""
    if isinstance(tasks, str):
        task_list: list[object] = [tasks]
    elif isinstance(tasks, (list, tuple)):
        task_list = list(tasks)
    elif tasks is None:
        task_list = []
    else:
        raise errors.InvalidArgument(f"tasks must be a task id or a list of them, not {type(tasks).__name__}.")
    return TestRequest(
        dag_id=arguments.airflow_id(dag_id),
        paths=check_paths(paths) if paths else (),
        conf=arguments.json_object(conf),
        tasks=tuple(arguments.airflow_id(t, "task id") for t in task_list),
        logical_date=check_logical_date(logical_date),
        variables=check_paths(variables)[0] if variables is not None else None,
        connections=check_paths(connections)[0] if connections is not None else None,
        env_inputs=_flag(inputs_from_environment, "inputs_from_environment"),
        timeout=arguments.seconds(timeout, "timeout"),
    )


def _flag(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise errors.InvalidArgument(f"{name} must be True or False, not {shorten(repr(value), 40)}.")
    return value


def runtime(session: Any | None, version: str | None) -> Runtime:
    """The release to check on: ``version`` (checked), else the session's environment's (with its requirements)."""
    if version is not None:
        return Runtime(check_version(version))
    if session is None:
        raise errors.InvalidArgument(
            "Which Airflow? Give --version (version=) or log in to an environment first (%mwaa_login ENV)."
        )
    found = runtime_of(session)
    check_version(found.version)
    if found.note:
        print(found.note)
    return found


def check(
    paths: object, session: Any | None = None, version: str | None = None, say: Callable[[str], None] = print
) -> ParseReport:
    """The parse gate on files or folders here; raise nothing for import errors (see ``ParseReport.ok``)."""
    checked = check_paths(paths)
    if not checked:
        raise errors.InvalidPath("Nothing to check: give DAG files or folders.")
    found = runtime(session, version)
    return parse_files(found.version, checked, requirements=found.requirements, say=say)


def test(
    request: TestRequest,
    session: Any | None = None,
    version: str | None = None,
    stream: Callable[[str], None] = print,
    say: Callable[[str], None] = print,
    show: Callable[[Any], None] = print,
    files: dict[str, bytes] | None = None,
) -> DagTestResult:
    """Run ``request.dag_id`` here: its code from ``files`` (a DAG folder's names), else ``request.paths``, else
    the environment's DAG folder."""
    found = runtime(session, version)
    files = files if files is not None else _files(request, session, say)
    inputs = _inputs(request, session, say)
    if inputs.variables or inputs.connections:
        show(inputs.table())
    for note in inputs.notes:
        say(note)
    say(
        f"Running {request.dag_id} here with Airflow {found.version}"
        + (" and the environment's requirements.txt" if found.requirements else "")
        + "…"
    )
    return test_dag(
        found.version,
        request.dag_id,
        files,
        conf=request.conf,
        tasks=request.tasks,
        logical_date=request.logical_date,
        inputs=inputs,
        requirements=found.requirements,
        timeout=request.timeout,
        stream=stream,
        say=say,
    )


def _files(request: TestRequest, session: Any | None, say: Callable[[str], None]) -> dict[str, bytes]:
    """The DAG folder of the run: the paths given (as a deploy would lay them out), else the environment's."""
    if request.paths:
        from ..core.dagloop import sources_from_paths

        files = {s.name: s.body for s in sources_from_paths(list(request.paths))}
    elif session is None:
        raise errors.InvalidArgument("Give the DAG's file or folder (PATH), or log in to test the environment's DAG folder.")
    else:
        folder = session.dag_folder
        names = [row["name"] for row in folder.list()]
        say(f"Using the environment's DAG folder ({len(names)} files from S3).")
        files = {name: folder.read(name) for name in names}
    return files


def _inputs(request: TestRequest, session: Any | None, say: Callable[[str], None]) -> Inputs:
    inputs = Inputs()
    if request.env_inputs:
        if session is None:
            raise errors.InvalidArgument("Variables and connections from the environment need a login (%mwaa_login ENV).")
        inputs = from_environment(session)
    return inputs.merged(from_files(request.variables, request.connections))


def show_text(value: Any) -> None:
    print(repr(value))


def run_test(
    session: Any | None,
    version: str | None,
    dag_id: object,
    paths: object = (),
    *,
    show: Callable[[Any], None] = show_text,
    **options: Any,
) -> Any:
    """What ``test_dag()`` does: check every argument (``options``: those of :func:`test_request`), then
    :func:`run_request`."""
    return run_request(test_request(dag_id, paths, **options), session, version, show)


def run_request(
    request: TestRequest,
    session: Any | None,
    version: str | None,
    show: Callable[[Any], None],
    files: dict[str, bytes] | None = None,
) -> Any:
    """Run, show the task table on a failure; raise TaskFailed when a task failed; return the table."""
    result = test(request, session, version, show=show, files=files)
    table = result.table()
    if result.failed or result.returncode != 0 or not result.tasks:
        show(table)
        result.raise_for_failure()
    return table


def run_check(session: Any | None, version: str | None, paths: object, show: Callable[[Any], None] = show_text) -> ParseReport:
    """What ``check()`` does: parse, show the table; raise DagImportError (tracebacks shown) on an import error."""
    report = check(paths, session, version)
    show(report.table())
    report.raise_for_errors(uploaded=True)
    return report
