"""A small MWAA web front with an Airflow REST API, on loopback, for the fast tier (no real Airflow).

It speaks what mwaa_magic needs of an environment's web server: the MWAA login endpoints (Airflow 3:
``_token`` JWT-shaped cookie, bearer auth on ``/api/v2``; Airflow 2: ``session`` cookie on ``/api/v1``),
``/aws_mwaa/cli``, and a handful of REST routes with a run that progresses. Faults are scripted per
request (a status with headers, a reset, a hang, an HTML page) so that retries and messages can be tested.
The real thing is tested in the integration tiers against the emulator's real Airflow.
"""

from __future__ import annotations

import base64
import contextlib
import json
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

DAG_IDS = [f"dag_{i:03d}" for i in range(250)]
UNLISTED_DAG_IDS = {"etl"}  # answered (the fault tests trigger it) though not listed; any other id is a 404


@dataclass
class Fault:
    method: str
    path_prefix: str
    action: str  # "status", "reset", "hang", "html"
    status: int = 503
    headers: dict[str, str] = field(default_factory=dict)
    count: int = 1


@dataclass
class StubState:
    faults: list[Fault] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    credentials: set[str] = field(default_factory=set)
    issued: list[str] = field(default_factory=list)  # every cookie value handed out
    runs: dict[str, dict] = field(default_factory=dict)
    run_polls_to_finish: int = 2
    cli_exit_codes: bool = True  # the emulator reports the command's exit status; MWAA does not
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.count > 0 and fault.method in (method, "*") and path.startswith(fault.path_prefix):
                    fault.count -= 1
                    return fault
        return None

    def count(self, method: str, prefix: str) -> int:
        return sum(1 for m, p in self.requests if m == method and p.startswith(prefix))


