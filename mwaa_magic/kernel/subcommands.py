"""The ``%mwaa`` subcommands: one table of name, help, arguments and handler.

To add a subcommand, add a function ``def _name(magics, args)`` below and one ``Subcommand`` entry in
:data:`SUBCOMMANDS`. Each argument carries its check (its ``type``: the core's :mod:`~mwaa_magic.core.arguments`,
the same checks as the Python API's), and a subcommand whose arguments need checking together carries a
``check``; :func:`check` runs them before the handler makes any call.
"""

from __future__ import annotations

import argparse
import importlib
import json
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from IPython.core.error import UsageError
from IPython.core.magic_arguments import MagicArgumentParser, argument

from ..core import arguments, errors
from ..core.validation import validate_environment_name, validate_region
from .parsing import json_object
from .registry import sessions


class Face(Protocol):
    """What a handler may use of the magics: the notebook's variables and the settings."""

    @property
    def user_ns(self) -> dict[str, Any]: ...
    @property
    def shell(self) -> Any: ...

    region: str | None
    profile: str | None
    variable: str
    webserver_urls: str | None
    jupyter_base_url: str | None
    link_lifetime: float


Handler = Callable[[Face, argparse.Namespace], Any]
Check = Callable[[argparse.Namespace], Any]  # what it returns is ``args.checked`` for the handler


@dataclass(frozen=True)
class Subcommand:
    name: str
    help: str
    handler: Handler
    arguments: tuple[tuple[tuple[str, ...], dict[str, Any]], ...] = ()
    session: bool = True  # takes --session
    output: bool = True  # takes -o VAR
    check: Check | None = None  # arguments checked together, before any call


def _lazy(module: str, name: str) -> Callable[..., Any]:
    """``name`` of ``kernel/<module>.py``, imported on its first call: a handler, a check or an argument's
    ``type`` of a subcommand whose code (the local gate, the upgrade check) loads only when it is used."""

    def call(*args: Any) -> Any:
        return getattr(importlib.import_module(f".{module}", __package__), name)(*args)

    call.__name__ = name  # argparse names a ``type`` by it
    return call


def arg(*names: str, **options: Any) -> tuple[tuple[str, ...], dict[str, Any]]:
    return names, options


# --- argument types: each checks its word before any call (the core's checks, shared with the Python API) -------
def _number(text: str, flag: str, kind: type) -> Any:
    try:
        return kind(text)
    except ValueError:
        raise errors.InvalidArgument(f"{flag} takes a number, not {text[:40]!r}.") from None


def _limit(text: str) -> int:
    return arguments.count(_number(text, "--limit", int), "--limit")


def _try_number(text: str) -> int:
    return arguments.count(_number(text, "--try", int), "--try")


def _timeout(text: str) -> float:
    return arguments.seconds(_number(text, "--timeout", float), "--timeout")


def _deploy_timeout(text: str) -> float:
    from ..core.dagloop import check_seconds

    return check_seconds(_number(text, "--timeout", float), "--timeout")


def _task_id(text: str) -> str:
    return arguments.airflow_id(text, "task id")


def _dag_or_all(text: str) -> str:
    return text if text == "~" else arguments.airflow_id(text)


def _session(alias: str) -> str:
    sessions.get(alias)
    return alias


def _conf(args: argparse.Namespace) -> None:
    json_object(args.conf, "--conf")


def _cli_command(args: argparse.Namespace) -> None:
    if not args.cli_command:
        raise UsageError("%mwaa cli COMMAND: give an Airflow CLI command, e.g. %mwaa cli dags list")


def _deploy_check(args: argparse.Namespace) -> Any:
    return deploy_options(args)  # the files are read once, and checked before any call, by the handler


def _undeploy_check(args: argparse.Namespace) -> None:
    from ..core.dagloop import check_name

    check_name(args.name, dag=False)


DAG_ID = arg("dag_id", type=arguments.airflow_id)
RUN_ID = arg("run_id", type=arguments.run_id)
GATE_VERSION = arg(  # %mwaa check and %mwaa test: the local gate's release
    "--version", "-V", type=_lazy("gate_commands", "version"), help="Airflow release (default: the session's environment's)"
)


