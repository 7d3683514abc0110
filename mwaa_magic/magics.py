"""%mwaa_login, %mwaa and %%mwaa_cli: the IPython face of mwaa_magic (configurable with %config MwaaMagics)."""

from __future__ import annotations

import argparse
import json
import shlex
from contextlib import contextmanager
from typing import Any, Iterator

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class, needs_local_scope
from IPython.core.magic_arguments import MagicArgumentParser, argument, magic_arguments, parse_argstring
from traitlets import Bool, Enum, Float, Unicode, observe

from . import errors
from .registry import sessions


class Text(str):
    """A string that shows as itself (log text, CLI output)."""

    def __repr__(self) -> str:
        return str(self)


@magics_class
class MwaaMagics(Magics):
    """Log in to Amazon MWAA and call Airflow from a notebook."""

    region = Unicode(None, allow_none=True, help="AWS region (default: what boto3 finds: AWS_DEFAULT_REGION, profile).").tag(config=True)
    profile = Unicode(None, allow_none=True, help="AWS profile (default: what boto3 finds: AWS_PROFILE).").tag(config=True)
    variable = Unicode("mwaa", help="Variable the session of %mwaa_login is bound to.").tag(config=True)
    transport = Enum(["token", "invoke", "auto"], "token", help="How REST calls reach Airflow: web login token, InvokeRestApi, or InvokeRestApi with token fallback.").tag(config=True)
    webserver_urls = Unicode(None, allow_none=True, help="Web-server address setting: a URL, or host=URL pairs (default: $MWAA_MAGIC_WEBSERVER_URLS).").tag(config=True)
    jupyter_base_url = Unicode(None, allow_none=True, help="Base URL of the Jupyter server for token-free UI links (default: $JUPYTERHUB_SERVICE_PREFIX or /).").tag(config=True)
    debug = Bool(False, help="Show full tracebacks instead of one-line errors.").tag(config=True)
    link_lifetime = Float(60.0, help="Seconds a token-holding UI link stays shown before it is replaced (MWAA tokens live 60 s).").tag(config=True)

    @observe("debug")
    def _debug_changed(self, change) -> None:
        errors.show_full_tracebacks = change["new"]

    # --- %mwaa_login -----------------------------------------------------------------------------
    @magic_arguments()
    @argument("environment", nargs="?", help="MWAA environment name; without it, the environment picker opens.")
    @argument("--region", "-r", help="AWS region of the environment.")
    @argument("--profile", "-p", help="AWS profile to use.")
    @argument("--as", dest="alias", help="Variable to bind the session to (default: mwaa).")
    @argument("--transport", "-t", choices=["token", "invoke", "auto"], help="token (default), invoke (InvokeRestApi), or auto.")
    @argument("--debug", action="store_true", help="Show the full traceback on errors.")
    @line_magic
    def mwaa_login(self, line: str = ""):
        """Log in to an MWAA environment: show the login card and bind a session (``mwaa``)."""
        args = self._parse(self.mwaa_login, line)
        with self._debugging(args.debug):
            if not args.environment:
                from .picker import EnvironmentPicker

                return EnvironmentPicker(profile=args.profile or self.profile, region=args.region or self.region,
                                         variable=args.alias or self.variable, magics=self)
            self.login(args.environment, args.region, args.profile, args.alias, args.transport)

    def login(self, environment: str, region: str | None = None, profile: str | None = None,
              alias: str | None = None, transport: str | None = None):
        """What %mwaa_login does (also used by the panel): log in, bind, register, show the card."""
        from IPython.display import display

        from .display import LoginCard
        from .login import connect

        alias = _identifier(alias or self.variable)
        session = connect(environment, region or self.region, profile or self.profile,
                          transport or self.transport, self.webserver_urls)
        session.progress_factory = self._progress_factory()
        sessions.add(alias, session)
        self.shell.user_ns[alias] = session
        card = LoginCard(session.info, alias, self.jupyter_base_url)
        display(card)
        return session

    # --- %mwaa SUBCOMMAND --------------------------------------------------------------------------
    @line_magic
    @needs_local_scope
    def mwaa(self, line: str = "", local_ns: dict | None = None):
        """%mwaa envs | dags | runs DAG | trigger DAG | logs DAG RUN TASK | ui | sessions | use NAME | logout [NAME] | cli CMD"""
        parser = _subcommand_parser()
        try:
            args = parser.parse_args(shlex.split(line))
        except ValueError as exc:  # unbalanced quotes
            raise UsageError(f"%mwaa: {exc}") from None
        if not getattr(args, "command", None):
            raise UsageError(parser.format_usage().strip())
        with self._debugging(args.debug):
            result = getattr(self, f"_cmd_{args.command.replace('-', '_')}")(args)
        if getattr(args, "output", None):
            self.shell.user_ns[_identifier(args.output)] = result
        return result

    def _cmd_envs(self, args) -> Any:
        from .control import control_plane
        from .display import Rows

        plane = control_plane(args.profile or self.profile, args.region or self.region)
        rows = [e.to_json() for e in plane.list_environments()]
        return Rows(rows, ["name", "status", "airflow_version", "webserver_access_mode", "error"], f"MWAA environments in {plane.region}")

    def _cmd_dags(self, args) -> Any:
        from .display import Rows

        dags = self._session(args).dags()
        return Rows(dags, ["dag_id", "is_paused", "timetable_description", "tags", "owners"], "DAGs")

    def _cmd_runs(self, args) -> Any:
        from .display import Rows

        runs = self._session(args).dag_runs(args.dag_id, limit=args.limit)
        return Rows(runs, ["dag_id", "dag_run_id", "state", "logical_date", "start_date", "end_date"], f"Runs of {args.dag_id}")

    def _cmd_trigger(self, args) -> Any:
        conf = _json_arg(args.conf, "--conf")
        run = self._session(args).trigger(args.dag_id, conf=conf, wait=args.wait)
        if not args.wait:  # waiting already reported the final state
            print(f"{run['dag_id']} {run['dag_run_id']}: {run.get('state')}")
        return run

    def _cmd_logs(self, args) -> Any:
        return Text(self._session(args).task_logs(args.dag_id, args.run_id, args.task_id, args.try_number))

    def _cmd_ui(self, args) -> None:
        from .display import LoginCard, TokenLink, served_by_jupyter
        from .login import fresh_console_url
        from IPython.display import display

        session = self._session(args)
        if args.token_link or not served_by_jupyter():
            link = TokenLink(fresh_console_url(session), session.environment, self.link_lifetime)
            if getattr(self.shell, "kernel", None) is None:  # a terminal: open the browser here
                import webbrowser

                webbrowser.open(link._url)
                print(f"Opened the Airflow UI of {session.environment} in your browser.")
            else:
                link.show()
        else:
            display(LoginCard(session.info, sessions.current or self.variable, self.jupyter_base_url))

    def _cmd_sessions(self, args) -> Any:
        from .display import Rows

        rows = [{"name": alias, "current": "*" if alias == sessions.current else "", **s.info.to_json()}
                for alias, s in sessions.items()]
        return Rows(rows, ["current", "name", "environment", "region", "airflow_version", "airflow_identity", "transport"], "MWAA sessions")

    def _cmd_use(self, args) -> None:
        session = sessions.use(args.name)
        self.shell.user_ns[self.variable] = session
        print(f"Current session: {args.name} ({session.environment}); also bound to `{self.variable}`.")

    def _cmd_logout(self, args) -> None:
        alias = sessions.remove(args.name)
        if self.shell.user_ns.get(alias) is not None:
            del self.shell.user_ns[alias]
        print(f"Logged out of {alias}.")

    def _cmd_cli(self, args) -> Any:
        from .cli import run_cli

        if not args.cli_command:
            raise UsageError("%mwaa cli COMMAND: give an Airflow CLI command, e.g. %mwaa cli dags list")
        return run_cli(self._session(args), shlex.join(args.cli_command))

    # --- %%mwaa_cli ----------------------------------------------------------------------------------
    @magic_arguments()
    @argument("--session", "-s", help="Session alias (default: the current one).")
    @argument("-o", "--output", help="Variable to store the results in (a list of CliResult: .stdout, .stderr).")
    @argument("--debug", action="store_true")
    @cell_magic
    def mwaa_cli(self, line: str, cell: str):
        """Run Airflow CLI commands (one per line, # comments skipped) through CreateCliToken; stops at the first failure."""
        from .cli import run_cli_batch

        args = self._parse(self.mwaa_cli, line)
        with self._debugging(args.debug):
            commands = [c.strip() for c in cell.splitlines() if c.strip() and not c.strip().startswith("#")]
            outputs = run_cli_batch(self._session(args), commands)
        if args.output:
            self.shell.user_ns[_identifier(args.output)] = outputs

    # --- helpers -----------------------------------------------------------------------------------
    def _session(self, args):
        return sessions.get(getattr(args, "session", None))

    def _parse(self, func, line: str):
        return parse_argstring(func, line)

    def _progress_factory(self):
        from .airflow import Progress

        if getattr(self.shell, "kernel", None) is None:
            return Progress
        from .display import NotebookProgress

        return NotebookProgress

    @staticmethod
    @contextmanager
    def _debugging(flag: bool) -> Iterator[None]:
        """``--debug`` for one call: the error it raises shows its full traceback."""
        try:
            yield
        except errors.MwaaError as exc:
            exc.full_traceback = flag
            raise


