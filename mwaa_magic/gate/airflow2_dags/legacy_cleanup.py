"""Cleanup of old exports, written for Airflow 2 on MWAA: a sample for the upgrade check (%mwaa upgrade-check).

Ruff flags two things Airflow 3 removed that it has no automatic fix for: ``days_ago`` and ``provide_context``
(edit those by hand: a fixed ``start_date``, and no ``provide_context``: the context is always passed)."""

from airflow import DAG
from airflow.operators.python import PythonOperator
from airflow.utils.dates import days_ago


def remove_old_exports(**context):
    print(f"removed the exports older than run {context['run_id']}")


with DAG(
    dag_id="legacy_cleanup",
    schedule_interval=None,
    start_date=days_ago(7),
    catchup=False,
    tags=["maintenance", "airflow2"],
) as dag:
    PythonOperator(task_id="remove_old_exports", python_callable=remove_old_exports, provide_context=True)
