"""Daily orders report, written for Airflow 2 on MWAA: a sample for the upgrade check (%mwaa upgrade-check).

Airflow 3 cannot import it as it is (``airflow.operators.dummy`` and ``schedule_interval`` are gone); ruff's
AIR3 rules flag every line that changes, and its fixes make it an Airflow 3 DAG."""

from datetime import datetime, timedelta

from airflow import DAG
from airflow.datasets import Dataset
from airflow.operators.bash import BashOperator
from airflow.operators.dummy import DummyOperator
from airflow.operators.python import PythonOperator

ORDERS = Dataset("s3://example-sales/orders/daily.parquet")


def count_orders(**context):
    print(f"counted 42 orders in run {context['run_id']}")
    return 42


with DAG(
    dag_id="legacy_orders",
    schedule_interval=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    default_args={"retries": 1, "retry_delay": timedelta(minutes=5)},
    tags=["sales", "airflow2"],
) as dag:
    start = DummyOperator(task_id="start")
    count = PythonOperator(task_id="count_orders", python_callable=count_orders)
    publish = BashOperator(task_id="publish", bash_command="echo published the orders of run {{ run_id }}", outlets=[ORDERS])
    start >> count >> publish
