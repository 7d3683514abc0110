"""The Airflow releases the emulator runs, and every emulator-side difference between them, as data.

One ``Line`` per Airflow major (how its processes start, what they run with, how a user logs in) and one
``Release`` per release (the line it belongs to, its own variables, pins where MWAA's constraints fail). Each
is installed as MWAA installs it: with MWAA's constraints files plus the providers its image preinstalls
(``mwaa_images/<version>/``). Adding a release MWAA offers is ``scripts/mwaa-images VERSION`` and one
``Release`` entry below; ``python -m mwaa_magic.emulator install`` (or ``up``, for the releases its
environments name) installs it on demand. The client's differences live apart, in
``mwaa_magic/core/flavours.py`` (ranges by major/minor).

Placeholders in ``env`` and ``commands``: ``{port}`` (the web server's), ``{home}`` (AIRFLOW_HOME),
``{secret}`` (shared by the backend's processes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

# MWAA's constraints, essential constraints, preinstalled providers and Python, per release (its README.md
# names the source: aws/amazon-mwaa-docker-images, Apache-2.0; scripts/mwaa-images regenerates them)
MWAA_IMAGES = Path(__file__).with_name("mwaa_images")

_COMMON_ENV = {
    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    "AIRFLOW__CORE__PARALLELISM": "2",
    "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
    "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
    "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",  # task logs are read back through the REST API
}


@dataclass(frozen=True)
class WebFront:
    """How MWAA's web server of one Airflow major looks from outside (emulator/webserver.py serves it)."""

    login_path: str  # POST the WebToken here (form field ``token``)
    sso_paths: tuple[str, ...]  # every path serving the console SSO page (``#WebToken`` in the fragment)
    sso_path: str  # the one Airflow's own login pages send you to
    login_redirects: tuple[str, ...]  # route patterns of Airflow's own login pages (redirected to ``sso_path``)
    cookie_name: str  # the session cookie the login sets
    cookie_httponly: bool  # False where the UI's JavaScript reads the cookie (Airflow 3 keeps the JWT)
    bearer: bool  # the credential also goes as ``Authorization: Bearer`` (Airflow 3.0 reads only the header)
    session_paths: tuple[str, ...]  # path prefixes that need a session (the rest is public)...
    public_paths: tuple[str, ...]  # ...except these, public in Airflow too (see PUBLIC_PATHS)
    hostname: str  # the WebServerHostname MWAA hands out: ``{id}``, ``{region}``, ``{cell}`` (0-79) filled in


_PUBLIC_PATHS = ("/static/", "/favicon.ico", "/robots.txt")
_CONSOLE_SSO = "/aws_mwaa/aws-console-sso"


@dataclass(frozen=True)
class Line:
    """One Airflow major: its processes, their variables, its login and its API."""

    major: int
    web: str  # the process serving the UI and the REST API (also a key of ``commands``)
    commands: Mapping[str, tuple[str, ...]]  # the processes to run: ``airflow`` arguments by name
    env: Mapping[str, str]  # on top of ``_COMMON_ENV`` and the paths (``airflow_env.airflow_environment``)
    health_path: str  # answers 200 once the web server is up (public)
    api_prefix: str
    login: str  # "token": POST /auth/token (JWT, SimpleAuthManager); "form": FAB's login form (session cookie)
    fab_users: bool  # install creates the Op/User/Viewer roles and one user per role in the template DB
    structured_logs: bool  # task logs are JSON lines (else text)
    rescan_variables: tuple[str, ...]  # set to how often (s) Airflow lists its DAG folder for new/changed files
    front: WebFront  # MWAA's web server in front of it


