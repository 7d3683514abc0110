"""``connect``: from an environment name to a logged-in :class:`AirflowSession` (what %mwaa_login does)."""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor

from . import errors
from .addresses import webserver_base_url
from .airflow import AirflowSession, LoginInfo
from .control import ControlPlane, EnvironmentInfo, WebLogin, control_plane, validate_environment_name
from .secret import Secret
from .transport import AutoTransport, InvokeTransport, TokenTransport, http_client
from .weblogin import log_in

TRANSPORTS = ("token", "invoke", "auto")
_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="mwaa-login")


def connect(environment: str, region: str | None = None, profile: str | None = None, transport: str = "token",
            webserver_urls: str | None = None) -> AirflowSession:
    """Log in to ``environment`` and return its REST session.

    ``transport``: "token" (web login token, the web server's REST API), "invoke" (InvokeRestApi only,
    no token kept), "auto" (InvokeRestApi, falling back to the token login when the caller lacks
    airflow:InvokeRestApi, and for single calls whose path is too long for it). InvokeRestApi's limits: paths of at most 64 characters, 10 s per call, 6 MB
    per response, a low call rate; each raises :class:`RestApiLimitExceeded` when hit.
    """
    validate_environment_name(environment)
    if transport not in TRANSPORTS:
        raise errors.MwaaError(f"Unknown transport {transport!r}: use one of {', '.join(TRANSPORTS)}.")
    plane = control_plane(profile, region)
    details = _pool.submit(_environment_or_none, plane, environment)  # in parallel with the token call
    if transport in ("invoke", "auto"):
        try:
            return _invoke_session(plane, environment, details, webserver_urls, auto=transport == "auto")
        except errors.AccessDenied as exc:  # only the InvokeRestApi probe can be denied there
            if transport == "invoke":
                raise errors.AccessDenied(f"{exc.message} Or log in with --transport token.") from None
            # auto: the caller lacks airflow:InvokeRestApi; log in with a web token instead (as MwaaHook does)
    try:
        login, web = _token_transport(plane, environment, details, webserver_urls)
    except errors.MwaaError as exc:
        raise not_available(details.result()) or exc from None
    env = details.result()
    info = LoginInfo(
        environment=environment, region=plane.region, profile=plane.profile, hostname=login.hostname,
        iam_identity=login.iam_identity, airflow_identity=login.airflow_identity,
        airflow_version=env.airflow_version if env else f"{web.major}.x",
        webserver_access_mode=env.webserver_access_mode if env else None, logged_in_at=time.time(),
    )
    return AirflowSession(info, web, plane, webserver_urls)


def _token_transport(plane: ControlPlane, environment: str, details: Future, webserver_urls: str | None,
                     major: int | None = None) -> tuple[WebLogin, TokenTransport]:
    """CreateWebLoginToken, then the web server's login: a transport that logs in again when needed."""
    http = _pool.submit(http_client)  # imports httpx while the token call is on the wire
    try:
        login = plane.create_web_login_token(environment)
        env = details.result()
        unavailable = not_available(env)
        if unavailable:
            raise unavailable
        base_url = webserver_base_url(login.hostname, webserver_urls)
        credential = log_in(http.result(), base_url, Secret(login.token), env.airflow_major if env else major)
    except BaseException:
        http.add_done_callback(lambda done: done.exception() or done.result().close())
        raise
    relogin = lambda: Secret(plane.create_web_login_token(environment).token)  # noqa: E731
    return login, TokenTransport(base_url, credential, relogin, http.result())


def _invoke_session(plane: ControlPlane, environment: str, details: Future, webserver_urls: str | None = None,
                    auto: bool = False) -> AirflowSession:
    """A session whose calls go through InvokeRestApi (no web token kept).

    Probes ``GET /version`` once (while GetEnvironment runs), so that a missing airflow:InvokeRestApi
    shows now (AccessDenied) and the Airflow version is known even when GetEnvironment is denied.
    With ``auto``, calls InvokeRestApi cannot take (paths over 64 characters) go through a web-token
    login made on first need.
    """
    invoke: InvokeTransport | AutoTransport = InvokeTransport(plane, environment)
    try:
        version = invoke.probe()
    except errors.MwaaError:
        unavailable = not_available(details.result())
        if unavailable:
            raise unavailable from None
        raise
    env = details.result()
    if auto:
        invoke = AutoTransport(invoke, lambda: _token_transport(plane, environment, details, webserver_urls, invoke.major)[1])
    hostname = (env.webserver_url or "").split("://")[-1].rstrip("/") if env else ""
    info = LoginInfo(
        environment=environment, region=plane.region, profile=plane.profile, hostname=hostname,
        iam_identity="", airflow_identity="(InvokeRestApi)", airflow_version=(env.airflow_version if env else None) or version,
        webserver_access_mode=env.webserver_access_mode if env else None, logged_in_at=time.time(), transport="invoke",
    )
    return AirflowSession(info, invoke, plane, webserver_urls)


def _environment_or_none(plane: ControlPlane, environment: str) -> EnvironmentInfo | None:
    """GetEnvironment, or None when we may not read it (a web-only user)."""
    try:
        return plane.get_environment(environment)
    except errors.MwaaError:
        return None


def not_available(env: EnvironmentInfo | None) -> errors.EnvironmentNotAvailable | None:
    """The error for an environment known not to be AVAILABLE (it has no web server), else None."""
    if env is None or env.available:
        return None
    return errors.EnvironmentNotAvailable(
        f"Environment {env.name} is {env.status}, not AVAILABLE: it has no web server now. "
        "Wait until it is AVAILABLE (check the MWAA console), then log in again."
    )


def fresh_console_url(session: AirflowSession) -> str:
    """A new authenticated console-SSO link for the session's environment (valid about 60 s)."""
    info = session.info
    plane = session._plane or control_plane(info.profile, info.region)  # the client that logged in: no second one
    return plane.console_url(info.environment, session.major, session._webserver_urls)
