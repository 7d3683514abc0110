"""What every emulator port checks before anything else: the ``Host`` it was asked for, and browsers' cross-site requests.

- **Host** (all ports): only the emulator's own names (127.0.0.1, localhost, [::1], the address it listens on, and
  for a web server its environment's hostname) with the port. Any other name is DNS rebinding: a page on another
  site whose name now resolves to 127.0.0.1, reading and writing with the published default keys.
- **Browsers** (every port but the web servers, which a browser visits): an ``Origin`` other than the port's own,
  or ``Sec-Fetch-Site`` other than ``same-origin``/``none``, is a page of another site.

:func:`guarded` puts the check in front of a tornado application; the S3 port (moto, a WSGI app) uses
:class:`~mwaa_magic.emulator.s3_front.S3Front`, which calls :func:`refusal` too.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Collection, Iterable, Mapping

import tornado.httputil
import tornado.routing
import tornado.web

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
WILDCARDS = ("0.0.0.0", "[::]", "")


def host_values(
    port: int, listen_host: str = "127.0.0.1", names: Iterable[str] = (), allowed: Iterable[str] = ()
) -> frozenset[str]:
    """The ``Host`` header values naming a server listening on ``listen_host``:``port`` (lower case): the loopback
    names and ``names`` with the port, and the whole ``Host`` values ``allowed`` (``EmulatorConfig.allowed_hosts``)."""
    listen = f"[{listen_host}]" if ":" in listen_host else listen_host
    every = {*LOOPBACK_NAMES, *([listen] if listen not in WILDCARDS else []), *names}
    values = {f"{name}:{port}" for name in every} | set(allowed)
    if port == 80:  # a client leaves the default port out
        values |= every
    return frozenset(value.lower() for value in values)


def refusal(headers: Mapping[str, str], hosts: Collection[str], browsers: bool = False) -> tuple[int, str] | None:
    """Why a request must be refused, as (status, message); None if it may go on.

    ``hosts`` are :func:`host_values`; ``browsers`` lets cross-site requests through (a web server's pages).
    """
    if headers.get("Host", "").lower() not in hosts:
        return 403, "wrong Host: this port answers only to 127.0.0.1, localhost and [::1] with its port number"
    if browsers:
        return None
    origin = headers.get("Origin")
    if origin is not None and origin.lower().removeprefix("http://") not in hosts:
        return 403, "cross-origin requests are refused"
    if headers.get("Sec-Fetch-Site", "same-origin").lower() not in ("same-origin", "none"):
        return 403, "cross-site requests are refused"
    return None


def bearer_is(authorization: str, secret: str) -> bool:
    """Whether an ``Authorization`` header value is ``Bearer <secret>`` (compared in constant time)."""
    scheme, _, token = authorization.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), secret.encode())


class _Refused(tornado.web.RequestHandler):
    """The answer to a refused request: its status and ``{"message": ...}`` (no CORS header)."""

    def initialize(self, refused: tuple[int, str]) -> None:
        self.refused = refused

    def prepare(self) -> None:
        self.set_status(self.refused[0])
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"message": self.refused[1]}))


class _Guard(tornado.routing.Router):
    def __init__(self, app: tornado.web.Application, hosts: frozenset[str], browsers: bool) -> None:
        self.app, self.hosts, self.browsers = app, hosts, browsers

    def find_handler(
        self, request: tornado.httputil.HTTPServerRequest, **kwargs: object
    ) -> tornado.httputil.HTTPMessageDelegate | None:
        refused = refusal(request.headers, self.hosts, self.browsers)
        if refused is None:
            return self.app.find_handler(request, **kwargs)
        return self.app.get_handler_delegate(request, _Refused, {"refused": refused})


def guarded(app: tornado.web.Application, hosts: frozenset[str], browsers: bool = False) -> tornado.routing.Router:
    """``app`` behind the Host check (and, unless ``browsers``, the cross-site refusal)."""
    return _Guard(app, hosts, browsers)
