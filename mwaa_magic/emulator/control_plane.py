"""MWAA's control plane (rest-json, SigV4, service ``airflow``) as a tornado application."""

from __future__ import annotations

import asyncio
import base64
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import tornado.web

from .clock import OffsetDate, server_now
from .config import EmulatorConfig, EnvironmentConfig, IdentityConfig
from .knobs import Knobs
from .sigv4 import SignatureRejected, verify
from .tokens import TokenSigner

NAME_PATTERN = re.compile(r"[a-zA-Z][0-9a-zA-Z\-_]*")
METHODS = ("GET", "PUT", "POST", "PATCH", "DELETE")
MAX_REST_RESPONSE = 6 * 1024 * 1024
REST_TIMEOUT = 10.0
CREATED_AT = datetime(2026, 1, 15, 9, 30, tzinfo=UTC).timestamp()
# Statuses an environment is used in (UPDATE_FAILED: "restored to its previous state successfully and is ready
# to use", botocore's model) and may be updated from
READY_STATUSES = ("AVAILABLE", "UPDATE_FAILED")


class AwsError(Exception):
    """An error answered the way AWS answers it: status, ``x-amzn-ErrorType`` and a JSON body."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra


@dataclass
class ControlState:
    """Everything the handlers share."""

    config: EmulatorConfig
    signer: TokenSigner
    knobs: Knobs
    web_urls: dict[str, str] = field(default_factory=dict)  # environment name -> http://127.0.0.1:PORT
    rest_call: Callable[..., Any] | None = None  # async (env, role, method, path, query, body) -> (status, data)
    environment_fields: Callable[[EnvironmentConfig], dict] | None = None  # more GetEnvironment fields (S3)
    update_environment: Callable[..., Any] | None = None  # async (env, request body): starts an update (updates.py)


class MwaaHandler(OffsetDate, tornado.web.RequestHandler):
    """Base handler: latency, SigV4, fault injection, AWS-shaped errors."""

    operation = "Unknown"

    def initialize(self, state: ControlState) -> None:
        self.state = state
        self.identity: IdentityConfig | None = None  # set by prepare() once the signature checked out
        self.region = state.config.region
        self.set_default_headers()  # the Date header, now that the clock-offset knob is reachable

    async def prepare(self) -> None:
        if self.state.knobs.control_latency:
            await asyncio.sleep(self.state.knobs.control_latency)
        self.set_header("Content-Type", "application/json")
        self.set_header("x-amzn-RequestId", self._request_id())
        url = f"{self.request.protocol}://{self.request.host}{self.request.uri}"
        try:
            signed = verify(
                self.request.method,
                url,
                dict(self.request.headers),
                self.request.body,
                self._secret_for,
                now=server_now(self.state.knobs),
            )
        except SignatureRejected as exc:
            raise AwsError(403, exc.code, exc.message) from None
        self.identity = self.state.config.identity(signed.access_key_id)
        self.region = signed.region
        fault = self.state.knobs.take_fault(self.operation)
        if fault:
            raise AwsError(fault.status, fault.error, fault.message)

    def _secret_for(self, access_key_id: str) -> str | None:
        identity = self.state.config.identity(access_key_id)
        return identity.secret_access_key if identity else None

    def _request_id(self) -> str:
        return f"{id(self.request):032x}"[-32:]

    # --- shared checks -------------------------------------------------------------------------
    def check_name(self, name: str) -> str:
        if not (1 <= len(name) <= 80):
            raise AwsError(
                400,
                "ValidationException",
                "1 validation error detected: Value at 'name' failed to satisfy constraint: Member must have length between 1 and 80",
            )
        if not NAME_PATTERN.fullmatch(name):
            raise AwsError(
                400,
                "ValidationException",
                "1 validation error detected: Value at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][0-9a-zA-Z-_]*",
            )
        return name

    def arn(self, kind: str, name: str) -> str:
        return f"arn:aws:airflow:{self.region}:{self.state.config.account_id}:{kind}/{name}"

    @property
    def caller(self) -> IdentityConfig:
        """The signed caller (prepare() refuses every request it cannot attribute)."""
        assert self.identity is not None
        return self.identity

    def deny(self, action: str, resource: str) -> AwsError:
        service = "sts" if self.caller.iam_identity.startswith("assumed-role/") else "iam"
        principal = f"arn:aws:{service}::{self.state.config.account_id}:{self.caller.iam_identity}"
        return AwsError(
            403,
            "AccessDeniedException",
            f"User: {principal} is not authorized to perform: airflow:{action} on resource: {resource}",
        )

    def require(self, action: str, resource: str) -> None:
        if not self.caller.may(action):
            raise self.deny(action, resource)

    def environment(self, name: str) -> EnvironmentConfig:
        env = self.state.config.environment(self.check_name(name), self.region)
        if env is None:
            raise AwsError(404, "ResourceNotFoundException", f"Environment {name} not found.")
        return env

    def role_on(self, env: EnvironmentConfig, action: str) -> str:
        """The Airflow role the caller may take on ``env`` for ``action``, or AccessDenied."""
        role = self.caller.role_for(env.name)
        if role is None or not self.caller.may(action):
            raise self.deny(action, self.arn("role", f"{env.name}/{role or 'Admin'}"))
        status = self.state.knobs.status_of(env)
        if status not in READY_STATUSES:
            raise AwsError(400, "ValidationException", f"Environment {env.name} is not available (status: {status}).")
        return role

    def json_body(self) -> dict[str, Any]:
        """The request's JSON object (SerializationException as AWS answers one that is not)."""
        try:
            body = json.loads(self.request.body or b"{}")
        except ValueError:
            raise AwsError(400, "SerializationException", "Could not parse the request body as JSON.") from None
        if not isinstance(body, dict):
            raise AwsError(400, "SerializationException", "The request body must be a JSON object.")
        return body

    def reply(self, data: dict) -> None:
        self.finish(json.dumps(data))

    # --- errors --------------------------------------------------------------------------------
    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if not isinstance(exc, AwsError):
            if isinstance(exc, tornado.web.HTTPError) and exc.status_code == 405:
                exc = AwsError(405, "MethodNotAllowedException", f"{self.request.method} is not allowed here.")
            elif isinstance(exc, tornado.web.HTTPError) and exc.status_code < 500:
                exc = AwsError(exc.status_code, "ValidationException", exc.log_message or "Bad request.")
            else:
                exc = AwsError(500, "InternalServerException", "An internal error occurred.")
        self.set_status(exc.status)
        self.set_header("Content-Type", "application/json")
        self.set_header("x-amzn-ErrorType", exc.code)
        self.finish(json.dumps({"message": exc.message, **exc.extra}))

    def log_exception(self, typ, value, tb) -> None:  # expected AWS errors are not server failures
        if not isinstance(value, AwsError):
            super().log_exception(typ, value, tb)


