"""The ``%mwaa`` subcommands: one table of name, help, arguments and handler.

To add a subcommand, add a function ``def _name(magics, args)`` below and one ``Subcommand`` entry in
:data:`SUBCOMMANDS`. Arguments are checked by :func:`check` before the handler makes any call.
"""

from __future__ import annotations

import argparse
import json
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from IPython.core.error import UsageError
from IPython.core.magic_arguments import MagicArgumentParser, argument

from .parsing import json_object
from .registry import sessions


@dataclass(frozen=True)
class Subcommand:
    name: str
    help: str
    handler: Callable[[Any, argparse.Namespace], Any]
    arguments: tuple[tuple[tuple[str, ...], dict[str, Any]], ...] = ()
    session: bool = True  # takes --session
    output: bool = True  # takes -o VAR


def arg(*names: str, **options: Any) -> tuple[tuple[str, ...], dict[str, Any]]:
    return names, options


# --- handlers -------------------------------------------------------------------------------------
def _envs(magics: Any, args: argparse.Namespace) -> Any:
    from ..core.control_plane import control_plane
    from .display import Rows

    plane = control_plane(args.profile or magics.profile, args.region or magics.region)
    rows = [e.to_json() for e in plane.list_environments()]
    return Rows(
        rows, ["name", "status", "airflow_version", "webserver_access_mode", "error"], f"MWAA environments in {plane.region}"
    )


def _dags(magics: Any, args: argparse.Namespace) -> Any:
    return sessions.get(args.session).dags()


def _runs(magics: Any, args: argparse.Namespace) -> Any:
    return sessions.get(args.session).dag_runs(args.dag_id, limit=args.limit)


def _trigger(magics: Any, args: argparse.Namespace) -> Any:
    conf = json_object(args.conf, "--conf")
    session = sessions.get(args.session)
    run = session.trigger(args.dag_id, conf=conf)
    if args.output:
        magics.user_ns[args.output] = run  # bound before the wait: the run is never lost
    print(f"{run['dag_id']} {run['dag_run_id']}: {run.get('state')}")
    return session.wait(run) if args.wait else run


def _wait(magics: Any, args: argparse.Namespace) -> Any:
    session = sessions.get(args.session)
    return session.wait(session.dag_run(args.dag_id, args.run_id), timeout=args.timeout)


def _logs(magics: Any, args: argparse.Namespace) -> Any:
    return sessions.get(args.session).task_logs(args.dag_id, args.run_id, args.task_id, args.try_number)


def _ui(magics: Any, args: argparse.Namespace) -> None:
    from IPython.display import display

    from .display import LoginCard, TokenLink, served_by_jupyter

    session = sessions.get(args.session)
    if not args.token_link and served_by_jupyter():
        display(LoginCard(session.info, args.session or sessions.current or magics.variable, magics.jupyter_base_url))
        return
    link = TokenLink(session.environment.console_url(session.flavour), session.info.environment, magics.link_lifetime)
    if getattr(magics.shell, "kernel", None) is not None:
        link.show()
        return
    import webbrowser

    if webbrowser.open(link.url):
        print(f"Opened the Airflow UI of {session.info.environment} in your browser.")
    else:  # SSH, a container: no browser here
        print(f"No browser here. Open this link within {magics.link_lifetime:.0f} s (it logs you in once):\n{link.url}")


def _sessions(magics: Any, args: argparse.Namespace) -> Any:
    from .display import Rows

    rows = [
        {"name": alias, "current": "*" if alias == sessions.current else "", **s.info.to_json()} for alias, s in sessions.items()
    ]
    return Rows(
        rows, ["current", "name", "environment", "region", "airflow_version", "airflow_identity", "transport"], "MWAA sessions"
    )


def _use(magics: Any, args: argparse.Namespace) -> None:
    session = sessions.use(args.name)
    magics.user_ns[magics.variable] = session
    print(
        f"Current session: {args.name} ({session.info.environment} as {session.info.airflow_identity}); "
        f"also bound to `{magics.variable}`."
    )


