"""``%mwaa upgrade-check``: the environment's DAG folder (or the files given) through ruff's Airflow 3 rules and the
parse gate on the target Airflow 3 release (:mod:`mwaa_magic.gate.upgrade`). Findings are shown, not failed on;
a file the target release cannot import fails the cell, after the table. Its arguments are declared in
:data:`~mwaa_magic.kernel.subcommands.SUBCOMMANDS`; their checks and the handler are here."""

from __future__ import annotations

import argparse
from typing import Any

from ..core import errors
from .registry import sessions


def release(text: str) -> str:
    """``--to``: one of MWAA's Airflow 3 releases the emulator installs."""
    from ..gate.upgrade import target_release

    return target_release(text)


def check_arguments(args: argparse.Namespace) -> None:
    """--unsafe-fixes only with --fix (it says which fixes the copies get)."""
    if args.unsafe_fixes and not args.fix:
        raise errors.InvalidArgument("--unsafe-fixes goes with --fix DIR (it chooses which of ruff's fixes the copies get).")


def upgrade_check(magics: Any, args: argparse.Namespace) -> None:
    """Run the check, show the diff (with --fix) and the table, store the report (-o), fail on a parse failure."""
    from ..gate.upgrade import check
    from .display import show

    session = None if args.paths else sessions.get(args.session)
    report = check(
        args.paths or None,
        session=session,
        to=args.to,
        fix_to=args.fix,
        unsafe_fixes=args.unsafe_fixes,
        parse=not args.no_parse,
    )
    if args.output:
        magics.user_ns[args.output] = report
    if report.diff:
        print(report.diff)
    show(report.table())
    report.raise_for_errors()
