"""An environment's web server as MWAA presents it: the MWAA login/CLI endpoints, real Airflow behind.

Routes: the console SSO page, ``POST /aws_mwaa/login`` (Airflow 2, cookie ``session``) or
``POST /pluginsv2/aws_mwaa/login`` (Airflow 3, cookie ``_token`` = JWT), ``POST /aws_mwaa/cli``;
everything else is proxied to the shared Airflow, with the sessions this front handed out checked first.
"""

from __future__ import annotations

import asyncio
import base64
import html
import json
import re
import shlex
import threading
import time
from http.cookies import SimpleCookie
from urllib.parse import quote

import tornado.httpclient
import tornado.httputil
import tornado.web

from .airflow_backend import AirflowBackend
from .config import EnvironmentConfig
from .knobs import Knobs
from .releases import PUBLIC_PATHS
from .tokens import TokenRejected, TokenSigner

# The CLI commands MWAA accepts (``group command`` or a lone command, after AWS's CLI reference) and, for
# each, the options it may take (Airflow 2.10 and 3.0 together). Left out on purpose: every option that points
# Airflow at other files or folders (-S/--subdir, -f/--dagfile-path, --save, --save-dagrun; and
# `variables import FILE`), `info --file-io` (uploads to file.io), `tasks test --env-vars` (the process
# environment) and `-m/--post-mortem` (a debugger).
_O, _V, _Y, _B = ("-o", "--output"), ("-v", "--verbose"), ("-y", "--yes"), ("-B", "--bundle-name")
_PAUSE = (*_O, *_V, *_Y, "--treat-dag-id-as-regex")
CLI_OPTIONS: dict[str, frozenset[str]] = {
    command: frozenset(options)
    for command, options in {
        "cheat-sheet": _V,
        "version": (),
        "info": ("--anonymize", *_O, *_V),
        "dags backfill": (
            "-c",
            "--conf",
            "--continue-on-failures",
            "--delay-on-limit",
            "--disable-retry",
            "-x",
            "--donot-pickle",
            "-n",
            "--dry-run",
            "-e",
            "--end-date",
            "-i",
            "--ignore-dependencies",
            "-I",
            "--ignore-first-depends-on-past",
            "-l",
            "--local",
            "-m",
            "--mark-success",
            "--pool",
            "--rerun-failed-tasks",
            "--reset-dagruns",
            "-B",
            "--run-backwards",
            "-s",
            "--start-date",
            "-t",
            "--task-regex",
            "--treat-dag-as-regex",
            "--treat-dag-id-as-regex",
            *_V,
            *_Y,
        ),
        "dags delete": (*_V, *_Y),
        "dags details": (*_O, *_V),
        "dags list": ("--columns", "-l", "--local", *_O, *_V, *_B),  # -l (3.0): the configured DAG folder only
        "dags list-import-errors": ("-l", "--local", *_O, *_V, *_B),
        "dags list-jobs": ("-d", "--dag-id", "--limit", "--state", *_O, *_V),
        "dags list-runs": ("-d", "--dag-id", "-e", "--end-date", "--no-backfill", "-s", "--start-date", "--state", *_O, *_V),
        "dags next-execution": ("-n", "--num-executions", *_V),
        "dags pause": _PAUSE,
        "dags unpause": _PAUSE,
        "dags report": (*_O, *_V, *_B),
        "dags reserialize": ("--clear-only", *_V, *_B),
        "dags show": ("--imgcat", *_V),
        "dags state": _V,
        "dags test": ("-c", "--conf", "--imgcat-dagrun", "--mark-success-pattern", "--show-dagrun", "--use-executor", *_V, *_B),
        "dags trigger": (
            "-c",
            "--conf",
            "-e",
            "--exec-date",
            "-l",
            "--logical-date",
            "--no-replace-microseconds",
            "-r",
            "--run-id",
            *_O,
            *_V,
        ),
        "tasks clear": (
            "-R",
            "--dag-regex",
            "-d",
            "--downstream",
            "-e",
            "--end-date",
            "-X",
            "--exclude-parentdag",
            "-x",
            "--exclude-subdags",
            "-f",
            "--only-failed",
            "-r",
            "--only-running",
            "-s",
            "--start-date",
            "-t",
            "--task-regex",
            "-u",
            "--upstream",
            *_V,
            *_Y,
            *_B,
        ),
        "tasks failed-deps": ("--map-index", *_V, *_B),
        "tasks list": ("-t", "--tree", *_V, *_B),
        "tasks render": ("--map-index", *_V, *_B),
        "tasks state": ("--map-index", *_V, *_B),
        "tasks states-for-dag-run": (*_O, *_V),
        "tasks test": ("-n", "--dry-run", "--map-index", "-t", "--task-params", *_V, *_B),
        "variables delete": _V,
        "variables get": ("-d", "--default", "-j", "--json", *_V),
        "variables list": (*_O, *_V),
        "variables set": ("--description", "-j", "--json", *_V),
        "connections add": (
            "--conn-description",
            "--conn-extra",
            "--conn-host",
            "--conn-json",
            "--conn-login",
            "--conn-password",
            "--conn-port",
            "--conn-schema",
            "--conn-type",
            "--conn-uri",
        ),
        "connections delete": ("--color", *_V),
        "connections list": ("--conn-id", *_O, *_V),
        "pools get": (*_O, *_V),
        "pools list": (*_O, *_V),
        "pools delete": (*_O, *_V),
        "pools set": ("--include-deferred", *_O, *_V),
        "providers list": (*_O, *_V),
        "providers get": ("--color", "-f", "--full", *_O, *_V),
        "providers hooks": (*_O, *_V),
        "roles list": ("-p", "--permission", *_O, *_V),
        "db check": ("--retry", "--retry-delay", *_V),
        "jobs check": ("--allow-multiple", "--hostname", "--job-type", "--limit", "--local", *_V),
    }.items()
}
CLI_ALLOWED = frozenset(CLI_OPTIONS)
# What a Viewer/Public CLI token may run: nothing that changes state.
CLI_READ_ONLY = {
    c
    for c in CLI_ALLOWED
    if c.split()[-1]
    in {
        "cheat-sheet",
        "version",
        "info",
        "details",
        "list",
        "list-import-errors",
        "list-jobs",
        "list-runs",
        "next-execution",
        "report",
        "show",
        "state",
        "failed-deps",
        "render",
        "states-for-dag-run",
        "get",
        "hooks",
        "check",
    }
}
_HELP = frozenset({"-h", "--help"})
_NUMBER = re.compile(r"-\d+(\.\d+)?")
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
}


