"""In-memory stand-ins for unit tests of the session, retries, re-login and paging (no server, no thread).

- :class:`FakeTransport`: a :class:`~mwaa_magic.core.transport.Transport` with scripted answers, for
  :class:`~mwaa_magic.core.session.AirflowSession` itself (paging, helpers, what ``wait`` rides out).
- :class:`FakeWebServer`: scripted answers behind a real ``httpx.Client`` (httpx's own ``MockTransport``),
  for the real :class:`~mwaa_magic.core.transport.TokenTransport`: its retries and its re-login. It serves
  MWAA's login endpoint too, handing out a new credential at each login.
- :class:`FakePlane`: the control plane's CreateWebLoginToken, in memory (a new token each call).

An answer is ``(status, body)``, ``(status, body, headers)``, an exception to raise, or a function of the
request giving one of those. Unscripted calls answer 404, so a test sees every call it did not expect.
"""

from __future__ import annotations

import itertools
import threading
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from mwaa_magic.core.control_plane import WebLogin
from mwaa_magic.core.environment import Environment, WebSession
from mwaa_magic.core.flavours import Flavour
from mwaa_magic.core.secret import Secret
from mwaa_magic.core.session import AirflowSession, LoginInfo, Progress
from mwaa_magic.core.transport import TokenTransport
from mwaa_magic.core.weblogin import Credential

Answer = Any  # (status, body[, headers]) | BaseException | Callable[[Call], Answer]
HOSTNAME = "fake.airflow.us-east-1.on.aws"


@dataclass(frozen=True)
class Call:
    """One request as the fake saw it."""

    method: str
    path: str  # relative to the API root
    params: dict = field(default_factory=dict)
    body: Any = None
    credential: str = ""  # what authenticated it (the web server fake only)


class Script:
    """Answers per ``(method, path)``, taken in order; the last one repeats. Thread-safe; records every call."""

    def __init__(self) -> None:
        self._answers: dict[tuple[str, str], deque[Answer]] = defaultdict(deque)
        self.calls: list[Call] = []
        self._lock = threading.Lock()

    def on(self, method: str, path: str, *answers: Answer) -> Script:
        self._answers[(method.upper(), path)].extend(answers)
        return self

    def answer(self, call: Call) -> tuple[int, Any, dict[str, str]]:
        with self._lock:
            self.calls.append(call)
            queue = self._answers.get((call.method, call.path))
            answer: Answer = (404, {"detail": f"unscripted {call.method} {call.path}"}) if not queue else queue[0]
            if queue and len(queue) > 1:
                queue.popleft()
        if callable(answer) and not isinstance(answer, BaseException):
            answer = answer(call)
        if isinstance(answer, BaseException):
            raise answer
        status, body, *rest = answer
        return status, body, rest[0] if rest else {}

    def paths(self, method: str = "GET") -> list[str]:
        return [c.path for c in self.calls if c.method == method]


class FakeTransport:
    """A Transport with scripted answers: what the session sends, and what Airflow would say."""

    def __init__(self, flavour: Flavour, script: Script | None = None) -> None:
        self.flavour = flavour
        self.script = script or Script()
        self.closed = False

    def request(
        self, method: str, path: str, params: dict | None = None, body: Any = None, text: bool = False
    ) -> tuple[int, Any]:
        status, data, _ = self.script.answer(Call(method, path, dict(params or {}), body))
        return status, data

    def close(self) -> None:
        self.closed = True


class QuietProgress(Progress):
    def __init__(self) -> None:
        self.lines: list[str] = []

    def update(self, text: str) -> None:
        self.lines.append(text)

    def close(self, text: str) -> None:
        self.lines.append(text)


class FakePlane:
    """CreateWebLoginToken in memory: a new token at each call (counted)."""

    def __init__(self) -> None:
        self.region, self.profile = "us-east-1", None
        self.tokens = 0
        self._lock = threading.Lock()

    def create_web_login_token(self, name: str) -> WebLogin:
        with self._lock:
            self.tokens += 1
            number = self.tokens
        return WebLogin(name, self.region, HOSTNAME, "assumed-role/Admin/alice", "admin", f"web-token-{number:04d}")


class FakeWebServer:
    """An Airflow web server in memory, behind a real httpx.Client: the login endpoint hands out
    ``credential-N`` (N counts logins) and :attr:`script` answers the REST calls."""

    base_url = "http://fake-airflow.test"

    def __init__(self, flavour: Flavour) -> None:
        self.flavour = flavour
        self.script = Script()
        self.logins = 0
        self._numbers = itertools.count(1)
        self.valid: set[str] = set()  # credentials the fake accepts; empty: any
        self.http = httpx.Client(transport=httpx.MockTransport(self._handle), timeout=httpx.Timeout(5.0, connect=2.0))

    def _handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == self.flavour.login_path:
            self.logins += 1
            value = f"credential-{next(self._numbers)}"
            return httpx.Response(200, headers={"Set-Cookie": f"{self.flavour.credential_cookie}={value}; Path=/"})
        path = request.url.path.removeprefix(self.flavour.api_root)
        call = Call(request.method, path, dict(request.url.params), request.content or None, self._credential_of(request))
        status, body, headers = self.script.answer(call)
        if isinstance(body, str):
            return httpx.Response(status, text=body, headers=headers)
        return httpx.Response(status, json=body, headers=headers) if body is not None else httpx.Response(status, headers=headers)

    def _credential_of(self, request: httpx.Request) -> str:
        header = request.headers.get("authorization", "")
        if header.startswith("Bearer "):
            return header.removeprefix("Bearer ")
        cookie = request.headers.get("cookie", "")
        return cookie.partition(f"{self.flavour.credential_cookie}=")[2].split(";")[0]

    def transport(self, plane: FakePlane | None = None) -> TokenTransport:
        """A real TokenTransport logged in once (credential-1), renewing through ``plane`` and this server."""
        environment = Environment("fake", plane=plane or FakePlane(), webserver_urls=f"{HOSTNAME}={self.base_url}")  # type: ignore[arg-type]
        self.logins += 1
        first = Credential(self.flavour, Secret(f"credential-{next(self._numbers)}"))
        web = WebSession(environment.web_login_token(), self.base_url, first)
        return TokenTransport(environment, web, self.http)


def session_over(transport: Any, flavour: Flavour | None = None) -> AirflowSession:
    """An AirflowSession on any transport (the environment is never called by these tests' paths)."""
    flavour = flavour or transport.flavour
    info = LoginInfo("fake", "us-east-1", None, HOSTNAME, "assumed-role/Admin/alice", "admin", None, None, 0.0)
    environment = Environment("fake", plane=FakePlane())  # type: ignore[arg-type]
    session = AirflowSession(info, transport, environment)
    session.progress_factory = QuietProgress
    return session


def expiring(after: int) -> Callable[[Call], Answer]:
    """An answer that accepts each credential for ``after`` calls, then says 401 (a session that expired)."""
    seen: dict[str, int] = defaultdict(int)
    lock = threading.Lock()

    def answer(call: Call) -> Answer:
        with lock:
            seen[call.credential] += 1
            used = seen[call.credential]
        return (200, {"used": call.credential}) if used <= after else (401, {"detail": "Not authenticated"})

    return answer
