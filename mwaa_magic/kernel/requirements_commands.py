"""``%mwaa requirements --check [FILE]`` / ``--apply [--yes]`` and ``--plugins DIR``: the requirements.txt or
plugins.zip checked here in seconds (:mod:`mwaa_magic.gate.requirements`, :mod:`mwaa_magic.gate.plugins`), then
uploaded and applied with UpdateEnvironment after a confirmation (:mod:`mwaa_magic.gate.apply`)."""

from __future__ import annotations

import argparse
from typing import Any

from IPython.core.error import StdinNotImplementedError, UsageError

from ..core import errors
from .registry import sessions

WHAT_WITH_FILE = "FILE (or --plugins DIR) goes with --check or --apply"


def wanted(args: argparse.Namespace) -> bool:
    """Whether the line asks for a check or an apply (else ``%mwaa requirements`` shows versions)."""
    return bool(args.check or args.apply or args.plugins or args.file)


def check_arguments(args: argparse.Namespace) -> None:
    """The options taken together, before any call."""
    if (args.file or args.plugins) and not (args.check or args.apply):
        raise errors.InvalidArgument(f"{WHAT_WITH_FILE}: %mwaa requirements --check FILE.")
    if args.file and args.plugins:
        raise errors.InvalidArgument("Give a requirements.txt (FILE) or --plugins DIR, not both.")
    if args.yes and not args.apply:
        raise errors.InvalidArgument("--yes goes with --apply (it skips the confirmation).")
    if args.diff and (args.check or args.apply):
        raise errors.InvalidArgument("--diff shows what a newer version in S3 changes: use it without --check or --apply.")
    if args.refresh and args.plugins:
        raise errors.InvalidArgument("--refresh asks the package registry: it goes with a requirements.txt, not --plugins.")


def run(magics: Any, args: argparse.Namespace) -> Any:
    """Check (and with ``--apply`` apply) a requirements.txt or a plugins folder on the session's environment."""
    session = sessions.get(args.session)
    if args.plugins:
        return _plugins(session, args)
    return _requirements(session, args)


def _requirements(session: Any, args: argparse.Namespace) -> Any:
    from ..gate import apply, requirements
    from .display import Rows

    info = session.environment.details(refresh=True)
    key, running = apply.current(session, apply.REQUIREMENTS)
    if args.file:
        text, source = requirements.read_file(args.file), args.file
    else:
        latest_key, latest = apply.current(session, apply.REQUIREMENTS, applied=False)
        if latest is None:
            raise requirements.RequirementsRefused(
                f"{session.environment.name} has no requirements.txt in its bucket: give a FILE (%mwaa requirements --check FILE)."
            )
        text, source = latest.decode("utf-8", "replace"), f"s3://{session.dag_folder.location()[0]}/{latest_key}"
    result = requirements.check(
        info.airflow_version or "", text, running.decode("utf-8", "replace") if running else None, source, args.refresh
    )
    print(result.summary())
    changes = Rows(result.changes, ["package", "running", "new"], f"Changes against {session.environment.name}")
    if not args.apply:
        return changes
    if result.changes:
        print(repr(changes))
    return _apply(session, apply.REQUIREMENTS, text.encode(), args)


def _plugins(session: Any, args: argparse.Namespace) -> Any:
    from ..gate import apply, plugins

    checked = plugins.build(args.plugins)
    print(checked.summary())
    if not args.apply:
        return checked.names
    return _apply(session, apply.PLUGINS, checked.body, args)


def _apply(session: Any, file: Any, body: bytes, args: argparse.Namespace) -> dict[str, Any]:
    from ..gate import apply

    outcome = apply.apply(session, file, body, (lambda question: True) if args.yes else confirm, args.timeout)
    status = outcome["status"]
    if status == "AVAILABLE":
        print(
            f"{file.what} version {outcome['version']} applied: {session.environment.name} is AVAILABLE ({outcome['seconds']} s)."
        )
    elif status == "already applied":
        print(f"{session.environment.name} runs this {file.what} already (version {outcome['version']}): nothing to apply.")
    else:
        print(f"{file.what} not applied.")
    return outcome


def confirm(question: str) -> bool:
    """Ask in the notebook (``input``); a front end without input (nbclient, a script) is told to pass --yes."""
    try:
        answer = input(f"{question} [y/N] ")
    except (StdinNotImplementedError, EOFError, OSError):
        raise UsageError("This front end cannot ask for a confirmation: add --yes to apply.") from None
    return answer.strip().lower() in ("y", "yes")
