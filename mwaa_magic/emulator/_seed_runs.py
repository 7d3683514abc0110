"""Run by the Airflow venv's python: insert N finished runs of a DAG (``python _seed_runs.py DAG_ID N``)."""

import inspect
import sys
from datetime import UTC, datetime, timedelta

from airflow.models.dagrun import DagRun
from airflow.utils.session import create_session
from airflow.utils.state import DagRunState
from airflow.utils.types import DagRunType

dag_id, count = sys.argv[1], int(sys.argv[2])
params = inspect.signature(DagRun.__init__).parameters
date_arg = "logical_date" if "logical_date" in params else "execution_date"
base = datetime(2023, 1, 1, tzinfo=UTC)
stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
with create_session() as session:
    runs = []
    for i in range(count):
        when = base + timedelta(minutes=i)
        kwargs = {
            date_arg: when,
            "dag_id": dag_id,
            "run_id": f"seeded__{stamp}__{i:06d}",
            "start_date": when,
            "state": DagRunState.SUCCESS,
            "run_type": DagRunType.MANUAL,
            "conf": {"seeded": i},
            "data_interval": (when, when),
        }
        if "run_after" in params:
            kwargs["run_after"] = when
        if "external_trigger" in params:
            kwargs["external_trigger"] = True
        run = DagRun(**kwargs)
        run.end_date = when + timedelta(seconds=5)
        runs.append(run)
    session.add_all(runs)
print(f"seeded {count} runs of {dag_id}")