class SessionBook:
    """The web sessions handed out by the MWAA fronts, by (environment, credential value).

    A session is valid for ``knobs.session_lifetime`` seconds from its login (read at check time, so a
    lower lifetime expires existing sessions too) unless ``expire_all_sessions`` ended it.
    """

    def __init__(self, knobs: Knobs) -> None:
        self.knobs = knobs
        self._issued: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def add(self, environment: str, value: str) -> None:
        with self._lock:
            self._issued[(environment, value)] = time.time()

    def valid(self, environment: str, value: str | None) -> bool:
        if not value:
            return False
        issued = self._issued.get((environment, value))
        return issued is not None and time.time() - issued < self.knobs.session_lifetime

    def carry(self, environment: str, old: str, new: str) -> None:
        """``new`` (a cookie Airflow re-issued) replaces ``old`` and keeps its login time."""
        with self._lock:
            issued = self._issued.get((environment, old))
            if issued is not None:
                self._issued[(environment, new)] = issued

    def forget(self, environment: str, value: str) -> None:
        with self._lock:
            self._issued.pop((environment, value), None)

    def expire_all_sessions(self) -> None:
        """End every session now: the next request bearing one gets 401 (API) or the login page (UI)."""
        with self._lock:
            for key in self._issued:
                self._issued[key] = float("-inf")

    def __len__(self) -> int:
        return sum(1 for (env, value) in list(self._issued) if self.valid(env, value))


