"""The emulator's admin API (``/_emulator/...`` on the control-plane port): knobs for tests and benchmarks."""

from __future__ import annotations

import json
from typing import Any

import tornado.web

from .config import ENVIRONMENT_STATUSES
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
        elif action == "status":
            self.emulator.set_status(str(data.get("environment")), str(data.get("status")), data.get("region"))
        elif action == "expire-sessions":
            self.emulator.expire_sessions()
        elif action == "seed-runs":
            await self.emulator.seed_dag_runs(str(data["environment"]), str(data["dag_id"]), int(data.get("count", 100)))
        else:
            raise tornado.web.HTTPError(404)
        self.write({"knobs": self.knobs.snapshot()})


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
        return self._post("reset", {})

    def close(self) -> None:
        self._http.close()

    def _get(self, action: str) -> dict:
        return _answer(self._http.get(f"/{action}"))

    def _post(self, action: str, body: dict) -> dict:
        return _answer(self._http.post(f"/{action}", json=body))


def _answer(response: "httpx.Response") -> dict:
    """The JSON of a successful answer; else ``httpx.HTTPStatusError`` carrying the server's message."""
    import httpx

    if response.is_success:
        return response.json()
    try:
        message = response.json()["message"]
    except (ValueError, KeyError, TypeError):
        message = response.reason_phrase
    raise httpx.HTTPStatusError(f"emulator admin API: {response.status_code} {message}",
                                request=response.request, response=response)
