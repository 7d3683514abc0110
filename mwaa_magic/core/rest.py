"""The REST API's paths and answers: a checked path, its segments, paging in waves, one line for a failure."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote, unquote

from . import arguments, errors
from .flavours import API_ROOTS
from .text import first_line, one_line, shorten

PAGE_WORKERS = 4  # the widest wave of pages (bench/list_runs.py: more only loads a busy web server)
WIDEN_GAIN = 1.05  # a wider wave must fetch pages this much faster to be kept
MAX_PATH = 4096  # characters of a REST path once URL-encoded: web servers refuse longer request lines


def api_path(path: object) -> str:
    """``path`` as a path under the REST API root, or :class:`InvalidPath` (control characters, ``..``, a URL)."""
    if not isinstance(path, str) or not path.strip():
        raise errors.InvalidPath("Give a REST path relative to the API root, e.g. mwaa.get('/dags').")
    shown = one_line(shorten(path))
    if any(not ch.isprintable() for ch in path):
        raise errors.InvalidPath(f"The path {shown!r} holds control characters (CR, LF, ...): remove them.")
    path = path if path.startswith("/") else "/" + path
    if len(quote(path, safe="/%")) > MAX_PATH:
        raise errors.InvalidPath(f"The path {shown!r} is too long (at most {MAX_PATH:,} characters once URL-encoded).")
    if "?" in path or "#" in path or path.startswith("//") or "://" in path:
        raise errors.InvalidPath(
            f"{shown!r} is not a plain API path: pass query parameters as keywords, e.g. mwaa.get('/dags', limit=5)."
        )
    segments = unquote(path).replace("\\", "/").split("/")
    if any(segment in (".", "..") for segment in segments):
        raise errors.InvalidPath(
            f"{shown!r} leaves the REST API root ({'..'!r} or {'.'!r} segments): paths are relative to {API_ROOTS}."
        )
    return path


def adaptive_pages(fetch: Callable[[int], list], offsets: list[int], first_page_seconds: float) -> list[list]:
    """Pages at ``offsets`` in order, fetched in waves: one at a time, then two, then four, as long as a wider
    wave raises pages per second by :data:`WIDEN_GAIN`; a busy server (no gain) keeps it sequential."""
    pages: dict[int, list] = {}
    width, rate, settled, position = 1, 1.0 / max(first_page_seconds, 1e-6), False, 0
    with ThreadPoolExecutor(max_workers=PAGE_WORKERS) as pool:
        while position < len(offsets):
            wave = offsets[position : position + width]
            started = time.perf_counter()
            pages.update(zip(wave, pool.map(fetch, wave), strict=True))
            position += len(wave)
            wave_rate = len(wave) / max(time.perf_counter() - started, 1e-6)
            if settled:
                continue
            if width == 1 or wave_rate > rate * WIDEN_GAIN:
                rate = max(rate, wave_rate) if width == 1 else wave_rate
                if width < PAGE_WORKERS:
                    width *= 2
                else:
                    settled = True
            else:  # no gain from the wider wave: step back and stay
                width, settled = max(1, width // 2), True
    return [pages[offset] for offset in offsets]


def seg(value: str) -> str:
    return quote(str(value), safe="")


def dag_segment(dag_id: object) -> str:
    return seg(arguments.airflow_id(dag_id))


def task_segment(task_id: object) -> str:
    return seg(arguments.airflow_id(task_id, "task id"))


def run_segment(run_id: object) -> str:
    return seg(arguments.run_id(run_id))


def clean_params(params: dict | None) -> dict | None:
    return {k: v for k, v in params.items() if v is not None} if params else None


def api_error(method: str, path: str, status: int, data: Any, user: str) -> errors.AirflowApiError:
    """One line for a failed REST call, from Airflow's problem details."""
    detail = ""
    if isinstance(data, dict):
        detail = data.get("detail") or data.get("title") or data.get("message") or ""
        if isinstance(detail, list):  # FastAPI validation errors
            detail = "; ".join(str(d.get("msg", d)) if isinstance(d, dict) else str(d) for d in detail)
    detail = first_line(str(detail), 200)
    where = f"{method} {path}"
    if status == 401:
        text = f"Airflow says the session is not authenticated ({where}): log in again with %mwaa_login."
    elif status == 403:
        who = f"Airflow user {user!r}" if user else "Your Airflow role"
        text = f"{who} may not {where} (403): ask for an Airflow role that allows it (Op or Admin)."
    elif status == 404:
        text = f"Not found: {where} (404){': ' + detail if detail else ''}."
    elif status == 409:
        text = f"Conflict: {where} (409){': ' + detail if detail else ''}."
    elif status >= 500:
        text = f"The Airflow web server failed on {where} ({status}): try again; if it persists, check the environment's health."
    else:
        text = f"Airflow refused {where} ({status}){': ' + detail if detail else ''}."
    return errors.AirflowApiError(text, status)