class WebTokenHandler(MwaaHandler):
    operation = "CreateWebLoginToken"

    async def post(self, name: str) -> None:
        env = self.environment(name)
        role = self.role_on(env, self.operation)
        token = self.state.signer.mint(
            "web", env.name, env.region, self.caller.iam_identity, role, self.state.knobs.token_lifetime
        )
        self.state.knobs.remember_secret(token)
        self.reply(
            {
                "WebToken": token,
                "WebServerHostname": env.hostname,
                "IamIdentity": self.caller.iam_identity,
                "AirflowIdentity": airflow_user(role),
            }
        )


class CliTokenHandler(MwaaHandler):
    operation = "CreateCliToken"

    async def post(self, name: str) -> None:
        env = self.environment(name)
        role = self.role_on(env, self.operation)
        token = self.state.signer.mint(
            "cli", env.name, env.region, self.caller.iam_identity, role, self.state.knobs.token_lifetime
        )
        self.state.knobs.remember_secret(token)
        self.reply({"CliToken": token, "WebServerHostname": env.hostname})


class ListEnvironmentsHandler(MwaaHandler):
    operation = "ListEnvironments"

    async def get(self) -> None:
        self.require(self.operation, self.arn("environment", "*"))
        try:
            limit = int(self.get_query_argument("MaxResults", "25"))
            start = int(base64.urlsafe_b64decode(self.get_query_argument("NextToken", "") or "MA==").decode())
        except ValueError:
            raise AwsError(400, "ValidationException", "Invalid MaxResults or NextToken.") from None
        if not 1 <= limit <= 25:
            raise AwsError(
                400,
                "ValidationException",
                "1 validation error detected: Value at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 25",
            )
        names = [e.name for e in self.state.config.environments if e.region == self.region]
        page: dict[str, Any] = {"Environments": names[start : start + limit]}
        if start + limit < len(names):
            page["NextToken"] = base64.urlsafe_b64encode(str(start + limit).encode()).decode()
        self.reply(page)


