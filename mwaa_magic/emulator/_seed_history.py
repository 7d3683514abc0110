"""Run by an Airflow venv's python at install (``python _seed_history.py REFERENCE``): the days before
REFERENCE (an ISO time) of the sample DAGs — finished runs, successes and failures, with their task
instances — into the template database; ``history.py`` moves them to the days before each start. Uses
Airflow's own ``create_dagrun`` (Airflow 2.10 to 3.1: the arguments it takes are looked up)."""

import inspect
import sys
from datetime import UTC, datetime, timedelta

from airflow.models.serialized_dag import SerializedDagModel
from airflow.utils.session import create_session
from airflow.utils.state import DagRunState, TaskInstanceState
from airflow.utils.types import DagRunType

# (dag_id, days ago, hour UTC, conf, the task that fails or None)
HISTORY = [
    *[("daily_sales_etl", day, 6, {"region": "us", "rows": 3}, "transform" if day == 3 else None) for day in (1, 2, 3, 4)],
    *[("hello_world", day, hour, {}, None) for day in (1, 2, 3, 4) for hour in (9, 15)],
    ("flaky_task", 1, 12, {}, "maybe_fail"),
    ("flaky_task", 2, 12, {"succeed": True}, None),
    ("flaky_task", 4, 12, {}, "maybe_fail"),
]


def run_arguments(create_dagrun, when: datetime, conf: object) -> dict:
    """Keyword arguments of ``create_dagrun`` for a finished manual run at ``when`` (2.x and 3.x differ)."""
    params = inspect.signature(create_dagrun).parameters
    kwargs = {
        "run_id": f"manual__{when.isoformat()}",
        "run_type": DagRunType.MANUAL,
        "state": DagRunState.RUNNING,
        "conf": conf,
        "data_interval": (when, when),
        "start_date": when,
        "logical_date" if "logical_date" in params else "execution_date": when,
    }
    if "run_after" in params:
        kwargs["run_after"] = when
    if "triggered_by" in params:
        from airflow.utils.types import DagRunTriggeredByType

        kwargs["triggered_by"] = DagRunTriggeredByType.REST_API
    if "external_trigger" in params:
        kwargs["external_trigger"] = True
    return kwargs


def finish(run, failing: str | None, when: datetime, session) -> None:
    """Give ``run``'s task instances (in order) their states and times, then the run its state."""
    failed = False
    for ti in sorted(run.get_task_instances(session=session), key=lambda t: t.priority_weight, reverse=True):
        ti.try_number = 1
        if failed:
            ti.state = TaskInstanceState.UPSTREAM_FAILED
            continue
        failed = ti.task_id == failing
        ti.state = TaskInstanceState.FAILED if failed else TaskInstanceState.SUCCESS
        ti.start_date, ti.end_date, ti.duration = when + timedelta(seconds=2), when + timedelta(seconds=5), 3.0
        when = ti.end_date
    run.state = DagRunState.FAILED if failing else DagRunState.SUCCESS
    run.end_date = when + timedelta(seconds=1)


def main() -> None:
    reference = datetime.fromisoformat(sys.argv[1]).astimezone(UTC)
    with create_session() as session:
        dags = {dag_id: SerializedDagModel.get_dag(dag_id, session=session) for dag_id, *_ in HISTORY}
        for dag_id, days, hour, conf, failing in HISTORY:
            when = (reference - timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)
            run = dags[dag_id].create_dagrun(**run_arguments(dags[dag_id].create_dagrun, when, conf), session=session)
            finish(run, failing, when, session)
    print(f"seeded {len(HISTORY)} runs")


main()
