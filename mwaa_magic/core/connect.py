"""``connect``: from an environment name to a logged-in :class:`AirflowSession` (what %mwaa_login does)."""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from . import errors
from .control_plane import EnvironmentInfo
from .environment import Environment
from .session import AirflowSession, LoginInfo
from .transport import AutoTransport, InvokeTransport, TokenTransport, http_client
from .validation import hostname_of_url, validate_region

TRANSPORTS = ("token", "invoke", "auto")
_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="mwaa-login")


def connect(
    environment: str | Environment,
    region: str | None = None,
    profile: str | None = None,
    transport: str = "token",
    webserver_urls: str | None = None,
) -> AirflowSession:
    """Log in to ``environment`` and return its REST session.

    ``transport``: "token" (web login token, the web server's REST API), "invoke" (InvokeRestApi only,
    no token kept), "auto" (InvokeRestApi, falling back to the token login when the caller lacks
    airflow:InvokeRestApi, and for single calls whose path is too long for it). InvokeRestApi's limits:
    paths of at most 64 characters, 10 s per call, 6 MB per response, a low call rate; each raises
    :class:`RestApiLimitExceeded` when hit.
    """
    if transport not in TRANSPORTS:
        raise errors.InvalidArgument(f"Unknown transport {str(transport)[:20]!r}: use one of {', '.join(TRANSPORTS)}.")
    if region is not None:
        validate_region(region)  # before any call: a region that cannot exist costs no AWS round trip
    env = environment if isinstance(environment, Environment) else Environment(environment, region, profile, webserver_urls)
    details = _pool.submit(env.details_or_none, True)  # in parallel with the token call; a login reads afresh
    if transport in ("invoke", "auto"):
        try:
            return _invoke_session(env, details, auto=transport == "auto")
        except errors.AccessDenied as exc:  # only the InvokeRestApi probe can be denied there
            if transport == "invoke":
                raise errors.AccessDenied(
                    f"{errors.without_doctor_hint(exc.message)} Or log in with --transport token." + errors.doctor_hint(env.name)
                ) from None
            # auto: the caller lacks airflow:InvokeRestApi; log in with a web token instead (as MwaaHook does)
    try:
        web = _token_transport(env, details)
    except errors.MwaaError as exc:
        raise not_available(details.result()) or exc from None
    info_env = details.result()
    login = web.login_answer
    info = LoginInfo(
        environment=env.name,
        region=env.region,
        profile=env.profile,
        hostname=login.hostname,
        iam_identity=login.iam_identity,
        airflow_identity=login.airflow_identity,
        airflow_version=info_env.airflow_version if info_env else web.transport.flavour.approximate_version,
        webserver_access_mode=info_env.webserver_access_mode if info_env else None,
        logged_in_at=time.time(),
    )
    return AirflowSession(info, web.transport, env)


class _TokenLogin:
    """A token transport and the CreateWebLoginToken answer it started from (identity, hostname)."""

    def __init__(self, transport: TokenTransport, login_answer: Any) -> None:
        self.transport, self.login_answer = transport, login_answer


def _token_transport(env: Environment, details: Future) -> _TokenLogin:
    """CreateWebLoginToken, then the web server's login: a transport that logs in again when needed."""
    http = _pool.submit(http_client, env.plane.timeouts)  # imports httpx while the token call is on the wire
    try:
        token = env.web_login_token()
        info = details.result()
        unavailable = not_available(info)
        if unavailable:
            raise unavailable
        web = env.login(http.result(), Environment.flavour_of(info), token)
    except BaseException:
        http.add_done_callback(_close_client)
        raise
    return _TokenLogin(TokenTransport(env, web, http.result()), token)


def _close_client(done: Future) -> None:
    """Close the http client a failed login no longer needs (once it exists)."""
    if done.exception() is None:
        done.result().close()


def _invoke_session(env: Environment, details: Future, auto: bool = False) -> AirflowSession:
    """A session whose calls go through InvokeRestApi (no web token kept).

    Probes ``GET /version`` once (while GetEnvironment runs), so that a missing airflow:InvokeRestApi
    shows now (AccessDenied) and the Airflow version is known even when GetEnvironment is denied.
    With ``auto``, calls InvokeRestApi cannot take (paths over 64 characters) go through a web-token
    login made on first need.
    """
    invoke = InvokeTransport(env)
    try:
        version = invoke.probe()
    except errors.MwaaError:
        unavailable = not_available(details.result())
        if unavailable:
            raise unavailable from None
        raise
    info_env = details.result()
    transport: InvokeTransport | AutoTransport = invoke
    if auto:
        transport = AutoTransport(invoke, lambda: _token_transport(env, details).transport)
    info = LoginInfo(
        environment=env.name,
        region=env.region,
        profile=env.profile,
        hostname=hostname_of_url(info_env.webserver_url) if info_env else "",
        iam_identity="",
        airflow_identity="(InvokeRestApi)",
        airflow_version=(info_env.airflow_version if info_env else None) or version,
        webserver_access_mode=info_env.webserver_access_mode if info_env else None,
        logged_in_at=time.time(),
        transport="invoke",
    )
    return AirflowSession(info, transport, env)


def not_available(env: EnvironmentInfo | None) -> errors.EnvironmentNotAvailable | None:
    """The error for an environment known not to be AVAILABLE (it has no web server), else None."""
    if env is None or env.available:
        return None
    return errors.EnvironmentNotAvailable(
        f"Environment {env.name} is {env.status}, not AVAILABLE: it has no web server now. "
        "Wait until it is AVAILABLE (check the MWAA console), then log in again."
    )