# --- handlers -------------------------------------------------------------------------------------
def _envs(magics: Face, args: argparse.Namespace) -> Any:
    """The environments with their Airflow version's support state (core/support.py): a table, or JSON."""
    from ..core.control_plane import control_plane
    from ..core.support import support_for
    from .display import Rows

    plane = control_plane(args.profile or magics.profile, args.region or magics.region)
    rows = []
    for info in plane.list_environments():
        found = support_for(info.airflow_version) if info.airflow_version else None
        rows.append({**info.to_json(), "support": found.short if found else "", "airflow_support": found and found.to_json()})
    columns = ["name", "status", "airflow_version", "support", "webserver_access_mode", "error"]
    table = Rows(rows, columns, f"MWAA environments in {plane.region}")
    if not args.json:
        return table
    if args.output:
        magics.user_ns[args.output] = table
    print(json.dumps(rows, indent=2, ensure_ascii=False))
    return None


def _dags(magics: Face, args: argparse.Namespace) -> Any:
    return sessions.get(args.session).dags()


def _runs(magics: Face, args: argparse.Namespace) -> Any:
    return sessions.get(args.session).dag_runs(args.dag_id, limit=args.limit)


def _trigger(magics: Face, args: argparse.Namespace) -> Any:
    conf = json_object(args.conf, "--conf")
    session = sessions.get(args.session)
    run = session.trigger(args.dag_id, conf=conf)
    if args.output:
        magics.user_ns[args.output] = run  # bound before the wait: the run is never lost
    print(f"{run['dag_id']} {run['dag_run_id']}: {run.get('state')}")
    return session.wait(run) if args.wait else run


def _wait(magics: Face, args: argparse.Namespace) -> Any:
    session = sessions.get(args.session)
    return session.wait(session.dag_run(args.dag_id, args.run_id), timeout=args.timeout)


def _logs(magics: Face, args: argparse.Namespace) -> Any:
    return sessions.get(args.session).task_logs(args.dag_id, args.run_id, args.task_id, args.try_number)


def _ui(magics: Face, args: argparse.Namespace) -> None:
    """Where a Jupyter server shows the output, its token-free link (minted on click); in another kernel
    (nbclient, VS Code, Colab, jupyter console) no token unless --token-link or --print asks for one; in a
    terminal, the browser. --print writes the link as text to stdout, in any front end, after a warning."""
    from IPython.display import display

    from .display import LoginCard, TokenLink, served_by_jupyter

    session = sessions.get(args.session)
    lifetime = magics.link_lifetime

    def token_link() -> TokenLink:  # mints a token: only on the paths that show one
        return TokenLink(session.environment.console_url(session.flavour), session.info.environment, lifetime)

    if args.print:
        link = token_link()
        print(f"{link.warning()}\n{link.url}")
        return
    if not args.token_link and served_by_jupyter():
        display(LoginCard(session.info, args.session or sessions.current or magics.variable, magics.jupyter_base_url))
        return
    in_kernel = getattr(magics.shell, "kernel", None) is not None
    if in_kernel and not args.token_link:  # a notebook saved within the token's lifetime would keep it
        print(
            f"A login link holds a {lifetime:.0f} s token that a notebook saved meanwhile would keep, and this "
            "kernel has no Jupyter server to mint one on click: in jupyter console run %mwaa ui --print to print "
            "one; in a notebook %mwaa ui --token-link shows one anyway; or open the UI from JupyterLab."
        )
        return
    link = token_link()
    if in_kernel:
        link.show()
        return
    import webbrowser

    if webbrowser.open(link.url):
        print(f"Opened the Airflow UI of {session.info.environment} in your browser.")
    else:  # SSH, a container: no browser here
        print(f"No browser here. {link.warning()}\n{link.url}")


def _sessions(magics: Face, args: argparse.Namespace) -> Any:
    from .display import Rows

    rows = [
        {"name": alias, "current": "*" if alias == sessions.current else "", **s.info.to_json()} for alias, s in sessions.items()
    ]
    return Rows(
        rows, ["current", "name", "environment", "region", "airflow_version", "airflow_identity", "transport"], "MWAA sessions"
    )


