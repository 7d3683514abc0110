"""The emulator's admin API (``/_emulator/...`` on the control-plane port): knobs for tests and benchmarks."""

from __future__ import annotations

import json
import os
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tornado.web

if TYPE_CHECKING:
    import httpx

from .config import ENVIRONMENT_STATUSES
from .guard import bearer_is, refusal
from .knobs import Fault, check_knobs, check_operation

ADMIN_FILE_VARIABLE = "MWAA_EMULATOR_ADMIN_FILE"  # `up` exports the path of its admin file (mode 0600)


def admin_refusal(method: str, headers: Mapping[str, str], hosts: Collection[str], secret: str) -> tuple[int, str] | None:
    """Why an admin request must be refused, as (status, message); None if it may go on.

    ``hosts`` are the ``Host`` values naming this server (``127.0.0.1:PORT``...): another name is DNS
    rebinding. A browser's cross-site request carries an ``Origin`` of another site or ``Sec-Fetch-Site``;
    a form or ``text/plain`` POST is refused as it needs no CORS preflight.
    """
    refused = refusal(headers, hosts)
    if refused is not None:
        return refused
    if not bearer_is(headers.get("Authorization", ""), secret):
        return (
            401,
            f"the admin API needs `Authorization: Bearer <secret>`: the secret is in the file ${ADMIN_FILE_VARIABLE} names",
        )
    content_type = headers.get("Content-Type", "").split(";")[0].strip().lower()
    if method == "POST" and content_type != "application/json":
        return 415, "the body must be application/json"
    return None


class AdminHandler(tornado.web.RequestHandler):
    """JSON routes for the holder of the per-run secret; the orchestrator passes itself as ``emulator``."""

    def initialize(self, emulator: Any) -> None:
        self.emulator = emulator
        self.knobs = emulator.knobs

    def prepare(self) -> None:
        refused = admin_refusal(
            self.request.method, self.request.headers, self.emulator.admin_hosts(), self.emulator.admin_secret
        )
        if refused:
            if refused[0] == 401:
                self.set_header("WWW-Authenticate", 'Bearer realm="mwaa-emulator"')
            raise tornado.web.HTTPError(*refused)

    def body(self) -> dict:
        try:
            data = json.loads(self.request.body or b"{}")
        except ValueError:
            raise tornado.web.HTTPError(400, "body must be JSON") from None
        if not isinstance(data, dict):
            raise tornado.web.HTTPError(400, "body must be a JSON object")
        return data

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """JSON ``{"message": ...}`` saying what was wrong (never a traceback)."""
        exc = kwargs.get("exc_info", (None, None, None))[1]
        message = exc.log_message if isinstance(exc, tornado.web.HTTPError) and exc.log_message else self._reason
        self.finish({"message": message})

    def get(self, action: str) -> None:
        if action == "state":
            self.write(self.emulator.describe())
        elif action == "secrets":
            self.write({"secrets": list(self.knobs.secrets)})
        elif action == "health":
            self.write({"status": "ok"})
        else:
            raise tornado.web.HTTPError(404)

    async def post(self, action: str) -> None:
        data = self.body()
        if action == "knobs":
            try:
                self.knobs.set_many(data)
            except ValueError as exc:
                raise tornado.web.HTTPError(400, str(exc)) from None
        elif action == "faults":
            try:
                self.knobs.faults.append(
                    Fault(
                        operation=str(data["operation"]),
                        error=str(data.get("error", "InternalServerException")),
                        status=int(data.get("status", 500)),
                        count=int(data.get("count", 1)),
                        message=str(data.get("message", "Injected fault")),
                    )
                )
            except (KeyError, ValueError) as exc:
                raise tornado.web.HTTPError(400, f"bad fault: {exc}") from None
        elif action == "reset":
            self.knobs.reset()
            await self.emulator.updates.reset()  # environments back on their release's Airflow
        elif action == "status":
            self.emulator.set_status(str(data.get("environment")), str(data.get("status")), data.get("region"))
        elif action == "expire-sessions":
            self.emulator.expire_sessions()
        elif action == "seed-runs":
            await self.emulator.seed_dag_runs(str(data["environment"]), str(data["dag_id"]), int(data.get("count", 100)))
        else:
            raise tornado.web.HTTPError(404)
        self.write({"knobs": self.knobs.snapshot()})


class S3AdminHandler(AdminHandler):
    """``/_emulator/s3``: GET the S3 knobs; POST ``sync_interval``, ``sync_paused``, ``missing_buckets`` (env names)."""

    def get(self, action: str = "s3") -> None:
        self.write(self._s3_state())

    async def post(self, action: str = "s3") -> None:
        data, world = self.body(), self.emulator.s3
        if world is None:  # moto is not installed: nothing to set
            self.write({})
            return
        knobs = world.knobs
        try:
            if "sync_interval" in data:
                knobs.sync_interval = max(0.05, float(data["sync_interval"]))
            if "sync_paused" in data:
                knobs.sync_paused = bool(data["sync_paused"])
            if "missing_buckets" in data:
                knobs.missing_buckets = {str(name) for name in data["missing_buckets"]}
        except (TypeError, ValueError) as exc:
            raise tornado.web.HTTPError(400, f"bad S3 knob: {exc}") from None
        if data.get("reset"):
            knobs.reset()
        self.write(self._s3_state())

    def _s3_state(self) -> dict:
        world = self.emulator.s3
        return {"url": world.url, **world.knobs.snapshot()} if world else {}


