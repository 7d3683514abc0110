"""One file to deploy, as the DAG loop carries it from the checks to S3."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DagSource:
    """A file to deploy: its name in the DAG folder, its bytes, the DAG ids found statically."""

    name: str
    body: bytes
    dag_ids: tuple[str, ...] = ()
    is_dag: bool = False  # Airflow will look for DAGs in it (a .py file mentioning both "airflow" and "dag")

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")
