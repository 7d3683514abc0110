"""A DAG run here: ``airflow dags test`` in the venv of the environment's release (with its requirements.txt),
in a throwaway AIRFLOW_HOME whose sqlite database is a copy of the emulator's migrated template (never a
running environment's home). Task logs stream line by line (secrets masked); the result is a table of task
states read from that database."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core import errors
from ..core.table import Table
from ..core.text import shorten
from .inputs import Inputs
from .parse import write_folder
from .release import requirements_venv

TIMEOUT = 600.0  # seconds for one test run
COLUMNS = ["task_id", "state", "try_number", "duration"]


class TaskFailed(errors.MwaaError):
    """A task of the local test run failed (its log is above)."""


class TestRunFailed(errors.Unavailable):
    """The test run did not finish: a time limit, or ``airflow dags test`` failing before any task ran."""


@dataclass(frozen=True)
class DagTestResult:
    """One local run: its tasks' states, how long it took, ``airflow dags test``'s exit status."""

    version: str
    dag_id: str
    run_id: str
    tasks: tuple[dict[str, Any], ...]
    seconds: float
    returncode: int
    last_line: str = ""  # the run's last output line (why it ended, when no task ran)

    @property
    def failed(self) -> list[str]:
        return [t["task_id"] for t in self.tasks if t.get("state") in ("failed", "upstream_failed")]

    def table(self) -> Table:
        title = f"{self.dag_id} run here by Airflow {self.version} in {self.seconds:.1f} s"
        return Table([dict(t) for t in self.tasks], COLUMNS, title=title)

    def raise_for_failure(self) -> None:
        if self.failed:
            raise TaskFailed(
                f"{self.dag_id}: task {', '.join(self.failed)} failed in the local run on Airflow {self.version} (its log is above)."
            )
        if self.returncode != 0 or not self.tasks:
            raise TestRunFailed(
                f"airflow dags test {self.dag_id} ended with exit status {self.returncode}"
                f"{' before any task ran' if not self.tasks else ''}: {shorten(self.last_line, 200)} (output above)."
            )


def task_selection(tasks: Sequence[str] | None) -> list[str]:
    """``--mark-success-pattern`` marking every task except ``tasks`` as successful (Airflow runs only those)."""
    if not tasks:
        return []
    return ["--mark-success-pattern", all_but(tasks)]


def all_but(words: Sequence[str]) -> str:
    """A regular expression matching every whole string except ``words``, without lookahead (Airflow 2 compiles
    the pattern with re2, which has none): the complement of their trie."""
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}  # the end of a word

    def other(node: dict) -> str:
        children = sorted(c for c in node if c)
        parts = [] if "" in node else [""]  # stopping here is outside the set unless a word ends here
        parts.append("[^" + "".join(re.escape(c) for c in children) + "].*" if children else ".+")
        parts += [re.escape(c) + other(node[c]) for c in children]
        return "(?:" + "|".join(parts) + ")"

    return other(trie)


def test_dag(
    version: str,
    dag_id: str,
    files: Mapping[str, bytes],
    *,
    conf: dict | None = None,
    tasks: Sequence[str] | None = None,
    logical_date: str | None = None,
    inputs: Inputs | None = None,
    requirements: str | None = None,
    timeout: float = TIMEOUT,
    stream: Callable[[str], None] = print,
    say: Callable[[str], None] = print,
) -> DagTestResult:
    """Run ``dag_id`` from ``files`` (a DAG folder: ``{"my_dag.py": b"..."}``) with ``airflow dags test``."""
    from ..emulator.airflow_env import airflow_environment, free_port, template_dir

    venv, _ = requirements_venv(version, requirements, say)
    inputs = inputs or Inputs()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mwaa-gate-test-") as tmp:
        work = Path(tmp)
        dags, db = work / "dags", work / "airflow.db"
        dags.mkdir()
        write_folder(dags, files)
        shutil.copyfile(template_dir(version) / "airflow.db", db)  # migrated once at install: no `db migrate` here
        env = airflow_environment(version, work / "home", db, port=free_port(), secret=os.urandom(8).hex())
        env.update(
            {
                "PATH": f"{venv / 'bin'}:{env['PATH']}",
                "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
                "AIRFLOW__CORE__DAGBAG_IMPORT_ERROR_TRACEBACKS": "True",
                "NO_COLOR": "1",  # tracebacks as plain text in the cell (rich's colours otherwise)
                **inputs.environment(),
            }
        )
        argv = [str(venv / "bin" / "airflow"), "dags", "test", dag_id]
        argv += [logical_date] if logical_date else []
        argv += ["-c", json.dumps(conf)] if conf else []
        argv += task_selection(tasks)
        last: list[str] = [""]

        def out(line: str) -> None:
            shown = inputs.mask(line)
            if shown.strip():
                last[0] = shown.strip()
            stream(shown)

        returncode = _stream(argv, env, work, timeout, out)
        run_id, rows = _task_states(db, dag_id)
    return DagTestResult(version, dag_id, run_id, tuple(rows), round(time.monotonic() - started, 2), returncode, last[0])


def _stream(argv: list[str], env: dict[str, str], cwd: Path, timeout: float, line_out: Callable[[str], None]) -> int:
    """Run ``argv``, each output line to ``line_out`` as it comes; stop the whole process group after ``timeout``."""
    process = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=cwd, start_new_session=True
    )
    expired = threading.Event()

    def stop() -> None:
        expired.set()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)

    timer = threading.Timer(timeout, stop)
    timer.start()
    try:
        assert process.stdout is not None
        for line in process.stdout:
            line_out(line.rstrip("\n"))
        returncode = process.wait()
    except BaseException:  # an interrupt (the notebook's stop button) stops Airflow too
        stop()
        process.wait()
        raise
    finally:
        timer.cancel()
    if expired.is_set():
        raise TestRunFailed(f"The local run took longer than {timeout:.0f} s and was stopped (raise it with timeout=/--timeout).")
    return returncode


def _task_states(db: Path, dag_id: str) -> tuple[str, list[dict[str, Any]]]:
    """The newest run of ``dag_id`` in the test's database and its task instances."""
    with sqlite3.connect(db) as connection:
        found = connection.execute("SELECT run_id FROM dag_run WHERE dag_id = ? ORDER BY id DESC LIMIT 1", (dag_id,)).fetchone()
        if not found:
            return "", []
        cursor = connection.execute(
            "SELECT task_id, state, try_number, duration, map_index, start_date, end_date FROM task_instance WHERE dag_id = ? AND run_id = ? "
            "ORDER BY end_date IS NULL, end_date, task_id",
            (dag_id, found[0]),
        )
        rows = [
            {
                "task_id": task_id if map_index in (None, -1) else f"{task_id}[{map_index}]",
                "state": state or "none",
                "try_number": try_number,
                "duration": _seconds(duration, start, end),
            }
            for task_id, state, try_number, duration, map_index, start, end in cursor.fetchall()
        ]
    return found[0], rows


def _seconds(duration: float | None, start: str | None, end: str | None) -> float | None:
    """A task's duration: Airflow's column, else from its start and end (``dags test`` of 2.x leaves it empty)."""
    if duration is not None:
        return round(duration, 2)
    if not (start and end):
        return None
    from datetime import datetime

    try:
        return round((datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds(), 2)
    except ValueError:
        return None
