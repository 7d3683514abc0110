"""Signed, short-lived tokens minted by the control plane and checked by the web servers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import asdict, dataclass


class TokenRejected(Exception):
    """The token is malformed, forged, expired, or for another environment or purpose."""


@dataclass(frozen=True)
class TokenClaims:
    kind: str  # "web" or "cli"
    environment: str
    region: str
    iam_identity: str
    role: str  # Airflow role: Admin, Op, User, Viewer, Public
    issued_at: float
    expires_at: float
    nonce: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenSigner:
    """HMAC-SHA256 tokens bound to environment, identity and role."""

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key or secrets.token_bytes(32)

    def mint(self, kind: str, environment: str, region: str, iam_identity: str, role: str, lifetime: float) -> str:
        now = time.time()
        claims = TokenClaims(kind, environment, region, iam_identity, role, now, now + lifetime, secrets.token_hex(8))
        body = _b64(json.dumps(asdict(claims), separators=(",", ":")).encode())
        return f"{body}.{self._sign(body)}"

    def verify(self, token: str, kind: str, environment: str, region: str) -> TokenClaims:
        body, _, signature = token.strip().partition(".")
        if not body or not hmac.compare_digest(signature, self._sign(body)):
            raise TokenRejected("invalid token")
        try:
            claims = TokenClaims(**json.loads(_unb64(body)))
        except (ValueError, TypeError) as exc:
            raise TokenRejected("invalid token") from exc
        if claims.kind != kind or claims.environment != environment or claims.region != region:
            raise TokenRejected("token is not for this environment")
        if time.time() > claims.expires_at:
            raise TokenRejected("token expired")
        return claims

    def _sign(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())