class GetEnvironmentHandler(MwaaHandler):
    operation = "GetEnvironment"

    async def get(self, name: str) -> None:
        self.check_name(name)
        self.require(self.operation, self.arn("environment", name))
        env = self.environment(name)
        status = self.state.knobs.status_of(env)
        data = describe(env, status, self.arn("environment", env.name), self.state.config.account_id)
        if self.state.environment_fields is not None:
            data.update(self.state.environment_fields(env))
        self.reply({"Environment": data})


class EnvironmentHandler(GetEnvironmentHandler):
    """/environments/{Name}: GET is GetEnvironment; PATCH is UpdateEnvironment, requirements.txt and plugins.zip
    versions applied for real (updates.py)."""

    def initialize(self, state: ControlState) -> None:
        super().initialize(state)
        if self.request.method == "PATCH":
            self.operation = "UpdateEnvironment"  # counted, and a fault's target, under its own name

    async def patch(self, name: str) -> None:
        from .updates import UpdateRefused

        self.check_name(name)
        self.require(self.operation, self.arn("environment", name))
        env = self.environment(name)
        body = self.json_body()
        status = self.state.knobs.status_of(env)
        if status not in READY_STATUSES:
            raise AwsError(400, "ValidationException", f"Environment {env.name} cannot be updated (status: {status}).")
        if self.state.update_environment is None:
            raise AwsError(400, "ValidationException", "This emulator does not update environments.")
        try:
            await self.state.update_environment(env, body)
        except UpdateRefused as exc:
            raise AwsError(400, "ValidationException", str(exc)) from None
        self.reply({"Arn": self.arn("environment", env.name)})


class InvokeRestApiHandler(MwaaHandler):
    operation = "InvokeRestApi"

    async def post(self, name: str) -> None:
        env = self.environment(name)
        role = self.role_on(env, self.operation)
        request = self.rest_request()
        assert self.state.rest_call is not None
        call = self.state.rest_call(
            env, role, request["Method"], request["Path"], request.get("QueryParameters") or {}, request.get("Body")
        )
        try:
            status, data = await asyncio.wait_for(call, REST_TIMEOUT)
        except TimeoutError:
            raise _rest_api_error(
                "The Apache Airflow REST API call timed out after 10 seconds.", 504, {"detail": "timeout"}
            ) from None
        _check_rest_answer(status, data)
        self.reply({"RestApiStatusCode": status, "RestApiResponse": data})

    def rest_request(self) -> dict[str, Any]:
        """The JSON body, checked as MWAA checks it (Path 1-64 characters, Method one of :data:`METHODS`)."""
        request = self.json_body()
        path, method = request.get("Path"), request.get("Method")
        if not isinstance(path, str) or not 1 <= len(path) <= 64:
            raise AwsError(
                400,
                "ValidationException",
                "1 validation error detected: Value at 'path' failed to satisfy constraint: Member must have length between 1 and 64",
            )
        if method not in METHODS:
            raise AwsError(
                400,
                "ValidationException",
                f"1 validation error detected: Value at 'method' failed to satisfy constraint: Member must satisfy enum value set: {list(METHODS)}",
            )
        return request


def _rest_api_error(message: str, status: int, data: Any, code: str = "RestApiServerException") -> AwsError:
    return AwsError(400, code, message, RestApiStatusCode=status, RestApiResponse=data)


