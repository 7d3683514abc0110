"""The parse gate before a deploy (``%%mwaa_dag``, ``%mwaa deploy``, ``mwaa.deploy()``): the files about to go
up, parsed here by the environment's release with its requirements.txt; an import error shows Airflow's
traceback and fails before anything is uploaded.

Files are parsed together as the DAG folder will hold them. When one fails to import a module and the DAG folder
in S3 holds other Python files (helpers deployed earlier), those are fetched and the files parsed again with
them, so that a DAG importing a helper already in S3 is not refused."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .environment import runtime_of
from .parse import ParseReport, parse_sources

MISSING_MODULE = ("ModuleNotFoundError", "ImportError")


def check_before_deploy(session: Any, sources: Sequence[Any]) -> ParseReport | None:
    """Parse ``sources`` (DagSource: ``name``, ``body``) on ``session``'s environment's release; raise
    DagImportError (after showing Airflow's tracebacks) when one does not import. None when no file is one
    Airflow would parse (a .py file mentioning "airflow" and "dag")."""
    if not any(source.is_dag for source in sources):  # Airflow would not parse them either (its safe mode)
        return None
    files = {source.name: source.body for source in sources}
    progress = session.progress_factory()
    say: Callable[[str], None] = progress.update
    runtime = runtime_of(session)
    say(
        f"Checking {', '.join(files)} here with Airflow {runtime.version}"
        + (" and the environment's requirements.txt" if runtime.requirements else "")
        + "…"
    )
    report = parse_sources(runtime.version, files, requirements=runtime.requirements, say=say)
    if not report.ok and any(f.error_line.startswith(MISSING_MODULE) for f in report.failures):
        others = _folder_python(session, set(files))
        if others:
            say(f"A module is missing: parsing again with the DAG folder's other Python files ({len(others)}).")
            report = parse_sources(runtime.version, {**others, **files}, requirements=runtime.requirements, say=say)
            report = ParseReport(
                report.version, tuple(f for f in report.files if f.path in files), report.seconds, report.requirements
            )
    report.raise_for_errors(progress.close)
    progress.close(f"Parsed here by Airflow {report.version} in {report.seconds:.1f} s: {', '.join(report.dag_ids) or 'no DAG'}")
    return report


def _folder_python(session: Any, skip: set[str]) -> dict[str, bytes]:
    """The DAG folder's Python files (and zips) in S3 other than ``skip``."""
    folder = session.dag_folder
    names = [row["name"] for row in folder.list() if row["name"].endswith((".py", ".zip")) and row["name"] not in skip]
    return {name: folder.read(name) for name in names}
