"""The JupyterHub tier's fixtures: a real JupyterHub (PyPI) behind configurable-http-proxy (npm), on loopback.

Two users log in with ``DummyAuthenticator`` (one password) and get JupyterLab 4 single-user servers from
``SimpleLocalProcessSpawner`` (as root: ``--allow-root``), with mwaa_magic's server extension and lab extension,
each with their own emulator identity: alice the emulator's admin key (Airflow user ``admin``), bob its viewer
key (``viewer``). The hub's database, cookie secret, logs and the users' homes live under pytest's temp dir
(the whole-suite secret scan reads them). A hub service ``tests`` holds an API token to start servers and issue
a user's own token. Without jupyterhub or the proxy the tier skips (fails where MWAA_MAGIC_REQUIRE_BROWSER=1).

The full tier runs with ``MWAA_MAGIC_HUB_TIER=full`` (``scripts/test --hub``); otherwise only the tests marked
``hub_ci`` run (what CI's default run affords): the rest skip with that reason.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from lab_helpers import BUILT_LABEXTENSION, REPO, free_port, missing

from mwaa_magic.emulator.admin import ADMIN_FILE_VARIABLE
from mwaa_magic.emulator.pytest_plugin import stop_process_group

CHP_VERSION = "5.3.0"  # configurable-http-proxy from npm: scripts/_setup.sh's hub_proxy installs this one
CHP_DEFAULT = (
    Path(os.environ.get("MWAA_EMULATOR_CACHE", Path.home() / ".cache" / "mwaa-magic")) / f"configurable-http-proxy-{CHP_VERSION}"
)
# hub user -> (emulator identity index, the Airflow user that identity's role logs in as: emulator/default.toml)
USERS = {"alice": (0, "admin"), "bob": (1, "viewer")}
FULL = os.environ.get("MWAA_MAGIC_HUB_TIER") == "full"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test here is a ``hub`` test; outside the full tier only the ``hub_ci`` ones run."""
    here = Path(__file__).parent
    for item in items:
        if Path(item.path).is_relative_to(here):
            item.add_marker(pytest.mark.hub)
            item.add_marker(pytest.mark.browser)
            if not FULL and not item.get_closest_marker("hub_ci"):
                item.add_marker(pytest.mark.skip(reason="the full hub tier: scripts/test --hub (MWAA_MAGIC_HUB_TIER=full)"))


def proxy_command() -> str:
    """configurable-http-proxy: $MWAA_MAGIC_CHP, else the one scripts/_setup.sh installs in the cache, else on PATH."""
    for candidate in (os.environ.get("MWAA_MAGIC_CHP"), CHP_DEFAULT / "node_modules" / ".bin" / "configurable-http-proxy"):
        if candidate and Path(candidate).is_file():
            return str(candidate)
    found = shutil.which("configurable-http-proxy")
    if not found:
        missing(f"configurable-http-proxy is missing: npm install --prefix {CHP_DEFAULT} configurable-http-proxy@{CHP_VERSION}")
    return found