def _use(magics: Face, args: argparse.Namespace) -> None:
    session = sessions.use(args.name)
    magics.user_ns[magics.variable] = session
    print(
        f"Current session: {args.name} ({session.info.environment} as {session.info.airflow_identity}); "
        f"also bound to {magics.variable}."
    )


def _logout(magics: Face, args: argparse.Namespace) -> None:
    alias = sessions.remove(args.name)
    if magics.user_ns.get(alias) is not None:
        del magics.user_ns[alias]
    left = ", ".join(name for name, _ in sessions.items())
    if sessions.current is None and left:
        print(f"Logged out of {alias}. No current session now; open ones: {left} (pick one with %mwaa use NAME).")
    else:
        print(f"Logged out of {alias}.")


def _cli(magics: Face, args: argparse.Namespace) -> Any:
    from ..core.cli import run_cli

    return run_cli(sessions.get(args.session).environment, shlex.join(args.cli_command))


def _doctor(magics: Face, args: argparse.Namespace) -> None:
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
    return DeployOptions(
        trigger=args.trigger,
        conf=conf,
        wait=not args.no_wait,
        force=args.force,
        timeout=args.timeout,
        local_check=not args.no_local_check,
    )


def _deploy(magics: Face, args: argparse.Namespace) -> Any:
    from ..core.dagloop import sources_from_paths
    from .display import Rows

    options = args.checked  # deploy_options(args), by :func:`check`
    sources = sources_from_paths(args.paths)  # every file read once and checked (names, links, syntax) before any call
    session = sessions.get(args.session)
    results = session.dag_loop.deploy(sources, options)
    return Rows(results, ["name", "state", "dag_ids"], f"Deployed to {session.info.environment}")


def _dag_files(magics: Face, args: argparse.Namespace) -> Any:
    from .display import Rows

    session = sessions.get(args.session)
    bucket, prefix = session.dag_folder.location()
    return Rows(session.dag_files(), ["name", "size", "last_modified", "dag_ids", "import_error"], f"s3://{bucket}/{prefix}")


def _undeploy(magics: Face, args: argparse.Namespace) -> Any:
    return sessions.get(args.session).undeploy(args.name, wait=not args.no_wait, force=args.force, timeout=args.timeout)


def _import_errors(magics: Face, args: argparse.Namespace) -> Any:
    from .display import Rows

    rows = sessions.get(args.session).import_errors()
    if args.traceback:
        for row in rows:
            print(f"--- {row['filename']} ({row['timestamp']})\n{row['stack_trace'].rstrip()}")
    return Rows(rows, ["filename", "timestamp", "error"], "Import errors")


