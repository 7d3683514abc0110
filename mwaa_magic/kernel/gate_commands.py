"""``%mwaa check`` and ``%mwaa test`` (the local gate, :mod:`mwaa_magic.gate`): their argument checks and handlers;
``%%mwaa_dag --test``. Imported by the subcommands' handlers on first use."""

from __future__ import annotations

import argparse
from typing import Any

from ..core import arguments, errors
from .parsing import json_object
from .registry import sessions


def version(text: str) -> str:
    """``--version``: a release the emulator can install (one line listing them otherwise)."""
    from ..gate.release import check_version

    return check_version(text)


def _session_or_none(args: argparse.Namespace) -> Any:
    """The session named by --session (or the current one), None when nobody is logged in and none is named."""
    if args.session is None and sessions.current is None:
        return None
    return sessions.get(args.session)


def check_command(magics: Any, args: argparse.Namespace) -> Any:
    """``%mwaa check PATH…``: the parse gate alone (no upload; no login with --version)."""
    from ..gate.api import run_check
    from .display import show

    session = None if args.version else _session_or_none(args)
    return run_check(session, args.version, list(args.paths), show=show)


def test_arguments(args: argparse.Namespace) -> Any:
    """The checked request of ``%mwaa test`` (every argument, before anything runs)."""
    from ..gate.api import test_request

    return test_request(
        args.dag_id,
        list(args.paths),
        json_object(args.conf, "--conf"),
        args.task or (),
        args.logical_date,
        args.variables,
        args.connections,
        args.from_environment,
        args.timeout if args.timeout is not None else 600.0,
    )


def test_check(args: argparse.Namespace) -> Any:
    return test_arguments(args)


def test_command(magics: Any, args: argparse.Namespace) -> Any:
    """``%mwaa test DAG [PATH…]``: ``airflow dags test`` here; task logs stream; the cell fails when a task fails."""
    from ..gate.api import run_request
    from .display import show

    session = None if args.version else _session_or_none(args)
    return run_request(args.checked, session, args.version, show)  # args.checked: test_check's request


def test_cell_first(session: Any, source: Any, conf: dict | None) -> None:
    """``%%mwaa_dag FILE --test``: run the cell's DAG(s) here, on the environment's release, before the deploy;
    a failed task stops it (nothing uploaded)."""
    from ..gate.api import run_request, test_request
    from .display import show

    if not source.dag_ids:
        raise errors.InvalidDagFile(f"--test needs a DAG id the cell names statically (none found in {source.name}).")
    for dag_id in source.dag_ids:
        show(run_request(test_request(dag_id, conf=arguments.json_object(conf)), session, None, show, {source.name: source.body}))