def _logout(magics: Any, args: argparse.Namespace) -> None:
    alias = sessions.remove(args.name)
    if magics.user_ns.get(alias) is not None:
        del magics.user_ns[alias]
    left = ", ".join(name for name, _ in sessions.items())
    if sessions.current is None and left:
        print(f"Logged out of {alias}. No current session now; open ones: {left} (pick one with %mwaa use NAME).")
    else:
        print(f"Logged out of {alias}.")


def _cli(magics: Any, args: argparse.Namespace) -> Any:
    from ..core.cli import run_cli

    return run_cli(sessions.get(args.session).environment, shlex.join(args.cli_command))


def _doctor(magics: Any, args: argparse.Namespace) -> None:
    """Run the checks, show the table (or JSON), store it (-o) and fail the cell when a check failed."""
    from ..core.doctor import DoctorFailed, doctor
    from .display import show

    name, region, profile = args.environment, args.region or magics.region, args.profile or magics.profile
    if not name:
        if sessions.current is None:
            raise UsageError("%mwaa doctor ENV: name the environment to check (or log in first to check the current one).")
        info = sessions.get(None).info
        name, region, profile = info.environment, args.region or info.region, args.profile or info.profile
    diagnosis = doctor(name, region, profile, magics.webserver_urls)
    if args.output:
        magics.user_ns[args.output] = diagnosis
    if args.json:
        print(json.dumps(diagnosis.to_json(), indent=2, ensure_ascii=False))
    else:
        show(diagnosis)
    if not diagnosis.ok:
        raise DoctorFailed(diagnosis)


def deploy_options(args: argparse.Namespace) -> Any:
    """The ``DeployOptions`` of ``%mwaa deploy`` or ``%%mwaa_dag`` (checked in the core, before any call)."""
    from ..core.dagloop import DeployOptions

    conf = json_object(args.conf, "--conf")
    return DeployOptions(trigger=args.trigger, conf=conf, wait=not args.no_wait, force=args.force, timeout=args.timeout)


def _deploy(magics: Any, args: argparse.Namespace) -> Any:
    from ..core.dagloop import sources_from_paths
    from .display import Rows

    options = deploy_options(args)
    sources = sources_from_paths(args.paths)  # every file read once and checked (names, links, syntax) before any call
    session = sessions.get(args.session)
    results = session.dag_loop.deploy(sources, options)
    return Rows(results, ["name", "state", "dag_ids"], f"Deployed to {session.info.environment}")


def _dag_files(magics: Any, args: argparse.Namespace) -> Any:
    from .display import Rows

    session = sessions.get(args.session)
    bucket, prefix = session.dag_folder.location()
    return Rows(session.dag_files(), ["name", "size", "last_modified", "dag_ids", "import_error"], f"s3://{bucket}/{prefix}")


def _undeploy(magics: Any, args: argparse.Namespace) -> Any:
    return sessions.get(args.session).undeploy(args.name, wait=not args.no_wait, force=args.force, timeout=args.timeout)


def _import_errors(magics: Any, args: argparse.Namespace) -> Any:
    from .display import Rows

    rows = sessions.get(args.session).import_errors()
    if args.traceback:
        for row in rows:
            print(f"--- {row['filename']} ({row['timestamp']})\n{row['stack_trace'].rstrip()}")
    return Rows(rows, ["filename", "timestamp", "error"], "Import errors")


def _requirements(magics: Any, args: argparse.Namespace) -> Any:
    from .display import Rows

    rows = sessions.get(args.session).requirements(diff=args.diff)
    for row in rows:
        if row.get("diff"):
            print(row["diff"])
    return Rows(rows, ["file", "s3_path", "status", "applied_version", "latest_version"], "Requirements, plugins, startup script")


