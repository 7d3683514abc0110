"""One fast task that says hello."""

from __future__ import annotations

from datetime import datetime

try:  # Airflow 3
    from airflow.sdk import dag, task
except ImportError:  # Airflow 2
    from airflow.decorators import dag, task


@dag(dag_id="hello_world", schedule=None, start_date=datetime(2024, 1, 1), catchup=False, tags=["example"])
def hello_world():
    @task
    def say_hello() -> str:
        print("hello from the MWAA emulator")
        return "hello"

    say_hello()


hello_world()
