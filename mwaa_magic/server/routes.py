"""The ``/mwaa`` routes. Every boto3 call runs on a thread pool, never on the IOLoop.

Errors leave as JSON ``{code, message}`` (the same one-line messages the magic shows); the token never
leaves in a JSON body except inside the URL that ``POST /mwaa/login-url`` exists to return.
"""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, TypeVar

import tornado.web
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado.ioloop import IOLoop

from ..core import control_plane as control
from ..core import errors
from ..core.environment import Environment

T = TypeVar("T")
REGION_PATTERN = control.REGION_PATTERN
PROFILE_PATTERN = re.compile(r"[\w+=,.@\-]{1,128}")
_executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="mwaa-route")


class InvalidRequest(errors.MwaaError):
    code = "InvalidRequest"


# Our error classes -> HTTP status. Authentication stays Jupyter's business (its 403 / login redirect).
STATUS_BY_ERROR: dict[type[errors.MwaaError], int] = {
    InvalidRequest: 400,
    errors.InvalidEnvironmentName: 400,
    errors.ProfileNotFound: 400,
    errors.NoRegion: 400,
    errors.AccessDenied: 403,
    errors.NoCredentials: 403,
    errors.ExpiredCredentials: 403,
    errors.EnvironmentNotFound: 404,
    errors.EnvironmentNotAvailable: 409,
    errors.InvalidHostname: 502,
    errors.ServiceError: 502,
    errors.ControlPlaneUnreachable: 502,
}


def status_for(error: errors.MwaaError) -> int:
    """The HTTP status for one of our errors (500 for anything unexpected)."""
    for cls in type(error).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 500


def _optional(value: Any, name: str, pattern: re.Pattern[str]) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise InvalidRequest(f"{name} is not a valid AWS {name}.")
    return value


def _target(environment: Any, region: Any, profile: Any) -> tuple[str, str | None, str | None]:
    if not isinstance(environment, str) or not environment:
        raise InvalidRequest("environment is required.")
    return (
        control.validate_environment_name(environment),
        _optional(region, "region", REGION_PATTERN),
        _optional(profile, "profile", PROFILE_PATTERN),
    )


def _fresh_login_url(environment: str, region: str | None, profile: str | None) -> str:
    """Mint a web login token now and build the console-SSO link (blocking: run off the IOLoop)."""
    return Environment(environment, region, profile).console_url()


class MwaaHandler(APIHandler):
    """Common plumbing: run blocking calls on the pool, answer our errors as ``{code, message}``."""

    async def blocking(self, fn: Callable[..., T], *args: Any) -> T:
        return await IOLoop.current().run_in_executor(_executor, fn, *args)

    def fail(self, error: errors.MwaaError) -> None:
        self.set_status(status_for(error))
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(error.to_json()))

    def unexpected(self, exc: BaseException) -> None:
        # Type only: an unexpected error's text may carry anything.
        self.log.error("mwaa_magic: unexpected %s in %s", type(exc).__name__, self.request.path)
        self.set_status(500)
        self.finish(json.dumps({"code": "InternalError", "message": f"Unexpected {type(exc).__name__}; see the Jupyter server log."}))

    def reply(self, data: dict[str, Any]) -> None:
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(data))

    def query(self, name: str) -> str | None:
        return self.get_query_argument(name, None) or None

    async def run(self, fn: Callable[[], Any]) -> None:
        try:
            await fn()
        except errors.MwaaError as error:
            self.fail(error)
        except tornado.web.HTTPError:
            raise
        except Exception as exc:  # noqa: BLE001 - answered as JSON, logged without its text
            self.unexpected(exc)


class ConfigHandler(MwaaHandler):
    """``GET /mwaa/config``: profiles and regions for the pickers."""

    @tornado.web.authenticated
    async def get(self) -> None:
        def read() -> dict[str, Any]:
            profile = control.default_profile()
            return {
                "profiles": control.available_profiles(),
                "default_profile": profile,
                "regions": control.mwaa_regions(),
                "default_region": control.default_region(profile),
            }

        async def go() -> None:
            self.reply(await self.blocking(read))

        await self.run(go)


class EnvironmentsHandler(MwaaHandler):
    """``GET /mwaa/environments?profile=&region=``: every environment with status, version, access mode."""

    @tornado.web.authenticated
    async def get(self) -> None:
        async def go() -> None:
            region = _optional(self.query("region"), "region", REGION_PATTERN)
            profile = _optional(self.query("profile"), "profile", PROFILE_PATTERN)

            def read() -> dict[str, Any]:
                plane = control.control_plane(profile, region)
                envs = plane.list_environments()
                return {"profile": plane.profile, "region": plane.region,
                        "environments": [env.to_json() for env in sorted(envs, key=lambda e: e.name)]}

            self.reply(await self.blocking(read))

        await self.run(go)


class EnvironmentHandler(MwaaHandler):
    """``GET /mwaa/environments/<name>?profile=&region=``: one environment's details."""

    @tornado.web.authenticated
    async def get(self, name: str) -> None:
        async def go() -> None:
            environment, region, profile = _target(name, self.query("region"), self.query("profile"))

            def read() -> dict[str, Any]:
                info = control.control_plane(profile, region).get_environment(environment)
                return info.to_json() | {"arn": info.arn}

            self.reply(await self.blocking(read))

        await self.run(go)


class LoginUrlHandler(MwaaHandler):
    """``POST /mwaa/login-url`` ``{environment, region, profile}`` → ``{url}``: a console-SSO link minted now."""

    @tornado.web.authenticated
    async def post(self) -> None:
        async def go() -> None:
            try:
                body = json.loads(self.request.body or b"{}")
            except ValueError:
                raise InvalidRequest("The request body must be JSON.") from None
            if not isinstance(body, dict):
                raise InvalidRequest("The request body must be a JSON object.")
            target = _target(body.get("environment"), body.get("region"), body.get("profile"))
            url = await self.blocking(_fresh_login_url, *target)
            self.reply({"url": url})

        await self.run(go)


class OpenHandler(MwaaHandler):
    """``GET /mwaa/open?environment=&region=&profile=``: mint a token and redirect (302) to the Airflow UI."""

    @tornado.web.authenticated
    async def get(self) -> None:
        async def go() -> None:
            target = _target(self.query("environment"), self.query("region"), self.query("profile"))
            url = await self.blocking(_fresh_login_url, *target)
            self.set_header("Cache-Control", "no-store")
            self.set_header("Referrer-Policy", "no-referrer")
            self.redirect(url, status=302)

        await self.run(go)


def setup_handlers(web_app: Any) -> None:
    """Add the ``/mwaa`` routes under the server's base URL."""
    base = url_path_join(web_app.settings["base_url"], "mwaa")
    web_app.add_handlers(".*$", [
        (url_path_join(base, "config"), ConfigHandler),
        (url_path_join(base, "environments"), EnvironmentsHandler),
        (url_path_join(base, "environments", r"([^/]+)"), EnvironmentHandler),
        (url_path_join(base, "login-url"), LoginUrlHandler),
        (url_path_join(base, "open"), OpenHandler),
    ])
