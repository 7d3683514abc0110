"""The emulator's admin API (``/_emulator/...`` on the control-plane port): knobs for tests and benchmarks."""

from __future__ import annotations

import json
from typing import Any

import tornado.web

from .knobs import Fault


class AdminHandler(tornado.web.RequestHandler):
    """Unsigned JSON routes, loopback only; the orchestrator passes itself as ``emulator``."""

    def initialize(self, emulator: Any) -> None:
        self.emulator = emulator
        self.knobs = emulator.knobs

    def body(self) -> dict:
        try:
            data = json.loads(self.request.body or b"{}")
        except ValueError:
            raise tornado.web.HTTPError(400, "body must be JSON") from None
        if not isinstance(data, dict):
            raise tornado.web.HTTPError(400, "body must be a JSON object")
        return data

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
            for name in ("control_latency", "web_latency", "token_lifetime", "session_lifetime"):
                if name in data:
                    setattr(self.knobs, name, float(data[name]))
        elif action == "faults":
            try:
                self.knobs.faults.append(Fault(
                    operation=str(data["operation"]), error=str(data.get("error", "InternalServerException")),
                    status=int(data.get("status", 500)), count=int(data.get("count", 1)),
                    message=str(data.get("message", "Injected fault"))))
            except (KeyError, ValueError) as exc:
                raise tornado.web.HTTPError(400, f"bad fault: {exc}") from None
        elif action == "reset":
            self.knobs.reset()
        elif action == "expire-sessions":
            self.emulator.expire_sessions()
        elif action == "seed-runs":
            await self.emulator.seed_dag_runs(str(data["environment"]), str(data["dag_id"]), int(data.get("count", 100)))
        else:
            raise tornado.web.HTTPError(404)
        self.write({"knobs": self.knobs.snapshot()})


class S3AdminHandler(AdminHandler):
    """``/_emulator/s3``: GET the S3 knobs; POST ``sync_interval``, ``sync_paused``, ``missing_buckets`` (env names)."""

    def get(self, action: str = "s3") -> None:  # type: ignore[override]
        self.write(self._s3_state())

    async def post(self, action: str = "s3") -> None:  # type: ignore[override]
        data, world = self.body(), self.emulator.s3
        if world is None:
            raise tornado.web.HTTPError(404, "this emulator runs without S3")
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
    """A small synchronous client of the admin API, for tests, benchmarks and users' own CI."""

    def __init__(self, base_url: str) -> None:
        import httpx

        self._http = httpx.Client(base_url=base_url.rstrip("/") + "/_emulator", timeout=120)

    def state(self) -> dict:
        return self._get("state")

    def secrets(self) -> list[str]:
        """Every WebToken, CliToken, session cookie and JWT the emulator has handed out."""
        return self._get("secrets")["secrets"]

    def calls(self) -> dict[str, int]:
        """Number of calls received per operation since the last reset."""
        return self.state()["knobs"]["calls"]

    def set(self, **knobs: float) -> dict:
        """Set ``control_latency``, ``web_latency`` (seconds), ``token_lifetime``, ``session_lifetime``."""
        return self._post("knobs", knobs)

    def fail_next(self, operation: str, count: int = 1, error: str = "InternalServerException", status: int = 500, message: str = "Injected fault") -> dict:
        """Make the next ``count`` calls of ``operation`` ("*" for any) fail with ``error``."""
        return self._post("faults", {"operation": operation, "count": count, "error": error, "status": status, "message": message})

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
        response = self._http.get(f"/{action}")
        response.raise_for_status()
        return response.json()

    def _post(self, action: str, body: dict) -> dict:
        response = self._http.post(f"/{action}", json=body)
        response.raise_for_status()
        return response.json()
