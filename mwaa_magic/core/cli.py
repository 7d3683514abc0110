"""The Airflow CLI of an MWAA environment: CreateCliToken, then ``POST {webserver}/aws_mwaa/cli``.

A CLI token is valid 60 seconds: a batch mints one and mints a fresh one when it is older than
:data:`TOKEN_REUSE` seconds, or once when the web server rejects it as expired; a token is never kept
between batches. Commands go to MWAA as given (never through a shell); MWAA runs only the Airflow CLI
commands it allows. stdout and stderr are written to ``sys.stdout`` / ``sys.stderr`` (the cell's streams).
A command fails on a non-zero exit status when the web server reports one (the emulator); MWAA reports
none, so there Airflow's own failure lines on stderr decide (:data:`AIRFLOW_FAILURE`): other output on
stderr alone is no failure (Airflow prints warnings there).
"""

from __future__ import annotations

import base64
import binascii
import re
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import errors
from .text import first_line, shorten
from .weblogin import unreachable

if TYPE_CHECKING:
    from .environment import CliAccess, Environment

CLI_PATH = "/aws_mwaa/cli"
TOKEN_REUSE = 50.0  # seconds: CliToken lives 60 s; leave room for a slow command start
CLI_TIMEOUT = 300.0  # seconds a CLI command may run before we give up waiting
# Without an exit status (MWAA gives none), Airflow's own failure lines on stderr mark a failed command:
# its argument parser's "airflow dags command error: ..." and an uncaught exception's traceback.
AIRFLOW_FAILURE = re.compile(r"^airflow[\w -]* command error: |^Traceback \(most recent call last\):", re.MULTILINE)


@dataclass
class CliResult:
    """The decoded output of one CLI command; ``repr`` is its stdout, as the command printed it."""

    command: str
    stdout: str
    stderr: str
    exit_code: int | None = None  # when the web server reports one (MWAA itself does not)
    echoed: bool = field(default=False, compare=False, repr=False)  # output just went to the cell

    def __repr__(self) -> str:
        return self.stdout

    __str__ = __repr__

    def _ipython_display_(self) -> None:
        """Show stdout, except right after the command ran: it is already in the cell once."""
        if self.echoed:
            self.echoed = False
            return
        _write(self)

    @property
    def lines(self) -> list[str]:
        return self.stdout.splitlines()

    @property
    def failed(self) -> bool:
        """The exit status when the web server gives one (the emulator), else Airflow's failure lines on stderr."""
        if self.exit_code is not None:
            return self.exit_code != 0
        return bool(AIRFLOW_FAILURE.search(self.stderr))

    def failure(self) -> errors.CliCommandFailed:
        """The one line for a failed command: its exit status and the last line Airflow wrote on stderr."""
        status = f"exit status {self.exit_code}" if self.exit_code is not None else "Airflow reported an error"
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        why = f": {shorten(lines[-1].strip(), 200)}" if lines else ""
        return errors.CliCommandFailed(f"'airflow {shorten(self.command)}' failed ({status}){why}")


class _Token:
    """A CLI token for one batch; replaced when it gets old."""

    def __init__(self, environment: Environment) -> None:
        self._environment = environment
        self.name = environment.name
        self.access: CliAccess | None = None
        self.minted_at = 0.0

    def fresh(self, force: bool = False) -> CliAccess:
        if force or self.access is None or time.monotonic() - self.minted_at > TOKEN_REUSE:
            self.access, self.minted_at = self._environment.cli_token(), time.monotonic()
        return self.access


def run_cli(environment: Environment, command: str, echo: bool = True) -> CliResult:
    """Run one Airflow CLI command (``dags list``) on ``environment``; raise CliCommandFailed."""
    return run_cli_batch(environment, [command], echo=echo)[0]


