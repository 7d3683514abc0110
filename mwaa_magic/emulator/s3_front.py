"""moto's server, guarded: the S3 port answers as the other emulator ports do (:mod:`.guard`).

- the Host check and no browser cross-site request (no ``Origin`` of another site, no CORS header in any answer);
- moto's own API (``/moto-api``: every identity's secret key, a reset that empties every bucket) only with the
  admin secret as ``Authorization: Bearer``;
- S3 only: a request signed for another service (moto serves IAM, STS... on the same port) is refused.

The guard is WSGI middleware around moto's own application, in the same werkzeug server thread: bodies stream
through untouched and the ``Host`` a SigV4 signature covers is the one moto sees.
"""

from __future__ import annotations

import json
import re
import socket
import threading
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote

from .guard import bearer_is, host_values, refusal

MOTO_API = "moto-api"
_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/[^/,\s]+/(?P<service>[^/,\s]+)/aws4_request")
_BROWSER_HEADERS = {"Host": "HTTP_HOST", "Origin": "HTTP_ORIGIN", "Sec-Fetch-Site": "HTTP_SEC_FETCH_SITE"}


class S3Front:
    """WSGI middleware: ``app`` (moto's) behind the guard; ``hosts`` from :func:`.guard.host_values`."""

    def __init__(self, app: Callable, hosts: frozenset[str], admin_secret: str) -> None:
        self.app, self.hosts, self.admin_secret = app, hosts, admin_secret

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        refused = self.refusal(environ)
        if refused is not None:
            status, message = refused
            body = json.dumps({"message": message}).encode()
            reason = {401: "Unauthorized", 403: "Forbidden"}[status]
            headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
            if status == 401:
                headers.append(("WWW-Authenticate", 'Bearer realm="mwaa-emulator"'))
            start_response(f"{status} {reason}", headers)
            return [body]

        def start_without_cors(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            kept = [(name, value) for name, value in headers if not name.lower().startswith("access-control-")]
            return start_response(status, kept, exc_info)

        return self.app(environ, start_without_cors)

    def refusal(self, environ: dict[str, Any]) -> tuple[int, str] | None:
        """Why the request must be refused (status, message), or None."""
        headers = {name: environ[key] for name, key in _BROWSER_HEADERS.items() if key in environ}
        refused = refusal(headers, self.hosts)
        if refused is not None:
            return refused
        first = environ.get("PATH_INFO", "").lstrip("/").split("/", 1)[0].lower()
        authorization = environ.get("HTTP_AUTHORIZATION", "")
        if first.startswith(MOTO_API):
            if not bearer_is(authorization, self.admin_secret):
                return 401, "moto's API needs `Authorization: Bearer <the emulator's admin secret>`"
            return None
        scope = _SCOPE.search(authorization) or _SCOPE.search(unquote(environ.get("QUERY_STRING", "")))
        if scope is not None and scope["service"] != "s3":
            return 403, f"this port serves S3 only, not {scope['service'][:40]}"
        return None


class GuardedMotoServer:
    """moto's server on ``host``:``port`` (0: a free one) behind :class:`S3Front`; ``start()``, ``url``, ``stop()``."""

    def __init__(self, host: str, port: int, admin_secret: str, allowed_hosts: Iterable[str] = ()) -> None:
        self.host, self.port, self.admin_secret = host, port, admin_secret
        self.allowed_hosts = tuple(allowed_hosts)  # EmulatorConfig.allowed_hosts
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
        from werkzeug.serving import make_server

        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # bound here: werkzeug's own bind exits the process (SystemExit) when it fails
        with socket.create_server((self.host.strip("[]"), self.port), family=family) as bound:
            front = S3Front(DomainDispatcherApplication(create_backend_app), frozenset(), self.admin_secret)
            self._server = make_server(
                self.host, self.port, front, threaded=True, request_handler=MotoRequestHandler, fd=bound.fileno()
            )  # werkzeug serves a duplicate of ``bound``'s descriptor
        self.port = self._server.server_address[1]
        front.hosts = host_values(self.port, self.host, allowed=self.allowed_hosts)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True, name="emulator-s3")
        self._thread.start()

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None
