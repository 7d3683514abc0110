"""The ``/mwaa`` routes. Every boto3 call runs on a thread pool, never on the IOLoop.

Errors leave as JSON ``{code, message}`` (the same one-line messages the magic shows); the token never
leaves in a JSON body except inside the URL that ``POST /mwaa/login-url`` exists to return, and no token or
minted URL is ever logged. Settings come from :class:`~.config.MwaaMagicServer`; a request picks the
environment, region and profile, never the web-server address or a redirect target.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ClassVar, TypeVar, TypeVarTuple

import tornado.web
from jupyter_server.base.handlers import APIHandler, JupyterHandler
from jupyter_server.utils import url_path_join
from tornado.httputil import url_concat
from tornado.ioloop import IOLoop

from ..core import errors
from . import aws
from .config import PROFILE_PATTERN, REGION_PATTERN, MwaaMagicServer
from .crosssite import JUST_LOGGED_IN, Verdict, api_refusal, open_verdict

try:  # jupyter-server 2.13+ asks every handler method to say whether it needs a login
    from jupyter_server.auth.decorator import allow_unauthenticated
except ImportError:  # older: only @tornado.web.authenticated asks for one
    allow_unauthenticated = lambda method: method  # noqa: E731

T = TypeVar("T")
Args = TypeVarTuple("Args")
Json = dict[str, object]  # a JSON object as the routes answer it
SETTINGS_KEY = "mwaa_magic_server"
LOGIN_URL_FIELDS = {"environment", "region", "profile"}
AFTER_LOGIN = "after_login"  # the mark of a /mwaa/open link on its way through the login: it confirms, never mints
MAX_BODY = 16 * 1024  # bytes: three short fields need far less
# Each kind of route has its own workers: twelve doctor runs stuck on a slow web server (up to 25 s each)
# must not hold up the login card's button or the sidebar's listing (issue 17 #10).
POOL_SIZES = {"mint": 4, "lookup": 4, "doctor": 4}
_pools = {kind: ThreadPoolExecutor(max_workers=n, thread_name_prefix=f"mwaa-{kind}") for kind, n in POOL_SIZES.items()}


class InvalidRequest(errors.InvalidInput):
    pass


class CrossSiteRequest(errors.Denied):
    pass


# Our error families -> HTTP status (the most specific class wins). Authentication stays Jupyter's business
# (its 403 / login redirect).
STATUS_BY_ERROR: dict[type[errors.MwaaError], int] = {
    errors.InvalidInput: 400,
    errors.CredentialsError: 403,
    errors.Denied: 403,
    errors.NotFound: 404,
    errors.EnvironmentNotAvailable: 409,
    errors.InvalidHostname: 502,
    errors.Unavailable: 502,
}


def status_for(error: errors.MwaaError) -> int:
    """The HTTP status for one of our errors (500 for anything unexpected)."""
    for cls in type(error).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 500


def _optional(value: object, name: str, pattern: re.Pattern[str]) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise InvalidRequest(f"{name} is not a valid AWS {name}.")
    return value


def _target(environment: object, region: object, profile: object) -> tuple[str, str | None, str | None]:
    if not isinstance(environment, str) or not environment:
        raise InvalidRequest("environment is required.")
    return (
        aws.validate_environment_name(environment),
        _optional(region, "region", REGION_PATTERN),
        _optional(profile, "profile", PROFILE_PATTERN),
    )


def json_object(data: bytes) -> dict[str, object]:
    """A request body as a JSON object, or :class:`InvalidRequest` (too large, not JSON, too deeply nested)."""
    if len(data) > MAX_BODY:
        raise InvalidRequest(f"The request body is over {MAX_BODY // 1024} KiB: send only environment, region and profile.")
    try:
        body = json.loads(data)
    except (ValueError, RecursionError):  # RecursionError: nested thousands deep
        raise InvalidRequest("The request body must be a JSON object (not nested thousands deep).") from None
    if not isinstance(body, dict):
        raise InvalidRequest("The request body must be a JSON object.")
    return body


class MwaaHandler(APIHandler):
    """Common plumbing: refuse other pages' requests, run blocking calls on the pool, answer our errors as
    ``{code, message}``."""

    pool: ClassVar[str] = "lookup"  # which of POOL_SIZES runs this route's blocking calls

    @property
    def mwaa_settings(self) -> MwaaMagicServer:
        return self.settings[SETTINGS_KEY]

    async def blocking(self, fn: Callable[[MwaaMagicServer, *Args], T], *args: *Args) -> T:
        return await IOLoop.current().run_in_executor(_pools[self.pool], fn, self.mwaa_settings, *args)

    def fail(self, error: errors.MwaaError) -> None:
        self.set_status(status_for(error))
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(error.to_json()))

    def unexpected(self, exc: BaseException) -> None:
        # Type only: an unexpected error's text may carry anything.
        self.log.error("mwaa_magic: unexpected %s in %s", type(exc).__name__, self.request.path)
        self.set_status(500)
        self.finish(
            json.dumps({"code": "InternalError", "message": f"Unexpected {type(exc).__name__}; see the Jupyter server log."})
        )

    def reply(self, data: Json) -> None:
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(data))

    def query(self, name: str) -> str | None:
        return self.get_query_argument(name, None) or None

    def xsrf_header_ok(self) -> bool:
        """The request carries Jupyter's XSRF token in a header, matching its ``_xsrf`` cookie (JupyterLab's fetches)."""
        if not (self.request.headers.get("X-XSRFToken") or self.request.headers.get("X-CSRFToken")):
            return False
        try:
            tornado.web.RequestHandler.check_xsrf_cookie(self)  # tornado's own check, not Jupyter's lenient one
        except tornado.web.HTTPError:
            return False
        return True

    def refuse_other_pages(self) -> None:
        """Raise :class:`CrossSiteRequest` unless Jupyter's own page (or the address bar) sent the request."""
        reason = api_refusal(self.request.headers, self.request.host, self.token_authenticated, self.xsrf_header_ok())
        if reason:
            raise CrossSiteRequest(f"Refused: {reason}. Only Jupyter's own page may call the /mwaa routes.")

    async def run(self, fn: Callable[[], Awaitable[None]]) -> None:
        try:
            self.refuse_other_pages()
            await fn()
        except errors.MwaaError as error:
            self.fail(error)
        except tornado.web.HTTPError:
            raise
        except Exception as exc:
            self.unexpected(exc)