def run_cli_batch(environment: Environment, commands: Iterable[str], echo: bool = True) -> list[CliResult]:
    """Run commands in order with one CLI token (renewed when old); stop at the first that fails
    (:class:`CliCommandFailed`, after its output is shown)."""
    commands = [_normalize(c) for c in commands]
    if not commands:
        raise errors.CliCommandFailed("No CLI command given: e.g. %mwaa cli dags list.")
    token, results = _Token(environment), []
    import httpx

    with httpx.Client(timeout=httpx.Timeout(CLI_TIMEOUT, connect=environment.plane.timeouts.connect)) as http:
        for command in commands:
            if echo and len(commands) > 1:
                print(f"$ airflow {command}", flush=True)
            result = _run_one(http, token, command)
            if echo:
                _write(result)
                result.echoed = True
            if result.failed:
                raise result.failure()
            results.append(result)
    return results


def _run_one(http: Any, token: _Token, command: str) -> CliResult:
    response = _post(http, token.fresh(), command, token.name)
    if response.status_code in (401, 403) and time.monotonic() - token.minted_at > 1.0:
        # the token may have expired while an earlier command ran
        response = _post(http, token.fresh(force=True), command, token.name)
    return _result(command, response)


def run_once(http: Any, access: CliAccess, command: str, environment: str | None = None) -> CliResult:
    """One command with a token already minted and an httpx client (its timeouts apply); no renewal."""
    return _result(_normalize(command), _post(http, access, _normalize(command), environment))


def _result(command: str, response: Any) -> CliResult:
    if response.status_code != 200:
        raise _failure(command, response.status_code, _message(response))
    try:
        data = response.json()
        return CliResult(command, _decode(data.get("stdout")), _decode(data.get("stderr")), data.get("exit_code"))
    except (ValueError, AttributeError, binascii.Error):
        raise errors.CliCommandFailed(
            f"The web server's answer to 'airflow {shorten(command)}' is not MWAA CLI output: "
            "check the web-server address setting (MWAA_MAGIC_WEBSERVER_URLS)."
        ) from None


def _post(http: Any, access: CliAccess, command: str, environment: str | None = None) -> Any:
    import httpx

    def authorize(request: Any) -> Any:  # the token is added here: no frame of ours holds it in a local
        request.headers["Authorization"] = f"Bearer {access.token.reveal()}"
        return request

    try:
        return http.post(
            access.base_url + CLI_PATH,
            content=command.encode("utf-8"),
            headers={"Content-Type": "text/plain"},
            auth=authorize,
            follow_redirects=False,
        )
    except httpx.TimeoutException:
        raise errors.CliCommandFailed(
            f"'airflow {shorten(command)}' did not answer within {http.timeout.read or CLI_TIMEOUT:g} s; "
            "it may still run on the environment."
        ) from None
    except httpx.TransportError as exc:
        raise unreachable(access.base_url, exc, environment) from None


def _failure(command: str, status: int, message: str) -> errors.CliCommandFailed:
    shown, why = shorten(command), f": {message}" if message else ""
    if status == 400:
        text = f"MWAA refused 'airflow {shown}' (400){why}. MWAA runs only some Airflow CLI commands: see its CLI reference."
    elif status in (401, 403):
        text = f"The web server rejected the CLI token for 'airflow {shown}' ({status}){why}."
    elif status in (301, 302, 303, 307, 308):
        text = (
            f"The web server redirected 'airflow {shown}' ({status}) instead of running it: check the web-server address setting."
        )
    else:
        text = f"The Airflow web server failed on 'airflow {shown}' (HTTP {status}){why}."
    return errors.CliCommandFailed(text)


def _message(response: Any) -> str:
    """A one-line reason from an error answer (JSON ``message``/``detail`` or text), never HTML."""
    try:
        data = response.json()
        text = (data.get("message") or data.get("detail") or data.get("error") or "") if isinstance(data, dict) else data
    except ValueError:
        text = "" if "html" in response.headers.get("content-type", "") else response.text
    return first_line(str(text), 200).rstrip(".")


def _decode(value: Any) -> str:
    return base64.b64decode(value or "", validate=True).decode("utf-8", "replace")


def _normalize(command: str) -> str:
    """The command as given, without surrounding blanks or a leading ``airflow``."""
    command = str(command).strip()
    return command[len("airflow ") :].lstrip() if command.startswith("airflow ") else command


def _write(result: CliResult) -> None:
    for stream, text in ((sys.stdout, result.stdout), (sys.stderr, result.stderr)):
        if text:
            stream.write(text if text.endswith("\n") else text + "\n")
            stream.flush()
