"""``doctor``: check the whole path to an environment, step by step, and say what to fix.

Credentials, identity (STS), clock, region, GetEnvironment, the three token permissions, the web server's
address (how chosen, DNS, TCP, TLS), the web login, a REST call and the CLI. Each step runs in a daemon
thread with its own short timeout, and the whole run within :data:`BUDGET` seconds even when every endpoint
hangs (AWS calls are tried once: no botocore retries). A failed step makes the steps that need it
"skipped" (with the reason), not the others. The result is a :class:`Diagnosis`: a table (one row per
check) that is also data (``to_json()``). No token, cookie or JWT ever goes into it.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from . import doctor_checks as c
from . import errors
from .addresses import WEBSERVER_URLS_VARIABLE, parse_webserver_urls, webserver_base_url
from .control_plane import ControlPlane, EnvironmentInfo, validate_environment_name
from .doctor_checks import Outcome, clean, fail
from .table import Table
from .text import first_line, shorten

BUDGET = 25.0  # seconds for the whole run (the promise is 30 s)
STEP_TIMEOUT = 5.0  # seconds per AWS call or web request
NETWORK_TIMEOUT = 3.0  # seconds for DNS and for a TCP connect
CLI_TIMEOUT = 12.0  # `airflow version` through MWAA's CLI endpoint (Airflow starts a CLI process: seconds)
MARKS = {"ok": "✓", "warn": "⚠", "fail": "✗", "skipped": "skipped", "n/a": "–"}
PASSING = ("ok", "warn", "n/a")


class Diagnosis(Table):
    """The checks, one dict a row (``check``, ``status``, ``found``, ``fix``, ``seconds``), shown as a table."""

    COLUMNS = ["result", "check", "found", "fix", "time"]

    def __init__(self, rows: Iterable[dict], environment: str | None, region: str | None, profile: str | None,
                 seconds: float = 0.0) -> None:
        title = f"mwaa doctor: {environment or '?'} in {region or '?'}{f' (profile {profile})' if profile else ''}"
        super().__init__(rows, self.COLUMNS, title)
        self.environment, self.region, self.profile, self.seconds = environment, region, profile, seconds

    @property
    def ok(self) -> bool:
        """True when no check failed (warnings and skips due to nothing failing do not count)."""
        return not self.failed

    @property
    def failed(self) -> list[str]:
        return [row["check"] for row in self if row["status"] == "fail"]

    def to_json(self) -> dict[str, Any]:
        """The same data as the table, for ``--json`` and support tickets."""
        return {"environment": self.environment, "region": self.region, "profile": self.profile, "ok": self.ok,
                "seconds": round(self.seconds, 2),
                "checks": [{k: v for k, v in row.items() if k not in ("result", "time")} for row in self]}

    def _cells(self) -> list[list[str]]:
        return [[shorten(row.get(c), 300) for c in self.columns] for row in self]

    def summary(self) -> str:
        """One line: all good, or which checks failed."""
        if self.ok:
            return f"mwaa doctor: every check passed for {self.environment} ({self.seconds:.1f} s)."
        return f"mwaa doctor: {len(self.failed)} check(s) failed for {self.environment}: {', '.join(self.failed)}."


class DoctorFailed(errors.MwaaError):
    """Raised after the table is shown when a check failed (so that papermill/nbclient stop)."""

    code = "DoctorFailed"

    def __init__(self, diagnosis: Diagnosis) -> None:
        super().__init__(f"{diagnosis.summary()} See the table above for each fix.")
        self.diagnosis = diagnosis


def doctor(environment: str, region: str | None = None, profile: str | None = None, webserver_urls: str | None = None,
           regions: list[str] | None = None, budget: float = BUDGET) -> Diagnosis:
    """Run every check on ``environment`` and return the :class:`Diagnosis` (it never raises for a failed check).

    ``regions``: where to look when ``environment`` is not in ``region`` (default ``$MWAA_MAGIC_SEARCH_REGIONS``,
    else every region botocore knows for MWAA).
    """
    validate_environment_name(environment)
    return DoctorRun(environment, region, profile, webserver_urls, regions, budget).run()


# --- running steps with deadlines ------------------------------------------------------------------
class DoctorRun:
    """One run: the steps in order, what they share (never printed), and the rows."""

    def __init__(self, name: str, region: str | None, profile: str | None, webserver_urls: str | None,
                 regions: list[str] | None, budget: float) -> None:
        self.name, self.region, self.profile = name, region, profile or None
        self.webserver_urls, self.regions = webserver_urls, regions
        self.started = time.monotonic()
        self.budget, self.deadline = budget, self.started + budget
        self.rows: dict[str, dict] = {}
        self._lock = threading.Lock()
        # what the steps share; tokens stay here, never in a row
        self.session: Any = None
        self.plane: ControlPlane | None = None
        self.date: tuple[float, str] | None = None  # (local time, the service's Date header)
        self.info: EnvironmentInfo | None = None
        self.info_error: errors.MwaaError | None = None
        self.account: str | None = None
        self.address_from_setting = False
        self.web_token: Any = None
        self.cli_token: Any = None
        self.base_url = ""
        self.addresses: list[str] = []
        self.http: Any = None
        self.web: Any = None

    def run(self) -> Diagnosis:
        try:
            self._run_steps()
        finally:
            if self.http is not None:
                self.http.close()
        order = [key for key, *_ in STEPS]
        rows = [self.rows[key] for key in order if key in self.rows]
        return Diagnosis(rows, self.name, self.region, self.profile, time.monotonic() - self.started)

    def _run_steps(self) -> None:
        self.step("credentials", c.credentials)
        identity = self.start("identity", c.identity, needs=("credentials",))
        region = self.start("region", c.region, needs=("credentials",))
        identity()
        region()
        self.step("clock", c.clock, needs=())
        self.step("environment", c.environment, needs=("region",))
        waits = [self.start(key, check, needs=("region",)) for key, check in
                 (("CreateWebLoginToken", c.web_token), ("CreateCliToken", c.cli_token), ("InvokeRestApi", c.invoke))]
        for wait in waits:
            wait()
        self.step("address", c.address, needs=())
        self.step("dns", c.dns, needs=("address",))
        self.step("tcp", c.tcp, needs=("dns",))
        self.step("tls", c.tls, needs=("tcp",))
        login = self.start("login", c.login, needs=("tls", "CreateWebLoginToken"))
        cli = self.start("cli", c.cli, needs=("tls", "CreateCliToken"))
        login()
        self.step("rest", c.rest, needs=("login",))
        cli()

    # --- the machinery ---------------------------------------------------------------------------
    def step(self, key: str, check: Callable[[DoctorRun, float], Outcome], needs: tuple[str, ...] = ()) -> None:
        self.start(key, check, needs)()

    def start(self, key: str, check: Callable[[DoctorRun, float], Outcome], needs: tuple[str, ...] = ()) -> Callable[[], None]:
        """Start ``check`` in a daemon thread (a hung call is left behind); the returned function waits for it."""
        blocked = self._blocked(needs)
        remaining = self.deadline - time.monotonic()
        if blocked or remaining < 0.5:
            self._record(key, Outcome("skipped", blocked or f"the run's {self.budget:g} s budget ran out"), 0.0)
            return lambda: None
        limit = min(TIMEOUTS.get(key, STEP_TIMEOUT), remaining)
        box: dict[str, Outcome] = {}
        done = threading.Event()
        began = time.monotonic()

        def target() -> None:
            try:
                box["outcome"] = check(self, limit)
            except errors.MwaaError as exc:
                box["outcome"] = fail(clean(exc.message), FIXES.get(key, "see the message"))
            except Exception as exc:  # a bug or an odd answer: one row, never a traceback
                box["outcome"] = fail(f"unexpected {type(exc).__name__}: {first_line(str(exc), 200)}", "report this with --debug")
            finally:
                done.set()

        threading.Thread(target=target, daemon=True, name=f"mwaa-doctor-{key}").start()

        def wait() -> None:
            if done.wait(limit + 0.25):
                self._record(key, box["outcome"], time.monotonic() - began)
            else:
                self._record(key, fail(f"no answer within {limit:g} s ({TITLES[key]} hung)", TIMEOUT_FIXES.get(key, FIXES.get(key, ""))),
                             time.monotonic() - began)
        return wait

    def _blocked(self, needs: tuple[str, ...]) -> str:
        for need in needs:
            row = self.rows.get(need)
            if row is None or row["status"] not in PASSING:
                status = "was skipped" if row is None or row["status"] == "skipped" else "failed"
                return f"needs {TITLES[need]}, which {status}"
        return ""

    def _record(self, key: str, outcome: Outcome, seconds: float) -> None:
        row = {"result": MARKS[outcome.status], "check": TITLES[key], "status": outcome.status, "found": outcome.found,
               "fix": outcome.fix, "seconds": round(seconds, 3), "time": f"{seconds:.2f} s" if seconds else ""}
        with self._lock:
            self.rows[key] = row

    def passed(self, key: str) -> bool:
        row = self.rows.get(key)
        return row is not None and row["status"] == "ok"

    # --- shared helpers for the checks ----------------------------------------------------------
    def control(self) -> ControlPlane:
        """The run's control-plane client (made by the region check, which the token checks need)."""
        assert self.plane is not None, "the region check makes the control-plane client"
        return self.plane

    def webserver_setting(self) -> str:
        return self.webserver_urls if self.webserver_urls is not None else os.environ.get(WEBSERVER_URLS_VARIABLE, "")

    def choose_address(self, hostname: str) -> tuple[str, str]:
        """(base URL, how it was chosen)."""
        setting = self.webserver_setting()
        mapping = parse_webserver_urls(setting) if setting else {}
        base = webserver_base_url(hostname, setting)
        if hostname.lower() in mapping:
            return base, f"{WEBSERVER_URLS_VARIABLE} maps {hostname} to it"
        if "*" in mapping:
            return base, f"{WEBSERVER_URLS_VARIABLE} (one address for every environment)"
        return base, "https://{WebServerHostname}, as MWAA gives it"



