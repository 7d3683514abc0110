"""Nearest names for a message: which DAG ids are close to one Airflow does not have (after its 404)."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from . import errors
from .text import shorten

SHOWN = 8  # DAG ids listed in the message


def nearest(name: str, names: list[str]) -> str | None:
    """The one of ``names`` closest to ``name`` (None when none is close)."""
    near = difflib.get_close_matches(name, names, n=1)
    return near[0] if near else None


def did_you_mean(name: str, names: list[str]) -> str:
    """`` did you mean X?`` for the nearest of ``names`` ("" when none is close)."""
    near = nearest(name, names)
    return f" did you mean {near}?" if near else ""


@contextmanager
def dag_named(dag_id: str, environment: str, list_dag_ids: Callable[[], tuple[list[str], int]]) -> Iterator[None]:
    """Turn a 404 inside the block into "No DAG ``dag_id`` in ``environment``: did you mean ...? DAGs there: ...".

    ``list_dag_ids`` (the first page of ids, and how many there are) is called once, only after a 404; when it fails, or names ``dag_id`` (the 404 was about
    something else: a run, a task), the original error stands."""
    try:
        yield
    except errors.AirflowApiError as exc:
        if exc.status != 404:
            raise
        try:
            ids, total = list_dag_ids()
        except errors.MwaaError:
            raise exc from None
        if dag_id in ids:
            raise
        ids = sorted(ids)
        there = ", ".join(ids[:SHOWN]) + (f", ... ({total} in all)" if total > SHOWN else "") if ids else "none"
        message = f"No DAG {shorten(dag_id)!r} in {environment}:{did_you_mean(dag_id, ids)} DAGs there: {there}."
        raise errors.AirflowApiError(message, 404) from None
