"""Checks of arguments that need no call, shared by the Python API and the magics: ids, numbers, JSON.

Each returns its value unchanged or raises :class:`~mwaa_magic.core.errors.InvalidArgument` (one line).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from . import errors
from .text import one_line, shorten

ID_LENGTH = 250  # Airflow's ID_LEN: DAG, task and run ids
AIRFLOW_KEY = re.compile(r"[\w.-]+")  # Airflow's KEY_REGEX for DAG and task ids
MAX_DEPTH = 100  # nesting of a JSON value (a run's conf); deeper ones are refused, never a RecursionError
MAX_COUNT = 100_000  # the most rows a listing asks for
MAX_SECONDS = 7 * 24 * 3600.0  # the longest wait or timeout
JSON_SCALARS = (str, int, float, bool, type(None))


def _shown(value: object) -> str:
    return one_line(shorten(repr(value), 42))


def airflow_id(value: object, what: str = "DAG id") -> str:
    """A DAG or task id as Airflow accepts it: 1-250 letters, digits, '_', '.' or '-'."""
    if not isinstance(value, str) or len(value) > ID_LENGTH or not AIRFLOW_KEY.fullmatch(value):
        raise errors.InvalidArgument(
            f"{_shown(value)} is not an Airflow {what}: use 1-{ID_LENGTH} letters, digits, '_', '.' or '-'."
        )
    return value


def run_id(value: object) -> str:
    """A run id: 1-250 printable characters (Airflow's allowed_run_id_pattern is configurable; its length is not)."""
    if not isinstance(value, str) or not 1 <= len(value) <= ID_LENGTH or not value.isprintable():
        raise errors.InvalidArgument(f"{_shown(value)} is not an Airflow run id: use 1-{ID_LENGTH} printable characters.")
    return value


def count(value: object, what: str, maximum: int = MAX_COUNT) -> int:
    """A whole number from 1 to ``maximum`` (``limit``, ``try_number``)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum:
        raise errors.InvalidArgument(f"{what} must be a whole number from 1 to {maximum:,}, not {_shown(value)}.")
    return value


def seconds(value: object, what: str = "timeout", maximum: float = MAX_SECONDS) -> float:
    """A finite, positive number of seconds, at most ``maximum`` (NaN and infinity are refused)."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or not 0 < value <= maximum:  # type: ignore[operator]
        raise errors.InvalidArgument(f"{what} must be a positive number of seconds, at most {maximum:,.0f}, not {_shown(value)}.")
    return float(value)  # type: ignore[arg-type]


def json_value(value: Any, what: str = "conf") -> Any:
    """``value`` if JSON can carry it as is: dicts with text keys, lists, text, finite numbers, booleans, None;
    at most :data:`MAX_DEPTH` levels deep (walked without recursion)."""
    todo: list[tuple[Any, str, int]] = [(value, what, 0)]
    while todo:
        item, where, depth = todo.pop()
        if depth > MAX_DEPTH:
            raise errors.InvalidArgument(f"{what} is nested more than {MAX_DEPTH} levels deep: flatten it.")
        if isinstance(item, float) and not math.isfinite(item):
            raise errors.InvalidArgument(
                f"{shorten(where)} is {item}: JSON has no NaN or infinity; use null, a string or a finite number."
            )
        if isinstance(item, Mapping):
            for key, child in item.items():
                if not isinstance(key, str):
                    raise errors.InvalidArgument(f"{shorten(where)} has the key {_shown(key)}: JSON keys are strings.")
                todo.append((child, f"{where}[{key!r}]", depth + 1))
        elif isinstance(item, (list, tuple)):
            todo.extend((child, f"{where}[{i}]", depth + 1) for i, child in enumerate(item))
        elif not isinstance(item, JSON_SCALARS):
            raise errors.InvalidArgument(
                f"{shorten(where)} is a {type(item).__name__}, which JSON cannot carry: use text, numbers, lists or dicts."
            )
    return value


def json_object(value: Any, what: str = "conf") -> dict | None:
    """A run's conf: None, or a dict :func:`json_value` accepts."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise errors.InvalidArgument(f"{what} must be a JSON object (a dict), not a {type(value).__name__}.")
    return json_value(dict(value), what)


def _no_constant(name: str) -> Any:
    raise errors.InvalidArgument(f"the value {name} is not JSON: use null, a string or a finite number.")


def parse_json_object(text: str | None, flag: str) -> dict | None:
    """A JSON object given as text (``--conf``), checked by :func:`json_object`; NaN, 1e999 and deep nesting
    are refused in one line."""
    if text is None:
        return None
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise errors.InvalidArgument(f'{flag} must be JSON, e.g. {flag} \'{{"date": "2026-01-01"}}\' ({exc.msg}).') from None
    except RecursionError:
        raise errors.InvalidArgument(f"{flag} is nested more than {MAX_DEPTH} levels deep: flatten it.") from None
    except errors.InvalidArgument as exc:
        raise errors.InvalidArgument(f"{flag}: {exc.message}") from None
    if not isinstance(value, dict):
        raise errors.InvalidArgument(f"{flag} must be a JSON object.")
    return json_object(value, flag)


def run_reference(run: object) -> tuple[str, str]:
    """``(dag_id, dag_run_id)`` of a run as the API returns it (a dict holding both)."""
    if not isinstance(run, Mapping) or "dag_id" not in run or "dag_run_id" not in run:
        raise errors.InvalidArgument(
            f"{_shown(run)} is not a DAG run: pass what mwaa.trigger() or mwaa.dag_run(dag_id, run_id) returned."
        )
    return airflow_id(run["dag_id"]), run_id(run["dag_run_id"])