class _Context:
    def __init__(
        self, env: EnvironmentConfig, backend: AirflowBackend, signer: TokenSigner, knobs: Knobs, sessions: SessionBook
    ) -> None:
        self.env, self.backend, self.signer, self.knobs, self.sessions = env, backend, signer, knobs, sessions
        self.front = backend.release.line.front  # everything that differs between Airflow majors (releases.py)


class _Base(tornado.web.RequestHandler):
    def initialize(self, ctx: _Context) -> None:
        self.ctx = ctx

    async def prepare(self) -> None:
        if self.ctx.knobs.web_latency > 0:
            await asyncio.sleep(self.ctx.knobs.web_latency)

    def fail(self, status: int, message: str, error: str | None = None) -> None:
        self.set_status(status)
        if "text/html" in self.request.headers.get("Accept", "") and not self.request.path.startswith("/api/"):
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.finish(f"<!doctype html><title>{status}</title><p>{html.escape(message)}</p>")
        else:
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps({"message": message, **({"error": error} if error else {})}))

    def check_fault(self, operation: str) -> bool:
        fault = self.ctx.knobs.take_fault(operation)
        if fault is not None:
            self.fail(fault.status, fault.message, fault.error)
            return True
        return False

    def write_error(self, status_code: int, **kwargs) -> None:
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"message": self._reason}))


SSO_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Amazon MWAA</title></head>
<body>
<p id="status">Signing you in to Apache Airflow&hellip;</p>
<form id="login" method="post" action="{login_path}" style="display:none">
  <input type="hidden" name="token" id="token">
</form>
<script>
(function () {{
  var token = decodeURIComponent(window.location.hash.slice(1));
  if (!token) {{
    document.getElementById("status").textContent =
      "Your Airflow session has expired or you are not logged in. Open the Airflow UI from the Amazon MWAA console.";
    return;
  }}
  history.replaceState(null, "", window.location.pathname + window.location.search);
  try {{ window.localStorage.removeItem("token"); }} catch (e) {{}}
  document.getElementById("token").value = token;
  document.getElementById("login").submit();
}})();
</script>
</body></html>
"""


class SsoPageHandler(_Base):
    """The console SSO page: its script posts the ``#WebToken`` fragment to the login endpoint."""

    def get(self) -> None:
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.set_header("Referrer-Policy", "no-referrer")
        self.finish(SSO_PAGE.format(login_path=self.ctx.front.login_path))


class LoginHandler(_Base):
    """Exchange a WebToken for an Airflow session of the token's role: 302 to ``/`` with the cookie."""

    async def post(self) -> None:
        if self.check_fault("WebLogin"):
            return
        token = self.get_body_argument("token", default="") or ""
        try:
            claims = self.ctx.signer.verify(token, "web", self.ctx.env.name, self.ctx.env.region)
        except TokenRejected as exc:
            self.fail(403, f"Login failed: {exc}.")
            return
        try:
            name, value = await self.ctx.backend.login(claims.role, fresh=True)
        except Exception as exc:  # Airflow down or refusing: say so, never crash
            self.fail(502, f"Airflow login failed: {type(exc).__name__}")
            return
        self.ctx.knobs.remember_secret(value)
        self.ctx.sessions.add(self.ctx.env.name, value)
        self.set_cookie(name, value, path="/", httponly=self.ctx.front.cookie_httponly, samesite="Lax")
        self.redirect("/", status=302)


