"""Extract -> transform -> load of a day's sales; reads ``dag_run.conf``, pushes XComs, logs a summary.

Trigger with conf ``{"region": "emea", "rows": 5}`` to change what it produces.
"""

from __future__ import annotations

from datetime import datetime

try:  # Airflow 3
    from airflow.sdk import dag, get_current_context, task
except ImportError:  # Airflow 2
    from airflow.decorators import dag, task
    from airflow.operators.python import get_current_context


@dag(
    dag_id="daily_sales_etl",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    tags=["example", "sales"],
    params={"region": "us", "rows": 3},
)
def daily_sales_etl():
    @task
    def extract() -> list[dict]:
        conf = get_current_context()["dag_run"].conf or {}
        region, rows = conf.get("region", "us"), int(conf.get("rows", 3))
        data = [{"region": region, "order": i, "amount": 10.0 * (i + 1)} for i in range(rows)]
        print(f"extracted {len(data)} orders for region {region}")
        return data

    @task
    def transform(orders: list[dict]) -> dict:
        total = round(sum(o["amount"] for o in orders), 2)
        summary = {"region": orders[0]["region"] if orders else None, "orders": len(orders), "total": total}
        print(f"summary: {summary}")
        return summary

    @task
    def load(summary: dict) -> str:
        print(f"loaded sales summary into the warehouse: {summary}")
        return f"{summary['orders']} orders, total {summary['total']}"

    load(transform(extract()))


daily_sales_etl()
