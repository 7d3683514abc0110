"""Verify AWS Signature Version 4 on incoming requests, with botocore's own canonicalisation."""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timezone

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

_AUTH = re.compile(
    r"AWS4-HMAC-SHA256\s+Credential=(?P<key>[^/,\s]+)/(?P<date>\d{8})/(?P<region>[^/,\s]+)/(?P<service>[^/,\s]+)/aws4_request,\s*"
    r"SignedHeaders=(?P<headers>[a-z0-9\-;]+),\s*Signature=(?P<signature>[0-9a-f]{64})$"
)
MAX_CLOCK_SKEW = 15 * 60  # seconds, as AWS allows


class SignatureRejected(Exception):
    """The request is not signed as AWS requires; ``code`` is the AWS error code to answer with."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class SignedBy:
    access_key_id: str
    region: str


def verify(method: str, url: str, headers: dict[str, str], body: bytes, secret_for, service: str = "airflow",
           now: datetime | None = None) -> SignedBy:
    """Check the SigV4 ``Authorization`` header; ``secret_for(access_key)`` returns the secret or None.

    ``now`` is the server's time (the clock-offset knob moves it); default: the real time."""
    header = headers.get("Authorization", "")
    if not header:
        raise SignatureRejected("MissingAuthenticationTokenException", "Missing Authentication Token")
    match = _AUTH.match(header.strip())
    if not match:
        raise SignatureRejected("IncompleteSignatureException", "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.")
    secret = secret_for(match["key"])
    if secret is None:
        raise SignatureRejected("UnrecognizedClientException", "The security token included in the request is invalid.")
    if match["service"] != service:
        raise SignatureRejected("InvalidSignatureException", f"Credential should be scoped to correct service: '{service}'.")
    amz_date = headers.get("X-Amz-Date", "")
    try:
        signed_at = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        raise SignatureRejected("IncompleteSignatureException", "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.") from None
    if abs(((now or datetime.now(timezone.utc)) - signed_at).total_seconds()) > MAX_CLOCK_SKEW:
        raise SignatureRejected("InvalidSignatureException", "Signature expired: the request time is more than 15 minutes away from the server time.")
    signed_names = match["headers"].split(";")
    lowered = {k.lower(): v for k, v in headers.items()}
    request = AWSRequest(method=method, url=url, data=body, headers={n: lowered.get(n, "") for n in signed_names})
    request.context["timestamp"] = amz_date
    signer = SigV4Auth(Credentials(match["key"], secret), service, match["region"])
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    if not hmac.compare_digest(expected, match["signature"]):
        raise SignatureRejected(
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method.",
        )
    return SignedBy(match["key"], match["region"])
