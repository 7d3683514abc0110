"""%mwaa_login, %mwaa and %%mwaa_cli: the IPython face of mwaa_magic (configurable with %config MwaaMagics).

Every argument is checked before any call is made; errors are one line (UsageError or MwaaError) and the
cell fails. Subcommands live in :mod:`.subcommands` (one table: name, arguments, handler).
"""

from __future__ import annotations

import dataclasses
import shlex
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class, needs_local_scope
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from traitlets import Bool, Enum, Float, TraitError, Unicode, observe, validate

from ..core import errors
from ..settings_traits import SharedSettings
from . import subcommands
from .parsing import split_line, variable_name
from .registry import sessions


@magics_class
class MwaaMagics(Magics, SharedSettings):
    """Log in to Amazon MWAA and call Airflow from a notebook (region, profile, webserver_urls: SharedSettings)."""

    variable = Unicode("mwaa", help="Variable the session of %mwaa_login is bound to.").tag(config=True)
    transport = Enum(
        ["token", "invoke", "auto"],
        "token",
        help="How REST calls reach Airflow: web login token, InvokeRestApi, or InvokeRestApi with token fallback.",
    ).tag(config=True)
    jupyter_base_url = Unicode(
        None,
        allow_none=True,
        help="Base URL of the Jupyter server for token-free UI links; set it for a kernel the server did not start "
        "(Enterprise Gateway). Default: what the server extension tells its kernels ($MWAA_MAGIC_JUPYTER_BASE_URL), "
        "else $JUPYTERHUB_SERVICE_PREFIX, else /.",
    ).tag(config=True)
    debug = Bool(False, help="Show full tracebacks instead of one-line errors.").tag(config=True)
    link_lifetime = Float(
        60.0, help="Seconds a token-holding UI link stays shown before it is replaced (MWAA tokens live 60 s)."
    ).tag(config=True)

    @validate("variable")
    def _check_variable(self, proposal: dict) -> str:
        try:
            return variable_name(proposal["value"])
        except UsageError as exc:
            raise TraitError(f"MwaaMagics.variable: {exc}") from None

    @observe("debug")
    def _debug_changed(self, change: dict) -> None:
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
    def mwaa_login(self, line: str = "") -> Any:
        """Log in to an MWAA environment: show the login card and bind a session (``mwaa``)."""
        args = self._parse(self.mwaa_login, line)
        if args is None:
            return None
        if args.alias:
            variable_name(args.alias)  # before the picker opens or any call
        with self._debugging(args.debug):
            if args.region:
                from ..core.validation import validate_region

                validate_region(args.region)
            if not args.environment:
                from .picker import EnvironmentPicker

                return EnvironmentPicker(
                    profile=args.profile or self.profile,
                    region=args.region or self.region,
                    variable=args.alias or self.variable,
                    magics=self,
                )
            self.login(args.environment, args.region, args.profile, args.alias, args.transport)
        return None

    def login(
        self,
        environment: str,
        region: str | None = None,
        profile: str | None = None,
        alias: str | None = None,
        transport: str | None = None,
    ) -> Any:
        """What %mwaa_login does (also used by the picker): log in, bind, register, show the card."""
        from IPython.display import display

        from ..core.connect import connect
        from .display import LoginCard, served_by_jupyter

        alias = variable_name(alias or self.variable)
        session = connect(
            environment, region or self.region, profile or self.profile, transport or self.transport, self.webserver_urls
        )
        session.progress_factory = self._progress_factory()
        replaced = sessions.add(alias, session)
        self.user_ns[alias] = session
        display(LoginCard(session.info, alias, self.jupyter_base_url, served=served_by_jupyter()))
        if replaced is not None and _who(replaced) != _who(session):  # the same place and identity: nothing changed
            print(f"{alias} was {_who(replaced)}; it is now {_who(session)}.")
        return session

    # --- %mwaa SUBCOMMAND --------------------------------------------------------------------------
    @line_magic
    @needs_local_scope
    def mwaa(self, line: str = "", local_ns: dict | None = None) -> Any:
        """(replaced below by the subcommands' help)"""
        words = split_line(line, "%mwaa")
        if not words or words[0] in ("help", "-h", "--help"):
            print(subcommands.help_text(words[1] if len(words) > 1 else None))
            return None
        if not words[0].startswith("-") and words[0] not in subcommands.NAMES:
            raise subcommands.unknown(words[0])
        parser = subcommands.parser()
        if len(words) > 1 and ("-h" in words or "--help" in words) and words[0] in subcommands.NAMES and words[0] != "cli":
            print(subcommands.help_text(words[0]))
            return None
        args = parser.parse_args(words)
        output = getattr(args, "output", None)
        if output:
            variable_name(output)  # before any call: a bad name must not cost a run
        with self._debugging(args.debug):
            subcommands.check(args)
            result = subcommands.run(self, args)
        if output and result is not None:  # a handler that shows its result itself stores it too (doctor)
            self.user_ns[output] = result
        return result

    # --- %%mwaa_cli ----------------------------------------------------------------------------------
    @magic_arguments()
    @argument("--session", "-s", help="Session alias (default: the current one).")
    @argument("-o", "--output", help="Variable to store the results in (a list of CliResult: .stdout, .stderr).")
    @argument("--debug", action="store_true")
    @cell_magic
    def mwaa_cli(self, line: str, cell: str) -> None:
        """Run Airflow CLI commands (one per line, # comments skipped) through CreateCliToken; stops at the first failure."""
        from ..core.cli import run_cli_batch

        args = self._parse(self.mwaa_cli, line)
        if args is None:
            return
        if args.output:
            variable_name(args.output)
        with self._debugging(args.debug):
            commands = [c.strip() for c in cell.splitlines() if c.strip() and not c.strip().startswith("#")]
            outputs = run_cli_batch(sessions.get(args.session).environment, commands)
        if args.output:
            self.user_ns[args.output] = outputs

    # --- %%mwaa_dag ------------------------------------------------------------------------------------
    @magic_arguments()
    @argument("file", nargs="?", help="File name in the DAG folder (default: <first DAG id>.py).")
    @argument("--test", action="store_true", help="run the cell's DAG here (airflow dags test) before deploying it")
    @subcommands.deploy_arguments
    @argument("--session", "-s", help="Session alias (default: the current one).")
    @argument("-o", "--output", help="Variable to store the result in (file, DAG ids, runs).")
    @argument("--debug", action="store_true")
    @cell_magic
    def mwaa_dag(self, line: str, cell: str) -> Any:
        """Deploy the cell as a DAG file: check it here (it must compile; no upload otherwise), upload it to the
        environment's S3 DAG folder, wait until Airflow has parsed this version or show its import error;
        with --trigger, run it and wait for the run. First the cell is parsed here on the environment's Airflow
        release (an import error uploads nothing; --no-local-check skips it); --test runs it here first."""
        from ..core.dagloop import dag_source, source_name

        words = split_line(line, "%%mwaa_dag")
        if "-h" in words or "--help" in words:
            print(self.mwaa_dag.__doc__)
            return None
        args = self.mwaa_dag.parser.parse_args(words)  # the words as the shell split them (quoted JSON stays whole)
        if args.output:
            variable_name(args.output)
        with self._debugging(args.debug):
            options = subcommands.deploy_options(args)
            source = dag_source(args.file or source_name(cell), cell)  # before any call: name and syntax
            session = sessions.get(args.session)
            if args.test:  # the run here parses it too: no second local check
                from .gate_commands import test_cell_first

                test_cell_first(session, source, options.conf)
                options = dataclasses.replace(options, local_check=False)
            results = session.dag_loop.deploy([source], options)
        if args.output:
            self.user_ns[args.output] = results[0]
        return None

    # --- helpers -----------------------------------------------------------------------------------
    @property
    def user_ns(self) -> dict[str, Any]:
        """The notebook's variables."""
        assert self.shell is not None, "MwaaMagics needs an IPython shell"
        return self.shell.user_ns

    def _parse(self, func: Any, line: str) -> Any:
        """The magic's arguments, or None after printing its help (``-h``); bad input is a UsageError."""
        words = split_line(line, f"%{func.__name__}")
        if "-h" in words or "--help" in words:
            print(func.__doc__)
            return None
        return parse_argstring(func, shlex.join(words))

    def _progress_factory(self) -> Any:
        from ..core.session import Progress

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


MwaaMagics.mwaa.__doc__ = subcommands.help_text(None)


def _who(session: Any) -> str:
    info = session.info
    return f"{info.environment} ({info.region}) as {info.airflow_identity or 'unknown'}"