AIRFLOW_3 = Line(
    major=3,
    web="api-server",
    commands=MappingProxyType(
        {
            "api-server": ("api-server", "-H", "127.0.0.1", "-p", "{port}", "-w", "1"),
            "scheduler": ("scheduler", "--skip-serve-logs"),  # no log server: see airflow_env
            "dag-processor": ("dag-processor",),
            "triggerer": ("triggerer", "--skip-serve-logs"),  # else the UI shows a red "Triggerer" badge
        }
    ),
    env=MappingProxyType(
        {
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": "http://127.0.0.1:{port}/execution/",
            "AIRFLOW__CORE__AUTH_MANAGER": "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin,op:op,user:user,viewer:viewer",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": "{home}/passwords.json",
            "AIRFLOW__API_AUTH__JWT_SECRET": "{secret}",
            "AIRFLOW__API_AUTH__JWT_ISSUER": "mwaa-emulator",  # else /auth/token fails with the newest pyjwt
            "AIRFLOW__API__BASE_URL": "http://127.0.0.1:{port}/",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        }
    ),
    health_path="/api/v2/monitor/health",
    api_prefix="/api/v2",
    login="token",
    fab_users=False,
    structured_logs=True,
    # the dags-folder bundle is refreshed (listed) every refresh_interval
    rescan_variables=("AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL", "AIRFLOW__DAG_PROCESSOR__BUNDLE_REFRESH_CHECK_INTERVAL"),
    front=WebFront(
        login_path="/pluginsv2/aws_mwaa/login",
        sso_paths=(_CONSOLE_SSO, "/pluginsv2" + _CONSOLE_SSO),
        sso_path="/pluginsv2" + _CONSOLE_SSO,
        login_redirects=(r"/(?:api/v2/)?auth/login/?", r"/login/?"),
        cookie_name="_token",
        cookie_httponly=False,
        bearer=True,
        session_paths=("/api/", "/ui/"),  # the UI's pages are public: its JavaScript calls the API
        public_paths=(*_PUBLIC_PATHS, "/api/v2/monitor/health", "/api/v2/version"),
        hostname="{id}.{region}.airflow.on.aws",
    ),
)

AIRFLOW_2 = Line(
    major=2,
    web="webserver",
    commands=MappingProxyType(
        {
            "webserver": ("webserver", "-H", "127.0.0.1", "-p", "{port}", "-w", "1"),
            "scheduler": ("scheduler", "--skip-serve-logs"),
        }
    ),
    env=MappingProxyType(
        {
            "AIRFLOW__CORE__EXECUTOR": "SequentialExecutor",
            "AIRFLOW__WEBSERVER__SECRET_KEY": "{secret}",
            "AIRFLOW__WEBSERVER__WORKERS": "1",
            "AIRFLOW__WEBSERVER__WORKER_REFRESH_BATCH_SIZE": "0",
            "AIRFLOW__WEBSERVER__SESSION_LIFETIME_MINUTES": "1440",
            "AIRFLOW__WEBSERVER__AUTH_RATE_LIMITED": "False",
            "AIRFLOW__FAB__AUTH_RATE_LIMITED": "False",
            "AIRFLOW__WEBSERVER__WARN_DEPLOYMENT_EXPOSURE": "False",
            "AIRFLOW__API__AUTH_BACKENDS": "airflow.api.auth.backend.session",
            "AIRFLOW__SCHEDULER__DAG_DIR_LIST_INTERVAL": "10",
        }
    ),
    health_path="/health",
    api_prefix="/api/v1",
    login="form",
    fab_users=True,
    structured_logs=False,
    rescan_variables=("AIRFLOW__SCHEDULER__DAG_DIR_LIST_INTERVAL",),
    front=WebFront(
        login_path="/aws_mwaa/login",
        sso_paths=(_CONSOLE_SSO,),
        sso_path=_CONSOLE_SSO,
        login_redirects=(r"/login/?",),
        cookie_name="session",
        cookie_httponly=True,
        bearer=False,
        session_paths=("/",),
        public_paths=(*_PUBLIC_PATHS, "/health", "/api/v1/health", "/api/v1/version"),
        hostname="{id}-vpce.c{cell}.{region}.airflow.amazonaws.com",
    ),
)