STEPS: tuple[tuple[str, str], ...] = (
    ("credentials", "Credentials"), ("identity", "Identity (STS)"), ("clock", "Clock"), ("region", "Region"),
    ("environment", "GetEnvironment"), ("CreateWebLoginToken", "CreateWebLoginToken"),
    ("CreateCliToken", "CreateCliToken"), ("InvokeRestApi", "InvokeRestApi"), ("address", "Web server address"),
    ("dns", "DNS"), ("tcp", "TCP connect"), ("tls", "TLS"), ("login", "Web login"), ("rest", "REST call"),
    ("cli", "CLI"),
)
TITLES = dict(STEPS)
TIMEOUTS = {"credentials": STEP_TIMEOUT, "region": 9.0, "dns": NETWORK_TIMEOUT, "tcp": NETWORK_TIMEOUT, "cli": CLI_TIMEOUT,
            "clock": 1.0, "address": 1.0, "environment": 1.0}
FIXES = {
    "credentials": "run `aws configure` or `aws sso login`, set AWS_PROFILE, or pass --profile",
    "identity": "refresh your credentials (`aws sso login`), or check AWS_ACCESS_KEY_ID / your profile",
    "region": "pass --region (or set AWS_DEFAULT_REGION) to the environment's region",
    "environment": "check the environment in the MWAA console",
    "login": "check the web-server address setting (MWAA_MAGIC_WEBSERVER_URLS) and that Airflow is up",
    "rest": "your Airflow role may not read this: ask for a stronger role",
    "cli": "check that the environment's CLI endpoint works (MWAA console) and the web-server address",
}
TIMEOUT_FIXES = {
    "identity": "check your network or proxy to AWS STS (HTTPS_PROXY, AWS_ENDPOINT_URL_STS)",
    "region": "check your network or proxy to the MWAA API (HTTPS_PROXY, AWS_ENDPOINT_URL_MWAA)",
    "CreateWebLoginToken": "check your network or proxy to the MWAA API",
    "CreateCliToken": "check your network or proxy to the MWAA API",
    "InvokeRestApi": "MWAA gives Airflow 10 s: Airflow may be overloaded or down; check the environment's health",
    "dns": "your DNS server does not answer: check the network or VPN",
    "tcp": "a firewall, or a private network: PRIVATE_ONLY web servers need their VPC (VPN or SSH tunnel)",
    "tls": "something accepts connections but does not speak TLS there: check the address's scheme and port",
    "login": "the web server accepts connections but does not answer: Airflow may be overloaded or restarting",
    "rest": "the web server accepts connections but does not answer: Airflow may be overloaded or restarting",
    "cli": "the CLI endpoint did not answer: Airflow may be overloaded or restarting",
}