class ConfigHandler(MwaaHandler):
    """``GET /mwaa/config``: profiles and regions for the pickers."""

    @tornado.web.authenticated
    async def get(self) -> None:
        async def go() -> None:
            self.reply(await self.blocking(aws.picker_config))

        await self.run(go)


class EnvironmentsHandler(MwaaHandler):
    """``GET /mwaa/environments?profile=&region=``: every environment with status, version, access mode."""

    @tornado.web.authenticated
    async def get(self) -> None:
        async def go() -> None:
            region = _optional(self.query("region"), "region", REGION_PATTERN)
            profile = _optional(self.query("profile"), "profile", PROFILE_PATTERN)
            self.reply(await self.blocking(aws.environments, region, profile))

        await self.run(go)


class EnvironmentHandler(MwaaHandler):
    """``GET /mwaa/environments/<name>?profile=&region=``: one environment's details."""

    @tornado.web.authenticated
    async def get(self, name: str) -> None:
        async def go() -> None:
            self.reply(await self.blocking(aws.environment, *_target(name, self.query("region"), self.query("profile"))))

        await self.run(go)


class DoctorHandler(MwaaHandler):
    """``GET /mwaa/doctor/<name>?profile=&region=``: %mwaa doctor's checks as JSON (the sidebar's "Diagnose")."""

    pool = "doctor"

    @tornado.web.authenticated
    async def get(self, name: str) -> None:
        async def go() -> None:
            self.reply(await self.blocking(aws.doctor, *_target(name, self.query("region"), self.query("profile"))))

        await self.run(go)


class LoginUrlHandler(MwaaHandler):
    """``POST /mwaa/login-url`` ``{environment, region, profile}`` → ``{url}``: a console-SSO link minted now.

    Jupyter guards it (a POST: its XSRF token with the login cookie, or its token). Any other field is refused:
    the web-server address and the link are the server's to decide, never the request's.
    """

    pool = "mint"

    @tornado.web.authenticated
    async def post(self) -> None:
        async def go() -> None:
            body = json_object(self.request.body or b"{}")
            unknown = sorted(set(body) - LOGIN_URL_FIELDS)
            if unknown:
                raise InvalidRequest(
                    f"Unknown field(s) {', '.join(repr(k)[:40] for k in unknown[:5])}: a request gives only environment, "
                    "region and profile; the web-server address is the server's setting (c.MwaaMagicServer.webserver_urls)."
                )
            target = _target(body.get("environment"), body.get("region"), body.get("profile"))
            self.reply({"url": await self.blocking(aws.login_url, *target)})

        await self.run(go)