@dataclass
class Hub:
    """A running JupyterHub: its public URL, the ``tests`` service's API token, the users' password."""

    url: str
    api_token: str
    password: str
    process: subprocess.Popen
    log: Path
    homes: Path

    def api(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> Any:
        import httpx

        headers = {"Authorization": f"token {token or self.api_token}"}
        return httpx.request(method, f"{self.url}/hub/api/{path}", headers=headers, timeout=30, **kwargs)

    def start_server(self, user: str) -> None:
        """Ask the hub to start ``user``'s server (returns at once; ``wait_server`` waits)."""
        response = self.api("POST", f"users/{user}/server")
        assert response.status_code in (201, 202, 400), response.text  # 400: already running

    def wait_server(self, user: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            server = self.api("GET", f"users/{user}").json().get("servers", {}).get("", {})
            if server.get("ready"):
                return
            time.sleep(0.5)
        raise RuntimeError(f"{user}'s server did not start:\n" + self.log.read_text()[-4000:])

    def user_token(self, user: str) -> str:
        """A hub API token of ``user``'s own, with all of the user's permissions (as /hub/token issues)."""
        response = self.api("POST", f"users/{user}/tokens", json={"note": "hub tier", "expires_in": 3600})
        assert response.status_code == 201, response.text
        return response.json()["token"]

    def stop(self) -> None:
        stop_process_group(self.process, 30)


def hub_config(tmp: Path, emulator: Any, password: str, api_token: str, ports: dict[str, int], proxy: str) -> str:
    """The text of jupyterhub_config.py: loopback ports, DummyAuthenticator, SimpleLocalProcessSpawner, per-user keys."""
    config_dir, labext = tmp / "jupyter-config", tmp / "labextensions"
    config_dir.mkdir()
    labext.mkdir()
    if (BUILT_LABEXTENSION / "package.json").is_file():
        (labext / "mwaa-magic").symlink_to(BUILT_LABEXTENSION)
    (config_dir / "jupyter_server_config.json").write_text(
        json.dumps(
            {
                "ServerApp": {"jpserver_extensions": {"mwaa_magic.server": True}},
                "LabApp": {"extra_labextensions_path": [str(labext)], "expose_app_in_browser": True},
            }
        )
    )
    common = {k: v for k, v in emulator.env.items() if k != ADMIN_FILE_VARIABLE}  # users never get the admin API
    common.update(
        {
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "PYTHONPATH": str(REPO),
            "JUPYTER_CONFIG_DIR": str(config_dir),
        }
    )
    per_user = {}
    for user, (index, _) in USERS.items():
        identity = emulator.identity_env(index)
        per_user[user] = {k: identity[k] for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    settings = {
        "common": common,
        "users": per_user,
        "python": sys.executable,
        "proxy": proxy,
        "password": password,
        "api_token": api_token,
        "ports": ports,
        "tmp": str(tmp),
    }
    return f"""# written by tests/hub/conftest.py
import json
S = json.loads({json.dumps(settings)!r})
c = get_config()  # noqa: F821
c.JupyterHub.bind_url = f"http://127.0.0.1:{{S['ports']['public']}}"
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{{S['ports']['hub']}}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{{S['ports']['proxy_api']}}"
c.ConfigurableHTTPProxy.command = [S["proxy"]]
c.ConfigurableHTTPProxy.pid_file = S["tmp"] + "/proxy.pid"
c.JupyterHub.db_url = "sqlite:///" + S["tmp"] + "/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = S["tmp"] + "/jupyterhub_cookie_secret"
c.JupyterHub.cleanup_servers = True
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = S["password"]
c.Authenticator.allowed_users = set(S["users"])
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = S["tmp"] + "/home/{{username}}"
c.Spawner.cmd = [S["python"], "-m", "jupyterhub.singleuser"]
c.Spawner.args = ["--allow-root"]
c.Spawner.default_url = "/lab"
c.Spawner.ip = "127.0.0.1"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.Spawner.environment = S["common"]


def own_identity(spawner):
    # each user's server gets that user's AWS key pair, as an instance or pod role would give it
    spawner.environment = {{**spawner.environment, **S["users"][spawner.user.name]}}


c.Spawner.pre_spawn_hook = own_identity
c.JupyterHub.services = [{{"name": "tests", "api_token": S["api_token"]}}]
c.JupyterHub.load_roles = [
    {{"name": "tests", "services": ["tests"], "scopes": ["admin:users", "admin:servers", "tokens", "read:users"]}}
]
"""


def start_hub(emulator: Any, tmp: Path, timeout: float = 60) -> Hub:
    import httpx

    proxy = proxy_command()
    try:
        import jupyterhub  # noqa: F401
    except ImportError:
        missing("jupyterhub is missing: pip install -e '.[test,hub]' (scripts/test --hub installs it)")
    password, api_token = uuid.uuid4().hex, uuid.uuid4().hex
    ports = {"public": free_port(), "hub": free_port(), "proxy_api": free_port()}
    (tmp / "jupyterhub_config.py").write_text(hub_config(tmp, emulator, password, api_token, ports, proxy))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MWAA_"))}  # the hub holds no user's key
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    log = tmp / "jupyterhub.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyterhub", "-f", str(tmp / "jupyterhub_config.py")],
        cwd=tmp,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    hub = Hub(f"http://127.0.0.1:{ports['public']}", api_token, password, process, log, tmp / "home")
    deadline = time.monotonic() + timeout
    while True:
        try:
            if hub.api("GET", "").status_code == 200:
                hub.start_server("bob")  # in the background, while alice's browser logs in
                return hub
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            hub.stop()
            raise RuntimeError("jupyterhub did not start:\n" + log.read_text()[-4000:])
        time.sleep(0.3)


@pytest.fixture(scope="module")
def hub(browser_for_hub, mwaa_emulator, tmp_path_factory) -> Iterator[Hub]:
    """JupyterHub for a test module (started once chromium is there); both users' servers stopped with it."""
    running = start_hub(mwaa_emulator, tmp_path_factory.mktemp("jupyterhub"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser_for_hub():
    from lab_helpers import chromium

    with chromium() as running:
        yield running
