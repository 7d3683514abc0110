"""The sample DAGs' recent past, so that a fresh emulator does not look empty.

``install`` seeds it once per Airflow version (``_seed_history.py``, Airflow's own models) into a copy of the
template database, dated before a reference time; each start moves it to the days before now — plain SQLite
updates, milliseconds — and writes the task logs Airflow's API serves.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

HISTORY_DB = "airflow-history.db"  # next to the template's airflow.db
HISTORY_META = "history.json"  # {"reference": ISO time the history was seeded before}
SEED_SCRIPT = Path(__file__).with_name("_seed_history.py")
_STAMP = "%Y-%m-%d %H:%M:%S.%f"  # how Airflow's SQLite columns hold times (UTC)


def reference_time() -> datetime:
    """Now, to the hour: the seeded runs fall at whole hours of the days before it."""
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


def history_reference(template: Path) -> datetime | None:
    """The reference time of ``template``'s seeded history, or None when it has none."""
    try:
        reference = json.loads((template / HISTORY_META).read_text())["reference"]
    except (OSError, ValueError, KeyError):
        return None
    return datetime.fromisoformat(reference) if (template / HISTORY_DB).is_file() else None


def move_to_now(db: Path, reference: datetime, now: datetime) -> timedelta:
    """Shift every time of ``db``'s runs and task instances by whole hours (seeded before ``reference``,
    they end up before ``now``) and give the runs the ids Airflow would (``manual__<logical date>``)."""
    shift = timedelta(hours=max(0, int((now - reference).total_seconds() // 3600)))
    with closing(sqlite3.connect(db)) as conn, conn:
        date_column = "logical_date" if "logical_date" in _time_columns(conn, "dag_run") else "execution_date"
        for table in ("dag_run", "task_instance"):
            _shift_times(conn, table, shift)
        runs = conn.execute(f"SELECT dag_id, run_id, {date_column} FROM dag_run ORDER BY {date_column} DESC")
        for dag_id, run_id, date in runs.fetchall():  # latest first: a new id is never an old one still in use
            new_id = "manual__" + datetime.strptime(date, _STAMP).replace(tzinfo=UTC).isoformat()
            for table in ("dag_run", "task_instance"):
                conn.execute(f"UPDATE {table} SET run_id = ? WHERE dag_id = ? AND run_id = ?", (new_id, dag_id, run_id))
    return shift


def _time_columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f"PRAGMA table_info({table})") if row[2].upper() in ("TIMESTAMP", "DATETIME")]


def _shift_times(conn: sqlite3.Connection, table: str, shift: timedelta) -> None:
    """Move the times of every row of ``table``, latest first (unique indexes hold dates)."""
    columns = _time_columns(conn, table)
    rows = conn.execute(f"SELECT rowid, {', '.join(columns)} FROM {table} ORDER BY start_date DESC").fetchall()
    assignments = ", ".join(f"{column} = ?" for column in columns)
    for rowid, *values in rows:
        moved = [(datetime.strptime(v, _STAMP) + shift).strftime(_STAMP) if v else v for v in values]
        conn.execute(f"UPDATE {table} SET {assignments} WHERE rowid = ?", (*moved, rowid))


def write_logs(db: Path, logs: Path, airflow3: bool) -> int:
    """A short log for each finished task instance of ``db``, where Airflow's default log layout puts it
    (Airflow 3: JSON lines; 2: text). Returns how many."""
    with closing(sqlite3.connect(db)) as conn:
        rows = conn.execute(
            "SELECT dag_id, run_id, task_id, state, start_date, end_date FROM task_instance "
            "WHERE state IN ('success', 'failed') AND map_index = -1"
        ).fetchall()
    for dag_id, run_id, task_id, state, start, end in rows:
        path = logs / f"dag_id={dag_id}" / f"run_id={run_id}" / f"task_id={task_id}" / "attempt=1.log"
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = [(start, "info", f"Running {task_id} of {dag_id} (history seeded by the MWAA emulator)")]
        lines.append(
            (end, "error", "Task failed with exception: RuntimeError: failed on purpose")
            if state == "failed"
            else (end, "info", "Task finished: success")
        )
        path.write_text("".join(_log_line(when, level, text, airflow3) + "\n" for when, level, text in lines))
    return len(rows)


def _log_line(when: str, level: str, text: str, airflow3: bool) -> str:
    stamp = datetime.strptime(when, _STAMP).replace(tzinfo=UTC).isoformat()
    if airflow3:
        return json.dumps({"timestamp": stamp, "level": level, "event": text, "logger": "task"})
    return f"[{stamp}] {{history}} {level.upper()} - {text}"