WHY_CONFIRM = {
    JUST_LOGGED_IN: "You have just logged in to this Jupyter server to follow a link, perhaps from another site,",
    None: "A page outside this Jupyter server (another site, or another port of this host) links here",
}
CONFIRM_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Open the Airflow UI of {environment}?</title>
<style>body{{font-family:sans-serif;max-width:40em;margin:3em auto;padding:0 1em}}button{{font-size:1.1em;padding:.4em 1em}}</style>
</head><body>
<h1>Open the Airflow UI of {environment}?</h1>
<p>{why} to open the Airflow UI of MWAA environment <b>{environment}</b> ({where}) logged in as you.
Nothing has been opened yet: open it only if you followed that link on purpose.</p>
<form method="post" action="{action}">{xsrf}{fields}<button type="submit">Open the Airflow UI</button></form>
</body></html>
"""


class OpenHandler(MwaaHandler):
    """``GET /mwaa/open?environment=&region=&profile=``: mint a token and redirect (302) to the Airflow UI.

    Only for a top-level navigation from this server's own pages or the address bar (see :mod:`.crosssite`);
    a link from another site gets a confirmation page whose button POSTs here (XSRF-checked) to mint;
    an embedding (``<img>``, ``<iframe>``, ``<script>``) or a script's fetch mints nothing. A browser without
    the server's login goes through it (:meth:`log_in_first`), then gets the confirmation page.
    """

    pool = "mint"

    def refuse_other_pages(self) -> None:
        """Nothing here: :meth:`open` applies the route's own rule (a link from elsewhere gets a confirmation page)."""

    @property
    def content_security_policy(self) -> str:
        return "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"

    def set_default_headers(self) -> None:
        super().set_default_headers()
        self.set_header("X-Frame-Options", "DENY")
        self.set_header("Cache-Control", "no-store")

    def get_login_url(self) -> str:
        """The server's login page (under JupyterHub, which wraps this, its OAuth), where APIHandler says 403."""
        return JupyterHandler.get_login_url(self)

    @allow_unauthenticated
    async def get(self) -> None:
        if not self.current_user:
            self.log_in_first()
            return
        await self.run(lambda: self.open(self.query))

    def log_in_first(self) -> None:
        """No login yet: send a navigation to the login with this link, marked ``after_login``, as where to go
        next (marked first, by a redirect to itself: JupyterHub's OAuth returns to the request's own URL). The
        mark makes it confirm (:func:`~.crosssite.open_verdict`). Nothing embedded or scripted is redirected."""
        verdict, _ = open_verdict(self.request.headers, self.request.host, "GET", False)
        if verdict is Verdict.REFUSE:
            raise tornado.web.HTTPError(403)
        if self.query(AFTER_LOGIN) is None:
            fields = {name: value for name in sorted(LOGIN_URL_FIELDS) if (value := self.query(name))}
            self.redirect(url_concat(self.request.path, {**fields, AFTER_LOGIN: "1"}))
            return
        tornado.web.authenticated(lambda handler: None)(self)  # tornado's redirect to get_login_url(), next=this link

    @tornado.web.authenticated
    async def post(self) -> None:
        await self.run(lambda: self.open(lambda name: self.get_body_argument(name, None) or None))

    async def open(self, argument: Callable[[str], str | None]) -> None:
        method = self.request.method or ""
        after_login = method == "GET" and self.query(AFTER_LOGIN) is not None
        verdict, reason = open_verdict(self.request.headers, self.request.host, method, self.token_authenticated, after_login)
        if verdict is Verdict.REFUSE:  # before reading the parameters: nothing of an embedding's request is used
            raise CrossSiteRequest(
                f"Refused to open the Airflow UI: {reason}. Use the login card or the MWAA sidebar in Jupyter."
            )
        target = _target(argument("environment"), argument("region"), argument("profile"))
        if verdict is Verdict.CONFIRM:
            self.confirm(*target, why=WHY_CONFIRM.get(reason, WHY_CONFIRM[None]))
            return
        url = await self.blocking(aws.login_url, *target)
        self.set_header("Referrer-Policy", "no-referrer")
        self.redirect(url, status=302 if self.request.method == "GET" else 303)  # never logged: the token rides in it

    def confirm(self, environment: str, region: str | None, profile: str | None, why: str) -> None:
        """The same-origin page that asks before minting (never framed: frame-ancestors 'none', X-Frame-Options)."""
        fields = {"environment": environment, "region": region, "profile": profile}
        hidden = "".join(f'<input type="hidden" name="{k}" value="{html.escape(v, quote=True)}">' for k, v in fields.items() if v)
        where = ", ".join(filter(None, [region and f"region {region}", profile and f"profile {profile}"])) or "default region"
        self.set_status(403)
        self.set_header("Referrer-Policy", "same-origin")
        page = CONFIRM_PAGE.format(
            why=why,
            environment=html.escape(environment),
            where=html.escape(where),
            action=html.escape(self.request.path, quote=True),
            xsrf=self.xsrf_form_html(),
            fields=hidden,
        )
        self.finish(page, set_content_type="text/html; charset=utf-8")


def setup_handlers(web_app: tornado.web.Application, settings: MwaaMagicServer | None = None) -> None:
    """Add the ``/mwaa`` routes under the server's base URL, with the server's ``MwaaMagicServer`` settings."""
    web_app.settings[SETTINGS_KEY] = settings or MwaaMagicServer()
    base = url_path_join(web_app.settings["base_url"], "mwaa")
    web_app.add_handlers(
        ".*$",
        [
            (url_path_join(base, "config"), ConfigHandler),
            (url_path_join(base, "environments"), EnvironmentsHandler),
            (url_path_join(base, "environments", r"([^/]+)"), EnvironmentHandler),
            (url_path_join(base, "doctor", r"([^/]+)"), DoctorHandler),
            (url_path_join(base, "login-url"), LoginUrlHandler),
            (url_path_join(base, "open"), OpenHandler),
        ],
    )