def _identifier(name: str) -> str:
    if not name.isidentifier():
        raise UsageError(f"{name!r} is not a valid Python variable name.")
    return name


def _json_arg(text: str | None, flag: str) -> Any:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"{flag} must be JSON, e.g. {flag} '{{\"date\": \"2026-01-01\"}}' ({exc.msg}).") from None
    if not isinstance(value, dict):
        raise UsageError(f"{flag} must be a JSON object.")
    return value


def _subcommand_parser() -> MagicArgumentParser:
    parser = MagicArgumentParser(prog="%mwaa", add_help=False, description="MWAA and Airflow from the notebook.")
    sub = parser.add_subparsers(dest="command", parser_class=MagicArgumentParser)

    def command(name: str, text: str, session: bool = True, output: bool = True):
        p = sub.add_parser(name, help=text, description=text, add_help=False)
        if session:
            p.add_argument("--session", "-s", help="session alias (default: the current one)")
        if output:
            p.add_argument("-o", "--output", help="store the result in this variable")
        p.add_argument("--debug", action="store_true", help="full traceback on errors")
        return p

    p = command("envs", "List the environments of a region, with status and Airflow version.", session=False)
    p.add_argument("--region", "-r")
    p.add_argument("--profile", "-p")
    command("dags", "List the DAGs.")
    p = command("runs", "List the runs of a DAG, most recent first.")
    p.add_argument("dag_id")
    p.add_argument("--limit", "-n", type=int, default=25)
    p = command("trigger", "Trigger a DAG run.")
    p.add_argument("dag_id")
    p.add_argument("--conf", "-c", help="run configuration as JSON")
    p.add_argument("--wait", "-w", action="store_true", help="wait for the run to finish (Ctrl-C stops waiting)")
    p = command("logs", "Show the log of a task try.")
    p.add_argument("dag_id")
    p.add_argument("run_id")
    p.add_argument("task_id")
    p.add_argument("--try", dest="try_number", type=int, help="try number (default: the latest)")
    p = command("ui", "Open the Airflow UI logged in (a fresh link).", output=False)
    p.add_argument("--token-link", action="store_true", help="show a link holding a 60 s token (replaced when it expires)")
    command("sessions", "List the open sessions.", session=False)
    p = command("use", "Make a session current.", session=False, output=False)
    p.add_argument("name")
    p = command("logout", "Forget a session (default: the current one).", session=False, output=False)
    p.add_argument("name", nargs="?")
    p = command("cli", "Run an Airflow CLI command through CreateCliToken (%mwaa options go before it).")
    p.add_argument("cli_command", nargs=argparse.REMAINDER, help="e.g. dags list -o json")
    return parser