class Handler(BaseHTTPRequestHandler):
    server: StubServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def setup(self) -> None:
        super().setup()
        self.server.connections.add(self.connection)

    @property
    def state(self) -> StubState:
        return self.server.state

    def _answer(
        self, status: int, body: object = None, headers: dict[str, str] | None = None, content_type: str = "application/json"
    ) -> None:
        data = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _route(self, method: str) -> None:
        url = urlsplit(self.path)
        body = self._body()
        with self.state.lock:
            self.state.requests.append((method, url.path))
        fault = self.state.take_fault(method, url.path)
        if fault is not None:
            if fault.action == "reset":
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                self.close_connection = True
                self.connection.close()
                return
            if fault.action == "hang":
                time.sleep(fault.status)
                self.close_connection = True
                return
            if fault.action == "html":
                return self._answer(200, b"<!doctype html><title>Airflow</title>", content_type="text/html")
            return self._answer(fault.status, {"detail": "injected"}, fault.headers)
        if url.path.endswith("/aws_mwaa/login"):
            return self._login(url.path, body)
        if url.path == "/aws_mwaa/cli":
            return self._cli(body)
        if url.path.startswith(("/api/v1/", "/api/v2/")):
            if not self._authorized(url.path):
                return self._answer(401, {"detail": "Not authenticated"})
            return self._api(method, url.path[len("/api/v2") :], parse_qs(url.query), body)
        self._answer(200, b"<!doctype html><title>Airflow UI</title>", content_type="text/html")

    def _login(self, path: str, body: bytes) -> None:
        token = parse_qs(body.decode()).get("token", [""])[0]
        if not token:
            return self._answer(401, {"detail": "no token"})
        v3 = path.startswith("/pluginsv2/")
        value = (
            ("eyJhbGciOiJIUzI1NiJ9." + secrets.token_urlsafe(24) + "." + secrets.token_urlsafe(16))
            if v3
            else secrets.token_urlsafe(32)
        )
        with self.state.lock:
            self.state.credentials.add(value)
            self.state.issued.append(value)
        name = "_token" if v3 else "session"
        self._answer(200, {"ok": True}, {"Set-Cookie": f"{name}={value}; Path=/; HttpOnly"})

    def _authorized(self, path: str) -> bool:
        if path.startswith("/api/v2/"):
            auth = self.headers.get("Authorization", "")
            return auth.startswith("Bearer ") and auth[7:] in self.state.credentials
        cookie = self.headers.get("Cookie", "")
        return any(
            part.strip().removeprefix("session=") in self.state.credentials
            for part in cookie.split(";")
            if part.strip().startswith("session=")
        )

    def _cli(self, body: bytes) -> None:
        if not self.headers.get("Authorization", "").startswith("Bearer "):
            return self._answer(401, {"message": "no token"})
        command = body.decode()
        if command.split()[:2] == ["dags", "nosuch"]:  # as Airflow's argparse fails: usage on stderr, status 2
            err = "usage: airflow dags [-h] GROUP_OR_COMMAND ...\n\nairflow dags command error: argument "
            err += "GROUP_OR_COMMAND: invalid choice: 'nosuch', see help above.\n"
            answer: dict[str, object] = {"stdout": "", "stderr": base64.b64encode(err.encode()).decode()}
            return self._answer(200, answer | ({"exit_code": 2} if self.state.cli_exit_codes else {}))
        out = base64.b64encode(f"ran: {command}\n".encode()).decode()
        warning = "/x/airflow/configuration.py:859 FutureWarning: section/key [core/sql_alchemy_conn] is deprecated\n"
        self._answer(200, {"stdout": out, "stderr": base64.b64encode(warning.encode()).decode() if "warn" in command else ""})

    def _api(self, method: str, path: str, query: dict, body: bytes) -> None:
        if path == "/version":
            return self._answer(200, {"version": "3.0.6"})
        if path == "/dags" and method == "GET":
            limit, offset = int(query.get("limit", ["100"])[0]), int(query.get("offset", ["0"])[0])
            page = [{"dag_id": d, "is_paused": False} for d in DAG_IDS[offset : offset + limit]]
            return self._answer(200, {"dags": page, "total_entries": len(DAG_IDS)})
        parts = path.strip("/").split("/")
        if len(parts) >= 2 and parts[0] == "dags" and parts[1] not in (*DAG_IDS, *UNLISTED_DAG_IDS, "~"):
            return self._answer(404, {"detail": f"DAG with dag_id: '{parts[1]}' not found"})
        if len(parts) == 3 and parts[0] == "dags" and parts[2] == "dagRuns" and method == "POST":
            run_id = f"manual__{len(self.state.runs)}"
            run = {
                "dag_id": parts[1],
                "dag_run_id": run_id,
                "state": "queued",
                "polls": 0,
                "conf": json.loads(body or b"{}").get("conf"),
            }
            self.state.runs[run_id] = run
            return self._answer(200, {k: v for k, v in run.items() if k != "polls"})
        if len(parts) == 4 and parts[0] == "dags" and parts[2] == "dagRuns" and method == "GET":
            run = self.state.runs.get(parts[3])
            if run is None:
                return self._answer(404, {"detail": "no such run"})
            run["polls"] += 1
            run["state"] = "success" if run["polls"] >= self.state.run_polls_to_finish else "running"
            return self._answer(200, {k: v for k, v in run.items() if k != "polls"})
        if len(parts) == 2 and parts[0] == "dags" and method == "GET":
            return self._answer(200, {"dag_id": parts[1], "is_paused": False})
        self._answer(404, {"detail": f"stub has no {method} {path}"})

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_PATCH(self) -> None:
        self._route("PATCH")

    def do_DELETE(self) -> None:
        self._route("DELETE")


class StubServer(ThreadingHTTPServer):
    daemon_threads = True

    allow_reuse_address = True

    def __init__(self, port: int = 0, state: StubState | None = None) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.state = state or StubState()
        self.connections: set[socket.socket] = set()
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        threading.Thread(target=self.serve_forever, daemon=True, name="stub-airflow").start()

    def reset(self) -> None:
        self.state = StubState()

    def restarted(self, down_for: float) -> StubServer:
        """Stop, stay down ``down_for`` seconds (connections refused), start again on the same port with the
        same runs but no sessions (as a restarted web server): the new server."""
        port = self.server_address[1]
        self.shutdown()
        self.server_close()
        for connection in list(self.connections):  # kept-alive connections die with the server
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        time.sleep(down_for)
        self.state.credentials.clear()
        return StubServer(port, self.state)

    def fail(
        self,
        method: str,
        path_prefix: str,
        action: str = "status",
        status: int = 503,
        headers: dict[str, str] | None = None,
        count: int = 1,
    ) -> None:
        self.state.faults.append(Fault(method, path_prefix, action, status, headers or {}, count))