@dataclass(frozen=True)
class Release:
    """One Airflow release: its line, how it is installed (an MWAA release: with MWAA's constraints files and
    the providers its image preinstalls, ``mwaa_images/<version>/``) and variables of its own."""

    version: str
    line: Line
    pins: tuple[str, ...] = ()  # on top of MWAA's constraints (uv's overrides): only where those fail here
    env: Mapping[str, str] = field(default_factory=dict)

    @property
    def major(self) -> int:
        return self.line.major

    @property
    def minor(self) -> tuple[int, int]:
        major, minor = self.version.split(".")[:2]
        return int(major), int(minor)

    @property
    def data(self) -> Path:
        """MWAA's files for this release (absent for a release outside the table)."""
        return MWAA_IMAGES / self.version

    @property
    def constraints(self) -> list[Path]:
        """MWAA's constraints files: Airflow's for this release and the "essential" ones no requirements.txt
        overrides (empty outside the table)."""
        files = [self.data / "airflow_constraints.txt", self.data / "mwaa_essential_constraints.txt"]
        return [f for f in files if f.is_file()]

    @property
    def providers(self) -> list[str]:
        """``apache-airflow-providers-X==V`` for each provider MWAA's image preinstalls (its bill of materials)."""
        path = self.data / "providers.txt"
        if not path.is_file():
            return []
        return [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]

    @property
    def python(self) -> str:
        """The Python of MWAA's image for this release (``3.12.13``), or "" when unknown."""
        path = self.data / "python.txt"
        return path.read_text().strip() if path.is_file() else ""

    @property
    def requirements(self) -> list[str]:
        return [f"apache-airflow=={self.version}", *self.providers]

    def environment(self, port: int, home: str, secret: str) -> dict[str, str]:
        """The variables of this release's processes (paths aside), placeholders filled."""
        values = {"port": port, "home": home, "secret": secret}
        return {k: v.format(**values) for k, v in {**_COMMON_ENV, **self.line.env, **self.env}.items()}

    def commands(self, port: int) -> dict[str, list[str]]:
        return {name: [a.format(port=port) for a in argv] for name, argv in self.line.commands.items()}


# The releases MWAA runs (aws/amazon-mwaa-docker-images, images/airflow/, 2026-08-20: 2.9.2, 2.10.1, 2.10.3,
# 2.11.0, 2.11.2, 3.0.6, 3.2.1, 3.3.1; MWAA never offered 3.1), newest first within a major. 2.9.2 and 2.10.1
# are not installed: an environment announcing them runs 2.10.3 (``release_for``) and GetEnvironment says so.
RELEASES: dict[str, Release] = {
    r.version: r
    for r in (
        Release("3.3.1", AIRFLOW_3),
        Release("3.2.1", AIRFLOW_3),
        Release("3.0.6", AIRFLOW_3),
        Release("2.11.2", AIRFLOW_2),
        Release("2.11.0", AIRFLOW_2),
        Release("2.10.3", AIRFLOW_2),
    )
}


# Each major's default release: the bundled config's environments (default.toml) run these.
DEFAULT_RELEASE: dict[int, str] = {3: "3.0.6", 2: "2.10.3"}


LINES: dict[int, Line] = {line.major: line for line in (AIRFLOW_3, AIRFLOW_2)}
# Public on every web front: what is public in any line (another line's path reaches Airflow, which answers 404).
PUBLIC_PATHS: tuple[str, ...] = tuple(dict.fromkeys(p for line in LINES.values() for p in line.front.public_paths))


def major_of(version: str) -> int:
    return int(str(version).split(".")[0])


def recipe(version: str) -> Release:
    """How to install and run ``version``: its entry, else its line's recipe without MWAA's constraints (a
    release outside the table, e.g. ``install --versions 3.1.8``; uv picks its dependencies). KeyError for a
    major without a line."""
    return RELEASES.get(version) or Release(version, LINES[major_of(version)])


def release_for(airflow_version: str) -> Release:
    """The release that really runs behind an environment announcing ``airflow_version``: that release when
    the table has it, else the newest of the table with its major.minor, else the newest of its major not
    past it, else its major's oldest (2.9.2 runs 2.10.3, 3.1.0 runs 3.0.6, 3.4.0 runs 3.3.1).
    KeyError for a major the emulator does not run."""
    if airflow_version in RELEASES:
        return RELEASES[airflow_version]
    major = major_of(airflow_version)
    parts = str(airflow_version).split(".")
    minor = (major, int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0)
    same_major = [r for r in RELEASES.values() if r.major == major]  # newest first
    if not same_major:
        raise KeyError(airflow_version)
    return next((r for r in same_major if r.minor <= minor), same_major[-1])