def _check_rest_answer(status: int, data: Any) -> None:
    """MWAA's answers for Airflow's: over 6 MB, a server error, a client error (each a 400 carrying Airflow's status)."""
    if len(json.dumps(data)) > MAX_REST_RESPONSE:
        raise _rest_api_error(
            "The Apache Airflow REST API response exceeds the 6 MB limit.", 413, {"detail": "response too large"}
        )
    if status >= 500:
        raise _rest_api_error("Apache Airflow REST API server error.", status, data)
    if status >= 400:
        raise _rest_api_error("Apache Airflow REST API client error.", status, data, "RestApiClientException")


class UnknownOperationHandler(MwaaHandler):
    """Any other route: AWS answers UnknownOperationException (after checking the signature)."""

    async def prepare(self) -> None:
        await super().prepare()
        raise AwsError(404, "UnknownOperationException", "The requested operation does not exist.")


NO_S3_PATH = "/no-s3"  # AWS_ENDPOINT_URL_S3 of an emulator started without moto


class NoS3Handler(tornado.web.RequestHandler):
    """Every S3 request to an emulator without S3: one S3-style error whose code says so (not a network failure)."""

    def _answer(self, *args: str) -> None:
        self.set_status(400)  # not 5xx: botocore would retry it
        self.set_header("Content-Type", "application/xml")
        self.finish(
            "<Error><Code>EmulatorWithoutS3</Code>"
            "<Message>this emulator runs without S3: pip install 'mwaa_magic[emulator]' and restart it</Message></Error>"
        )

    get = put = post = delete = head = _answer


def airflow_user(role: str) -> str:
    """The Airflow user an Airflow role logs in as (the emulator's Airflow has one user per role)."""
    return role.lower()


def describe(env: EnvironmentConfig, status: str, arn: str, account_id: str) -> dict:
    """The ``Environment`` structure of GetEnvironment, for ``env`` in ``status``."""
    data: dict[str, Any] = {
        "Name": env.name,
        "Arn": arn,
        "Status": status,
        "AirflowVersion": env.backend_version,  # what really runs: 2.10.1 announced runs (and says) 2.10.3
        "CreatedAt": CREATED_AT,
        "EnvironmentClass": "mw1.small",
        "ExecutionRoleArn": f"arn:aws:iam::{account_id}:role/service-role/AmazonMWAA-{env.name}-role",
        "ServiceRoleArn": f"arn:aws:iam::{account_id}:role/aws-service-role/airflow.amazonaws.com/AWSServiceRoleForAmazonMWAA",
        "SourceBucketArn": f"arn:aws:s3:::airflow-{env.name.lower()}",
        "DagS3Path": "dags",
        "WebserverAccessMode": env.webserver_access_mode,
        "EndpointManagement": "SERVICE",
        "MinWorkers": 1,
        "MaxWorkers": 10,
        "Schedulers": 2,
        "Tags": env.tags,
    }
    if status == "AVAILABLE":
        data["WebserverUrl"] = env.hostname
    return data


def make_control_app(state: ControlState, extra_handlers: list | None = None) -> tornado.web.Application:
    """The MWAA API, after ``extra_handlers`` (the orchestrator's admin routes)."""
    kw = {"state": state}
    return tornado.web.Application(
        [
            *(extra_handlers or []),
            (r"/webtoken/([^/]*)", WebTokenHandler, kw),
            (r"/clitoken/([^/]*)", CliTokenHandler, kw),
            (r"/restapi/([^/]*)", InvokeRestApiHandler, kw),
            (r"/environments", ListEnvironmentsHandler, kw),
            (r"/environments/([^/]*)", EnvironmentHandler, kw),  # GET: GetEnvironment, PATCH: UpdateEnvironment
            (NO_S3_PATH + r"(/.*)?", NoS3Handler),
        ],
        default_handler_class=UnknownOperationHandler,
        default_handler_args=kw,
        max_body_size=10 * 1024 * 1024,
    )