class CliHandler(_Base):
    """``POST /aws_mwaa/cli``: an allow-listed Airflow CLI command; JSON of base64 stdout/stderr."""

    async def post(self) -> None:
        if self.check_fault("WebCli"):
            return
        auth = self.request.headers.get("Authorization", "")
        scheme, _, token = auth.partition(" ")
        try:
            if scheme.lower() != "bearer":
                raise TokenRejected("missing bearer token")
            claims = self.ctx.signer.verify(token, "cli", self.ctx.env.name, self.ctx.env.region)
        except TokenRejected as exc:
            self.fail(403, f"Invalid CLI token: {exc}.")
            return
        try:
            argv = shlex.split(self.request.body.decode("utf-8", "replace"))
        except ValueError as exc:
            self.fail(400, f"Cannot parse the command: {exc}.")
            return
        command = cli_command(argv)
        refusal = cli_refusal(command, argv)
        if refusal:
            self.fail(400, refusal)
            return
        if claims.role in ("Viewer", "Public") and command not in CLI_READ_ONLY:
            self.fail(403, f"Role {claims.role} may not run 'airflow {command}'.")
            return
        code, out, err = await self.ctx.backend.run_cli(argv)
        self.set_header("Content-Type", "application/json")
        self.finish(
            json.dumps({"stdout": base64.b64encode(out).decode(), "stderr": base64.b64encode(err).decode(), "exit_code": code})
        )


def cli_command(argv: list[str]) -> str | None:
    """The allow-listed command ``argv`` starts with, or None."""
    if not argv:
        return None
    if argv[0] in CLI_ALLOWED:
        return argv[0]
    pair = " ".join(argv[:2])
    return pair if pair in CLI_ALLOWED else None


def cli_refusal(command: str | None, argv: list[str]) -> str | None:
    """Why MWAA refuses ``argv`` (``command`` is what ``cli_command`` found), or None when it may run.

    Every token that starts with ``-`` must be an option of the command, written in full (argparse's
    abbreviations and ``-vS`` clusters are refused too); after ``--`` there are only positional arguments.
    """
    if command is None:
        return f"Airflow CLI command '{' '.join(argv[:2]) or '(empty)'}' is not supported by Amazon MWAA."
    allowed = CLI_OPTIONS[command] | _HELP
    for token in argv[len(command.split()) :]:
        if token == "--":
            break
        name = token.split("=", 1)[0]
        if token.startswith("-") and token != "-" and not _NUMBER.fullmatch(token) and name not in allowed:
            return f"Option '{name}' of 'airflow {command}' is not supported by Amazon MWAA."
    return None


class LoginRedirectHandler(_Base):
    """Airflow's own login pages: on MWAA you log in through the console, so go to the SSO page."""

    def get(self) -> None:
        self.redirect(self.ctx.front.sso_path + "?login=true", status=302)

    post = get