def _requirements(magics: Face, args: argparse.Namespace) -> Any:
    from . import requirements_commands
    from .display import Rows

    if requirements_commands.wanted(args):  # --check / --apply / --plugins: kernel/requirements_commands.py
        return requirements_commands.run(magics, args)

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
    arg("--timeout", type=_deploy_timeout, help="seconds to wait for Airflow (default 300, at most a day)"),
)
DEPLOY_OPTIONS = (  # %mwaa deploy and %%mwaa_dag
    arg("--trigger", action="store_true", help="then run each DAG and wait for the run"),
    arg("--conf", "-c", help="run configuration as a JSON object (with --trigger)"),
    arg("--no-wait", action="store_true", help="upload only: do not wait for Airflow to parse"),
    arg("--no-local-check", action="store_true", help="skip the parse here on the environment's Airflow before the upload"),
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
        "List the environments of a region, with status, Airflow version and its support state on MWAA.",
        _envs,
        (
            arg("--region", "-r", type=validate_region, help="AWS region"),
            arg("--profile", "-p", help="AWS profile"),
            arg("--json", action="store_true", help="print the environments as JSON (with each version's support dates)"),
        ),
        session=False,
    ),
    Subcommand("dags", "List the DAGs.", _dags),
    Subcommand(
        "runs",
        "List the runs of a DAG, most recent first.",
        _runs,
        (
            arg("dag_id", type=_dag_or_all, help="DAG id (~ for every DAG)"),
            arg("--limit", "-n", type=_limit, default=25, help="how many runs (default 25)"),
        ),
    ),
    Subcommand(
        "trigger",
        "Trigger a DAG run (-o VAR is bound before any wait).",
        _trigger,
        (
            DAG_ID,
            arg("--conf", "-c", help="run configuration as a JSON object"),
            arg("--wait", "-w", action="store_true", help="wait for the run to finish (Ctrl-C stops waiting)"),
        ),
        check=_conf,
    ),
    Subcommand(
        "wait",
        "Wait for a run to finish (again, after Ctrl-C or a lost connection).",
        _wait,
        (DAG_ID, RUN_ID, arg("--timeout", type=_timeout, help="stop waiting after this many seconds")),
    ),
    Subcommand(
        "logs",
        "Show the log of a task try.",
        _logs,
        (
            DAG_ID,
            RUN_ID,
            arg("task_id", type=_task_id),
            arg("--try", dest="try_number", type=_try_number, help="try number (default: the latest)"),
        ),
    ),
    Subcommand(
        "ui",
        "Open the Airflow UI logged in (a fresh link).",
        _ui,
        (
            arg(
                "--token-link",
                action="store_true",
                help="show a link holding a 60 s token (replaced when it expires; a notebook saved before then keeps it)",
            ),
            arg(
                "--print",
                action="store_true",
                help="print the link as text, in any front end (jupyter console, plain IPython): it is a secret "
                "that logs in once within 60 s, and a notebook saved before then keeps the printed text",
            ),
        ),
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
            arg(
                "environment", nargs="?", type=validate_environment_name, help="environment name (default: the current session's)"
            ),
            arg("--region", "-r", type=validate_region, help="AWS region"),
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
        check=_deploy_check,
    ),
    Subcommand(
        "check",
        "Parse DAG files or folders here on the environment's Airflow release (no upload; no login with --version).",
        _lazy("gate_commands", "check_command"),
        (
            arg("paths", nargs="+", help="files or folders"),
            GATE_VERSION,
        ),
    ),
    Subcommand(
        "test",
        "Run a DAG here with `airflow dags test` on the environment's release; the cell fails when a task fails.",
        _lazy("gate_commands", "test_command"),
        (
            arg("dag_id", type=arguments.airflow_id, help="DAG id"),
            arg("paths", nargs="*", help="files or folders with its code (default: the environment's DAG folder)"),
            arg("--conf", "-c", help="run configuration as a JSON object"),
            arg("--task", "-t", nargs="+", type=_task_id, help="run only these tasks (the others are marked successful)"),
            arg("--logical-date", "-d", help="ISO 8601 date or date-time of the run"),
            arg("--variables", help="Airflow variables file (JSON or YAML)"),
            arg("--connections", help="Airflow connections file (JSON or YAML)"),
            arg("--from-environment", action="store_true", help="variables and connections from the environment (no passwords)"),
            GATE_VERSION,
            arg("--timeout", type=_deploy_timeout, help="seconds before the run is stopped (default 600)"),
        ),
        check=_lazy("gate_commands", "test_check"),
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
        check=_undeploy_check,
    ),
    Subcommand(
        "import-errors",
        "Show Airflow's current DAG import errors.",
        _import_errors,
        (arg("--traceback", "-t", action="store_true", help="print each full traceback"),),
    ),
    Subcommand(
        "requirements",
        "requirements.txt, plugins.zip, startup script: applied version vs the newest in S3; --check a "
        "requirements.txt here in seconds, --apply it (UpdateEnvironment); --plugins DIR the same for plugins.zip.",
        _requirements,
        (
            arg("--diff", action="store_true", help="show what a newer version changes"),
            arg("file", nargs="?", help="a requirements.txt here (default: the environment's newest in its bucket)"),
            arg("--check", action="store_true", help="resolve it on the environment's release with MWAA's constraints"),
            arg("--apply", action="store_true", help="check, upload, UpdateEnvironment and wait until AVAILABLE"),
            arg("--yes", "-y", action="store_true", help="apply without asking"),
            arg("--plugins", metavar="DIR", help="a folder (or a .zip) to check or apply as plugins.zip"),
            arg("--refresh", action="store_true", help="ask the package registry first (else uv's cache)"),
            arg("--timeout", type=_timeout, help="seconds to wait for the update (default 3600)"),
        ),
        check=_lazy("requirements_commands", "check_arguments"),
    ),
    Subcommand(
        "upgrade-check",
        "Check DAGs for Airflow 3: ruff's AIR3 rules with their fixes, then the parse on the target release.",
        _lazy("upgrade_commands", "upgrade_check"),
        (
            arg("paths", nargs="*", help="DAG files or folders here (default: the environment's S3 DAG folder)"),
            arg(
                "--to",
                metavar="VERSION",
                type=_lazy("upgrade_commands", "release"),
                help="the Airflow 3 release to check against (default: the newest MWAA offers)",
            ),
            arg("--fix", metavar="DIR", help="write ruff's fixes to copies in this local folder, show the diff (never uploads)"),
            arg(
                "--unsafe-fixes",
                action="store_true",
                help="with --fix, ruff's unsafe fixes too (e.g. imports moved to airflow.sdk or a provider: review the diff)",
            ),
            arg("--no-parse", action="store_true", help="ruff's rules only: no parse on the target release"),
        ),
        check=_lazy("upgrade_commands", "check_arguments"),
    ),
    Subcommand(
        "cli",
        "Run an Airflow CLI command through CreateCliToken (%mwaa options go before it).",
        _cli,
        (arg("cli_command", nargs=argparse.REMAINDER, help="e.g. dags list -o json"),),
        check=_cli_command,
    ),
)
NAMES = tuple(s.name for s in SUBCOMMANDS)
_BY_NAME = {s.name: s for s in SUBCOMMANDS}