GUARD_OPTIONS = (
    arg(
        "--force",
        action="store_true",
        help="overwrite (or remove) a file even if this session never read it or it changed in S3 since",
    ),
    arg("--timeout", type=float, help="seconds to wait for Airflow (default 300)"),
)
DEPLOY_OPTIONS = (  # %mwaa deploy and %%mwaa_dag
    arg("--trigger", action="store_true", help="then run each DAG and wait for the run"),
    arg("--conf", "-c", help="run configuration as a JSON object (with --trigger)"),
    arg("--no-wait", action="store_true", help="upload only: do not wait for Airflow to parse"),
    *GUARD_OPTIONS,
)
F = TypeVar("F", bound=Callable[..., Any])


def deploy_arguments(func: F) -> F:
    """Declares :data:`DEPLOY_OPTIONS` on a magic (``%%mwaa_dag``) as IPython's ``@argument`` would, in order."""
    for names, options in reversed(DEPLOY_OPTIONS):
        func = argument(*names, **options)(func)
    return func


SESSION_HELP = "session alias (default: the current one)"
SUBCOMMANDS: tuple[Subcommand, ...] = (
    Subcommand(
        "envs",
        "List the environments of a region, with status and Airflow version.",
        _envs,
        (arg("--region", "-r", help="AWS region"), arg("--profile", "-p", help="AWS profile")),
        session=False,
    ),
    Subcommand("dags", "List the DAGs.", _dags),
    Subcommand(
        "runs",
        "List the runs of a DAG, most recent first.",
        _runs,
        (arg("dag_id"), arg("--limit", "-n", type=int, default=25, help="how many runs (default 25)")),
    ),
    Subcommand(
        "trigger",
        "Trigger a DAG run (-o VAR is bound before any wait).",
        _trigger,
        (
            arg("dag_id"),
            arg("--conf", "-c", help="run configuration as a JSON object"),
            arg("--wait", "-w", action="store_true", help="wait for the run to finish (Ctrl-C stops waiting)"),
        ),
    ),
    Subcommand(
        "wait",
        "Wait for a run to finish (again, after Ctrl-C or a lost connection).",
        _wait,
        (arg("dag_id"), arg("run_id"), arg("--timeout", type=float, help="stop waiting after this many seconds")),
    ),
    Subcommand(
        "logs",
        "Show the log of a task try.",
        _logs,
        (
            arg("dag_id"),
            arg("run_id"),
            arg("task_id"),
            arg("--try", dest="try_number", type=int, help="try number (default: the latest)"),
        ),
    ),
    Subcommand(
        "ui",
        "Open the Airflow UI logged in (a fresh link).",
        _ui,
        (arg("--token-link", action="store_true", help="show a link holding a 60 s token (replaced when it expires)"),),
        output=False,
    ),
    Subcommand("sessions", "List the open sessions.", _sessions, session=False),
    Subcommand("use", "Make a session current.", _use, (arg("name"),), session=False, output=False),
    Subcommand(
        "logout", "Forget a session (default: the current one).", _logout, (arg("name", nargs="?"),), session=False, output=False
    ),
    Subcommand(
        "doctor",
        "Check the whole path to an environment step by step, and say what to fix.",
        _doctor,
        (
            arg("environment", nargs="?", help="environment name (default: the current session's)"),
            arg("--region", "-r", help="AWS region"),
            arg("--profile", "-p", help="AWS profile"),
            arg("--json", action="store_true", help="print the results as JSON (the same data as -o VAR)"),
        ),
        session=False,
    ),
    Subcommand(
        "deploy",
        "Put DAG files or folders (helper modules go along) in the S3 DAG folder; wait for the parse.",
        _deploy,
        (
            arg("paths", nargs="+", help="files or folders"),
            *DEPLOY_OPTIONS,
        ),
    ),
    Subcommand("dag-files", "List the S3 DAG folder: name, size, last modified, the DAG ids Airflow parsed.", _dag_files),
    Subcommand(
        "undeploy",
        "Remove a file from the DAG folder and wait until its DAGs are gone from Airflow.",
        _undeploy,
        (
            arg("name", help="file name in the DAG folder, e.g. my_dag.py"),
            arg("--no-wait", action="store_true", help="do not wait for Airflow"),
            *GUARD_OPTIONS,
        ),
    ),
    Subcommand(
        "import-errors",
        "Show Airflow's current DAG import errors.",
        _import_errors,
        (arg("--traceback", "-t", action="store_true", help="print each full traceback"),),
    ),
    Subcommand(
        "requirements",
        "requirements.txt, plugins.zip, startup script: applied version vs the newest in S3.",
        _requirements,
        (arg("--diff", action="store_true", help="show what a newer version changes"),),
    ),
    Subcommand(
        "cli",
        "Run an Airflow CLI command through CreateCliToken (%mwaa options go before it).",
        _cli,
        (arg("cli_command", nargs=argparse.REMAINDER, help="e.g. dags list -o json"),),
    ),
)
NAMES = tuple(s.name for s in SUBCOMMANDS)
_BY_NAME = {s.name: s for s in SUBCOMMANDS}


