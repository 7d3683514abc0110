"""Fails unless triggered with conf ``{"succeed": true}``: for trying "clear / retry a failed task"."""

from __future__ import annotations

from datetime import datetime

try:  # Airflow 3
    from airflow.sdk import dag, get_current_context, task
except ImportError:  # Airflow 2
    from airflow.decorators import dag, task
    from airflow.operators.python import get_current_context


@dag(dag_id="flaky_task", schedule=None, start_date=datetime(2024, 1, 1), catchup=False, tags=["example"])
def flaky_task():
    @task(retries=0)
    def maybe_fail() -> str:
        conf = get_current_context()["dag_run"].conf or {}
        if not conf.get("succeed"):
            raise RuntimeError('flaky_task failed on purpose; trigger with conf {"succeed": true} to pass')
        print("flaky_task succeeded")
        return "ok"

    maybe_fail()


flaky_task()