def _build() -> tuple[MagicArgumentParser, dict[str, MagicArgumentParser]]:
    top = MagicArgumentParser(
        prog="%mwaa", add_help=False, description="MWAA and Airflow from the notebook.", formatter_class=argparse.HelpFormatter
    )
    sub = top.add_subparsers(dest="command", parser_class=MagicArgumentParser, metavar="SUBCOMMAND")
    parsers = {}
    for command in SUBCOMMANDS:
        p = parsers[command.name] = sub.add_parser(
            command.name,
            help=command.help,
            description=command.help,
            add_help=False,
            prog=f"%mwaa {command.name}",
            formatter_class=argparse.HelpFormatter,  # IPython's adds "::" and a second % (cell-magic usage)
        )
        for names, options in command.arguments:
            p.add_argument(*names, **options)
        if command.session:
            p.add_argument("--session", "-s", type=_session, help=SESSION_HELP)
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
        width = max(len(n) for n in NAMES) + len("%mwaa ")
        lines = [f"  {('%mwaa ' + s.name).ljust(width)}  {s.help}" for s in SUBCOMMANDS]
        return (
            "Usage: %mwaa SUBCOMMAND [options]   (%mwaa SUBCOMMAND -h for its options)\n\n"
            "MWAA and Airflow from the notebook. Log in first with %mwaa_login ENV.\n\nSubcommands:\n"
            + "\n".join(lines)
            + "\n\nEvery subcommand takes --debug; most take -s/--session NAME and -o VAR."
        )
    if name not in _BY_NAME:
        raise unknown(name)
    return _build()[1][name].format_help().strip()


def unknown(name: str) -> UsageError:
    """The error for a subcommand that does not exist: the nearest one first, then all of them."""
    from ..core.nearest import did_you_mean

    return UsageError(f"%mwaa has no subcommand {name[:40]!r}:{did_you_mean(name, list(NAMES))} Subcommands: {', '.join(NAMES)}.")


def check(args: argparse.Namespace) -> None:
    """The checks of the subcommand's arguments taken together (each word was checked as it was parsed); what
    the check built from them (``DeployOptions``, a test request) becomes ``args.checked``, so the handler does
    not build it again."""
    command = _BY_NAME[args.command]
    args.checked = command.check(args) if command.check is not None else None


def run(magics: Face, args: argparse.Namespace) -> Any:
    return _BY_NAME[args.command].handler(magics, args)