def _build() -> tuple[MagicArgumentParser, dict[str, MagicArgumentParser]]:
    top = MagicArgumentParser(prog="%mwaa", add_help=False, description="MWAA and Airflow from the notebook.")
    sub = top.add_subparsers(dest="command", parser_class=MagicArgumentParser, metavar="SUBCOMMAND")
    parsers = {}
    for command in SUBCOMMANDS:
        p = parsers[command.name] = sub.add_parser(
            command.name, help=command.help, description=command.help, add_help=False, prog=f"%mwaa {command.name}"
        )
        for names, options in command.arguments:
            p.add_argument(*names, **options)
        if command.session:
            p.add_argument("--session", "-s", help=SESSION_HELP)
        if command.output:
            p.add_argument("-o", "--output", help="store the result in this variable")
        p.add_argument("--debug", action="store_true", help="full traceback on errors")
    return top, parsers


def parser() -> MagicArgumentParser:
    """The ``%mwaa`` argument parser (errors are UsageErrors)."""
    return _build()[0]


def help_text(name: str | None) -> str:
    """The usage of ``%mwaa`` (all subcommands) or of one subcommand."""
    if name is None:
        width = max(len(n) for n in NAMES)
        lines = [f"  {s.name.ljust(width)}  {s.help}" for s in SUBCOMMANDS]
        return (
            "Usage: %mwaa SUBCOMMAND [options]   (%mwaa SUBCOMMAND -h for its options)\n\n"
            "MWAA and Airflow from the notebook. Log in first with %mwaa_login ENV.\n\nSubcommands:\n"
            + "\n".join(lines)
            + "\n\nEvery subcommand takes --debug; most take -s/--session NAME and -o VAR."
        )
    if name not in _BY_NAME:
        raise UsageError(f"%mwaa has no subcommand {name[:40]!r}: use one of {', '.join(NAMES)}.")
    return _build()[1][name].format_help().strip()


def check(args: argparse.Namespace) -> None:
    """Every argument that can be checked without a call: before any call is made."""
    from ..core.control_plane import validate_region

    if getattr(args, "region", None):
        validate_region(args.region)
    if getattr(args, "limit", None) is not None and args.limit < 1:
        raise UsageError("--limit must be at least 1.")
    if args.command == "cli" and not args.cli_command:
        raise UsageError("%mwaa cli COMMAND: give an Airflow CLI command, e.g. %mwaa cli dags list")
    if args.command == "doctor" and args.environment:
        from ..core.control_plane import validate_environment_name

        validate_environment_name(args.environment)
    if args.command == "trigger":
        json_object(args.conf, "--conf")
    if args.command == "deploy":
        deploy_options(args)
    if args.command == "undeploy":
        from ..core.dagloop import check_name

        check_name(args.name, dag=False)
    if getattr(args, "timeout", None) is not None:
        from ..core.dagloop import check_seconds

        check_seconds(args.timeout, "--timeout")
    if getattr(args, "session", None):
        sessions.get(args.session)


def run(magics: Any, args: argparse.Namespace) -> Any:
    return _BY_NAME[args.command].handler(magics, args)