class EmulatorAdmin:
    """A small synchronous client of the admin API, for tests, benchmarks and users' own CI.

    With no arguments it finds the emulator as a shell that evaluated ``up``'s export lines does:
    ``$MWAA_EMULATOR_URL``, and the secret in the file ``$MWAA_EMULATOR_ADMIN_FILE`` names.
    """

    def __init__(self, base_url: str | None = None, secret: str | None = None, admin_file: str | None = None) -> None:
        import httpx

        base_url = base_url or os.environ.get("MWAA_EMULATOR_URL")
        if not base_url:
            raise ValueError(
                'no emulator URL: pass base_url, or set MWAA_EMULATOR_URL (eval "$(python -m mwaa_magic.emulator env)")'
            )
        secret = secret or read_admin_secret(admin_file or os.environ.get(ADMIN_FILE_VARIABLE))
        self._http = httpx.Client(
            base_url=base_url.rstrip("/") + "/_emulator", timeout=120, headers={"Authorization": f"Bearer {secret}"}
        )

    def state(self) -> dict:
        return self._get("state")

    def secrets(self) -> list[str]:
        """Every WebToken, CliToken, session cookie and JWT the emulator has handed out."""
        return self._get("secrets")["secrets"]

    def calls(self) -> dict[str, int]:
        """Number of calls received per operation since the last reset."""
        return self.state()["knobs"]["calls"]

    def set(self, **knobs: float) -> dict:
        """Set knobs (``knobs.KNOBS``: ``control_latency``, ``web_latency``, ``token_lifetime``,
        ``session_lifetime``, in seconds); ValueError for an unknown name, before any request."""
        return self._post("knobs", check_knobs(knobs))

    def fail_next(
        self,
        operation: str,
        count: int = 1,
        error: str = "InternalServerException",
        status: int = 500,
        message: str = "Injected fault",
    ) -> dict:
        """Make the next ``count`` calls of ``operation`` (``knobs.OPERATIONS``, or "*" for any) fail with ``error``."""
        check_operation(operation)
        return self._post(
            "faults", {"operation": operation, "count": count, "error": error, "status": status, "message": message}
        )

    def set_status(self, environment: str, status: str, region: str | None = None) -> dict:
        """Make ``environment`` report ``status`` (e.g. UPDATING) until set back or ``reset()``."""
        if status not in ENVIRONMENT_STATUSES:
            raise ValueError(f"unknown status {status!r}; valid: {', '.join(ENVIRONMENT_STATUSES)}")
        return self._post("status", {"environment": environment, "status": status, "region": region})

    def expire_sessions(self) -> dict:
        return self._post("expire-sessions", {})

    def seed_dag_runs(self, environment: str, dag_id: str, count: int) -> dict:
        return self._post("seed-runs", {"environment": environment, "dag_id": dag_id, "count": count})

    def reset(self) -> dict:
        self._post("s3", {"reset": True})
        return self._post("reset", {})

    def s3(self, **knobs: object) -> dict:
        """The S3 side: ``sync_interval`` (seconds), ``sync_paused`` (bool), ``missing_buckets`` (environment
        names whose GetEnvironment names a bucket that does not exist); returns them with ``syncs`` done so far."""
        return self._post("s3", knobs) if knobs else self._get("s3")

    def wait_for_sync(self, timeout: float = 30.0) -> None:
        """Return once a whole new sync round has run (S3 -> DAG folders)."""
        import time

        first = self.s3()["syncs"]
        deadline = time.monotonic() + timeout
        while self.s3()["syncs"] < first + 2:
            if time.monotonic() > deadline:
                raise TimeoutError("the emulator's DAG sync did not run (paused?)")
            time.sleep(0.1)

    def close(self) -> None:
        self._http.close()

    def _get(self, action: str) -> dict:
        return _answer(self._http.get(f"/{action}"))

    def _post(self, action: str, body: dict) -> dict:
        return _answer(self._http.post(f"/{action}", json=body))


def read_admin_secret(path: str | None) -> str:
    """The secret in the admin file ``up`` wrote (JSON with ``secret``); ValueError when there is none."""
    if not path:
        raise ValueError(
            f'no admin secret: pass secret=, or set {ADMIN_FILE_VARIABLE} (eval "$(python -m mwaa_magic.emulator env)")'
        )
    try:
        return str(json.loads(Path(path).read_text())["secret"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"cannot read the emulator's admin secret from {path}: {exc}") from None


def _answer(response: httpx.Response) -> dict:
    """The JSON of a successful answer; else ``httpx.HTTPStatusError`` carrying the server's message."""
    import httpx

    if response.is_success:
        return response.json()
    try:
        message = response.json()["message"]
    except (ValueError, KeyError, TypeError):
        message = response.reason_phrase
    raise httpx.HTTPStatusError(
        f"emulator admin API: {response.status_code} {message}", request=response.request, response=response
    )
