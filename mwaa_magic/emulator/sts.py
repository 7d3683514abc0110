"""STS ``GetCallerIdentity`` on the control-plane port (query protocol, SigV4 service ``sts``).

boto3 reaches it with ``AWS_ENDPOINT_URL_STS`` (``up`` prints it). It answers for the configured
identities and needs no permission, as in AWS; the clock-offset knob applies, as on the MWAA routes.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

import tornado.web

from .clock import OffsetDate, server_now
from .config import IdentityConfig
from .sigv4 import SignatureRejected, verify

NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"
# The MWAA emulator's error codes for a bad signature, as STS names them.
STS_CODES = {"InvalidSignatureException": "SignatureDoesNotMatch", "UnrecognizedClientException": "InvalidClientTokenId",
             "MissingAuthenticationTokenException": "MissingAuthenticationToken"}
OPERATION = "GetCallerIdentity"


def caller_arn(identity: IdentityConfig, account_id: str) -> str:
    """``arn:aws:sts::ACCOUNT:assumed-role/R/S`` for a role session, ``arn:aws:iam::ACCOUNT:user/U`` otherwise."""
    service = "sts" if identity.iam_identity.startswith("assumed-role/") else "iam"
    return f"arn:aws:{service}::{account_id}:{identity.iam_identity}"


def user_id(identity: IdentityConfig) -> str:
    """A stable unique id shaped like AWS's: ``AROA…:session`` for a role session, ``AIDA…`` for a user."""
    digest = hashlib.sha256(identity.access_key_id.encode()).hexdigest().upper()[:17]
    if identity.iam_identity.startswith("assumed-role/"):
        return f"AROA{digest}:{identity.iam_identity.rsplit('/', 1)[-1]}"
    return f"AIDA{digest}"


class StsHandler(OffsetDate, tornado.web.RequestHandler):
    """``POST /`` with ``Action=GetCallerIdentity``; other actions are refused as STS refuses them."""

    def initialize(self, state: Any) -> None:
        self.state = state
        self.set_default_headers()

    async def post(self) -> None:
        knobs = self.state.knobs
        if knobs.control_latency:
            await asyncio.sleep(knobs.control_latency)
        self.set_header("Content-Type", "text/xml")
        action = parse_qs(self.request.body.decode("utf-8", "replace")).get("Action", [""])[0]
        url = f"{self.request.protocol}://{self.request.host}{self.request.uri}"
        try:
            signed = verify("POST", url, dict(self.request.headers), self.request.body, self._secret_for, service="sts",
                            now=server_now(knobs))
        except SignatureRejected as exc:
            return self._error(403, STS_CODES.get(exc.code, exc.code), exc.message)
        if action != OPERATION:
            return self._error(400, "InvalidAction", f"Could not find operation {action[:40]} for version 2011-06-15")
        fault = knobs.take_fault(OPERATION)
        if fault:
            return self._error(fault.status, fault.error, fault.message)
        identity = self.state.config.identity(signed.access_key_id)
        account = self.state.config.account_id
        self.finish(
            f'<GetCallerIdentityResponse xmlns="{NAMESPACE}"><GetCallerIdentityResult>'
            f"<Arn>{escape(caller_arn(identity, account))}</Arn><UserId>{escape(user_id(identity))}</UserId>"
            f"<Account>{account}</Account></GetCallerIdentityResult>"
            f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata></GetCallerIdentityResponse>"
        )

    def _secret_for(self, access_key_id: str) -> str | None:
        identity = self.state.config.identity(access_key_id)
        return identity.secret_access_key if identity else None

    def _error(self, status: int, code: str, message: str) -> None:
        self.set_status(status)
        kind = "Receiver" if status >= 500 else "Sender"
        self.finish(f'<ErrorResponse xmlns="{NAMESPACE}"><Error><Type>{kind}</Type><Code>{escape(code)}</Code>'
                    f"<Message>{escape(message)}</Message></Error><RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>")


def sts_routes(state: Any) -> list[tuple]:
    """The tornado route serving STS at the control plane's root (MWAA's routes never use ``/``)."""
    return [(r"/", StsHandler, {"state": state})]