class ProxyHandler(_Base):
    """Everything else: check the session, then stream the request to the real Airflow and back."""

    async def _proxy(self, *_args: str) -> None:
        ctx = self.ctx
        path = self.request.path
        credential = self._credential()
        public = path.startswith(PUBLIC_PATHS) or not path.startswith(ctx.front.session_paths)
        if not public and not ctx.sessions.valid(ctx.env.name, credential):
            self._refuse_unauthenticated(path)
            return
        if self.check_fault("WebRequest"):
            return
        headers = tornado.httputil.HTTPHeaders()
        for name, value in self.request.headers.get_all():
            if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                headers.add(name, value)
        if ctx.front.bearer and credential and "Authorization" not in headers:
            headers["Authorization"] = f"Bearer {credential}"  # Airflow 3.0 reads the JWT from the header only
        body = self.request.body if self.request.method not in ("GET", "HEAD", "OPTIONS") or self.request.body else None
        request = tornado.httpclient.HTTPRequest(
            ctx.backend.base_url + self.request.uri,
            method=self.request.method,
            headers=headers,
            body=body,
            follow_redirects=False,
            decompress_response=False,
            allow_nonstandard_methods=True,
            request_timeout=300,
            header_callback=self._on_header,
            streaming_callback=self._on_chunk,
        )
        self._credential_in = credential
        self._upstream_headers = tornado.httputil.HTTPHeaders()
        self._status_seen = False
        try:
            await tornado.httpclient.AsyncHTTPClient().fetch(request, raise_error=False)
        except Exception as exc:  # connection refused, reset...
            if not self._headers_written:
                self.fail(502, f"Airflow is not reachable: {type(exc).__name__}")
                return
        if not self._finished:
            self.finish()

    get = post = put = patch = delete = head = options = _proxy

    def _credential(self) -> str | None:
        if self.ctx.front.bearer:
            scheme, _, token = self.request.headers.get("Authorization", "").partition(" ")
            if scheme.lower() == "bearer" and token:
                return token.strip()
        return self.get_cookie(self.ctx.front.cookie_name)

    def _refuse_unauthenticated(self, path: str) -> None:
        if path.startswith(("/api/", "/ui/")) or self.request.method != "GET":
            self.set_status(401)
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps({"detail": "Not authenticated", "status": 401, "title": "Unauthorized"}))
        else:
            self.redirect("/login/?next=" + quote(self.request.uri, safe=""), status=302)

    def _on_header(self, line: str) -> None:
        if not self._status_seen:
            if line.startswith("HTTP/"):
                self._status_seen = True
                parts = line.split(" ", 2)
                self._upstream_status = (int(parts[1]), parts[2].strip() if len(parts) > 2 else None)
            return
        if line.strip():
            self._upstream_headers.parse_line(line)
            return
        code, reason = self._upstream_status
        if 100 <= code < 200:  # an interim response: the real one follows
            self._status_seen = False
            self._upstream_headers = tornado.httputil.HTTPHeaders()
            return
        self._send_headers(code, reason)

    def _send_headers(self, code: int, reason: str | None) -> None:
        self.set_status(code, reason)
        self.clear_header("Content-Type")
        origin = f"{self.request.protocol}://{self.request.host}"
        for name, value in self._upstream_headers.get_all():
            lname = name.lower()
            if lname in HOP_BY_HOP:
                continue
            if lname == "location":
                value = value.replace(self.ctx.backend.base_url, origin, 1)
            if lname == "set-cookie":
                self._track_cookie(value)
                self.add_header(name, value)
            else:
                self.set_header(name, value)

    def _track_cookie(self, header: str) -> None:
        """Airflow 2 (Flask) may re-issue the ``session`` cookie: the new value keeps the login time."""
        cookie = SimpleCookie()
        try:
            cookie.load(header)
        except Exception:
            return
        morsel = cookie.get(self.ctx.front.cookie_name)
        old = self._credential_in
        if morsel is None or not old or not self.ctx.sessions.valid(self.ctx.env.name, old):
            return
        if not morsel.value or morsel["max-age"] == "0" or "1970" in morsel["expires"]:
            self.ctx.sessions.forget(self.ctx.env.name, old)  # logout
        elif morsel.value != old:
            self.ctx.sessions.carry(self.ctx.env.name, old, morsel.value)
            self.ctx.knobs.remember_secret(morsel.value)

    def _on_chunk(self, chunk: bytes) -> None:
        self.write(chunk)
        self.flush()


def make_web_app(
    env: EnvironmentConfig, backend: AirflowBackend, signer: TokenSigner, knobs: Knobs, sessions: SessionBook | None = None
) -> tornado.web.Application:
    """The web server of ``env`` (the orchestrator listens it on ``env.web_port``)."""
    ctx = _Context(env, backend, signer, knobs, sessions if sessions is not None else SessionBook(knobs))
    kw, front = {"ctx": ctx}, ctx.front
    routes: list = [
        *((re.escape(path) + "/?", SsoPageHandler, kw) for path in front.sso_paths),
        (r"/aws_mwaa/cli/?", CliHandler, kw),
        (re.escape(front.login_path) + "/?", LoginHandler, kw),
        *((pattern, LoginRedirectHandler, kw) for pattern in front.login_redirects),
        (r"/.*", ProxyHandler, kw),
    ]
    app = tornado.web.Application(routes, xsrf_cookies=False, compress_response=False)
    app.sessions = ctx.sessions  # type: ignore[attr-defined]
    app.ctx = ctx  # type: ignore[attr-defined]  # an update points ``ctx.backend`` at the environment's new Airflow
    return app
