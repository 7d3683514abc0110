"""The parse gate before a deploy (``%%mwaa_dag``, ``%mwaa deploy``, ``mwaa.deploy()``): the files about to go
up, parsed here by the environment's release with its requirements.txt; an import error shows Airflow's
traceback and fails before anything is uploaded.

Files are parsed together as the DAG folder will hold them. When one fails to import a module that the DAG
folder in S3 provides (a helper deployed earlier: ``helpers.py`` or ``helpers/``), those files are fetched and
the files parsed again with them, so that a DAG importing a helper already in S3 is not refused."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from .environment import runtime_of
from .parse import ParseReport, parse_sources

MISSING = re.compile(r"^ModuleNotFoundError: No module named '([^'.]+)")  # its top-level name


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
    if runtime.note:
        progress.close(runtime.note)
        progress = session.progress_factory()
        say = progress.update
    say(
        f"Checking {', '.join(files)} here with Airflow {runtime.version}"
        + (" and the environment's requirements.txt" if runtime.requirements else "")
        + "…"
    )
    report = parse_sources(runtime.version, files, requirements=runtime.requirements, say=say)
    missing = {m for f in report.failures for m in MISSING.findall(f.error_line)}
    others = _folder_python(session, set(files), missing) if missing else {}
    if others:  # the module is a helper deployed earlier: parse again with it, as the environment would
        say(f"{', '.join(sorted(missing))}: in the DAG folder in S3; parsing again with {', '.join(sorted(others))}.")
        again = parse_sources(runtime.version, {**others, **files}, requirements=runtime.requirements, say=say)
        report = ParseReport(again.version, tuple(f for f in again.files if f.path in files), again.seconds, again.requirements)
    report.raise_for_errors(progress.close)
    progress.close(f"Parsed here by Airflow {report.version} in {report.seconds:.1f} s: {', '.join(report.dag_ids) or 'no DAG'}")
    return report


def _folder_python(session: Any, skip: set[str], modules: set[str]) -> dict[str, bytes]:
    """The Python files in S3 that provide ``modules`` (top-level names: ``helpers`` is ``helpers.py`` or a
    ``helpers/`` package, all of it), other than ``skip``: one listing, then a read of each."""
    folder = session.dag_folder
    wanted = [
        row["name"]
        for row in folder.list()
        if row["name"].endswith(".py") and row["name"] not in skip and row["name"].split("/")[0].removesuffix(".py") in modules
    ]
    return {name: folder.read(name) for name in wanted}
