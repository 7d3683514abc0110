"""Shared helpers for browser tests: a real ``jupyter lab`` subprocess and headless Debian chromium.

``start_lab`` runs JupyterLab in its own process group with the emulator's settings, this checkout on
PYTHONPATH, the server extension enabled through a private config dir, the built lab extension when there
is one, and optional user settings. ``chromium()`` launches headless Debian chromium through Python
Playwright (never ``playwright install``); without it, browser tests skip, or fail where CI sets
``MWAA_MAGIC_REQUIRE_BROWSER=1``. Playwright helpers open notebooks and run cells through
``window.jupyterapp`` (``--LabApp.expose_app_in_browser``), always waiting with a Playwright timeout.
It is also a pytest plugin (``conftest.py``) with the fixtures ``browser``, ``lab`` (a test module overrides
``lab_settings`` to give it user settings) and ``page``.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

import pytest

from mwaa_magic.emulator.pytest_plugin import stop_process_group

REPO = Path(__file__).resolve().parents[1]
BUILT_LABEXTENSION = REPO / "mwaa_magic" / "labextension"
SCREENSHOTS = REPO / "test-output" / "screenshots"
CHROMIUM = "/usr/bin/chromium"  # Debian's; else `chromium` on PATH
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def missing(reason: str) -> NoReturn:
    """Skip, or fail where a browser run is required (CI sets MWAA_MAGIC_REQUIRE_BROWSER=1)."""
    if os.environ.get("MWAA_MAGIC_REQUIRE_BROWSER"):
        pytest.fail(reason)
    pytest.skip(reason)


def chromium_executable() -> str:
    """Debian chromium's path; skips (or fails, see ``missing``) when there is none."""
    executable = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if not executable:
        missing(f"Debian chromium is missing ({CHROMIUM}, or chromium on PATH): apt-get install -y chromium")
    return executable


@contextmanager
def chromium() -> Iterator[Any]:
    """Headless Debian chromium through Python Playwright, closed afterwards."""
    executable = chromium_executable()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("Python Playwright is missing: pip install -e '.[test]'")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def page_server(page: bytes) -> Iterator[int]:
    """Serve ``page`` (HTML) on a free loopback port, as another site's page would be; yields the port."""

    class OnePage(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), OnePage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


class Lab:
    """A running ``jupyter lab``: its URL, token, root dir, process and log file."""

    def __init__(self, root: Path, port: int, token: str, process: subprocess.Popen, log: Path) -> None:
        self.root, self.port, self.token, self.process, self.log = root, port, token, process, log

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        """End the whole process group (server and kernels)."""
        stop_process_group(self.process, 20)


def start_lab(
    emulator: Any,
    base: Path,
    settings: dict[str, dict] | None = None,
    timeout: float = 60,
    app: str = "lab",
    python: str | None = None,
) -> Lab:
    """Start ``jupyter lab`` (``app="notebook"``: Jupyter Notebook 7) under ``base`` pointed at ``emulator``;
    ``settings`` maps plugin id -> user settings.

    By default it runs this checkout (on PYTHONPATH, its build of the lab extension, the server extension enabled
    by config). With ``python``, the interpreter of another environment (mwaa_magic installed from the wheel), it
    runs that install as a user has it: none of the checkout, the server extension enabled only by what the
    package installed, and PATH only that environment's bin directory (no node)."""
    root, config, labext, user_settings = base / "root", base / "config", base / "labextensions", base / "settings"
    for folder in (root, config, labext, user_settings):
        folder.mkdir(parents=True, exist_ok=True)
    checkout = python is None
    if checkout and (BUILT_LABEXTENSION / "package.json").is_file() and not (labext / "mwaa-magic").exists():
        (labext / "mwaa-magic").symlink_to(BUILT_LABEXTENSION)
    if checkout:
        (config / "jupyter_server_config.json").write_text(
            json.dumps({"ServerApp": {"jpserver_extensions": {"mwaa_magic.server": True}}})
        )
    for plugin, values in (settings or {}).items():  # "@scope/package:plugin" -> @scope/package/plugin.jupyterlab-settings
        package, _, name = plugin.partition(":")
        path = user_settings / package / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    env = emulator.client_env(base)
    env.update(
        {
            "JUPYTER_CONFIG_DIR": str(config),
            "JUPYTERLAB_SETTINGS_DIR": str(user_settings),
            "JUPYTERLAB_WORKSPACES_DIR": str(base / "workspaces"),
        }
    )
    if checkout:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    else:
        env.pop("PYTHONPATH", None)
        env.pop("VIRTUAL_ENV", None)
        env["JUPYTER_DATA_DIR"] = str(base / "data")  # no user-level extensions or kernel specs from elsewhere
        env["PATH"] = str(Path(python).parent)
    port, token = free_port(), uuid.uuid4().hex
    log = base / "jupyter-lab.log"
    module, app_class = {"lab": ("jupyterlab", "LabApp"), "notebook": ("notebook", "JupyterNotebookApp")}[app]
    process = subprocess.Popen(
        [
            python or sys.executable,
            "-m",
            module,
            "--allow-root",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
            f"--{app_class}.expose_app_in_browser=True",
            # LabApp's too under `jupyter notebook`: the jupyterlab server extension loaded there serves /lab/extensions
            *{f"--{name}.extra_labextensions_path={labext}" for name in ("LabApp", app_class)},
        ],
        cwd=root,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    lab = Lab(root, port, token, process, log)
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{lab.url}/api/status?token={token}", timeout=2) as response:
                if response.status == 200:
                    return lab
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            lab.stop()
            raise RuntimeError(f"jupyter {app} did not start:\n" + log.read_text()[-4000:])
        time.sleep(0.3)


def open_lab(browser: Any, lab: Lab) -> Any:
    """A fresh page on ``/lab?reset`` once the application has restored."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{lab.url}/lab?reset&token={lab.token}")
    page.wait_for_function("() => window.jupyterapp !== undefined")
    page.evaluate("async () => { await window.jupyterapp.restored; }")
    return page


# The application's settings registry, found by its token's name among the provided services (the page has
# no handle on the token object itself), then changed as the Settings Editor changes it.
_SET_SETTING = """async ([plugin, key, value]) => {
    const app = window.jupyterapp;
    const services = app.pluginRegistry._services;
    const token = [...services.keys()].find(t => t.name === '@jupyterlab/coreutils:ISettingRegistry');
    const registry = await app.resolveRequiredService(token);
    if (value === null) { await registry.remove(plugin, key); } else { await registry.set(plugin, key, value); }
    return (await registry.get(plugin, key)).composite;
}"""


def set_setting(page: Any, plugin: str, key: str, value: Any) -> Any:
    """Set (``None``: reset to the default) a user setting through the page's settings registry; returns the
    value now in effect. The change is saved to the server and signalled to the plugin, as from the Settings Editor."""
    return page.evaluate(_SET_SETTING, [plugin, key, value])


def shot(page: Any, name: str) -> Path:
    """Save a screenshot as test-output/screenshots/NAME.png (never raises)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    with suppress(Exception):
        page.screenshot(path=str(path))
    return path


def needs_airflow(emulator: Any) -> None:
    if not emulator.env.get("MWAA_MAGIC_WEBSERVER_URLS"):
        pytest.skip("the emulator runs without Airflow (--mwaa-emulator-no-airflow): no web server to land in")


def assert_airflow_logged_in(popup: Any, airflow_major: int) -> None:
    """The tab is in the Airflow UI, and Airflow's own REST API accepts its session (it lists the DAGs)."""
    # The tab opens blank at click time, then goes to the freshly minted SSO link, which logs in and redirects.
    popup.wait_for_url(
        lambda url: url.startswith("http") and "aws-console-sso" not in url and "/login" not in url, timeout=60_000
    )
    popup.wait_for_load_state("domcontentloaded")
    parts = urlsplit(popup.url)
    base = f"{parts.scheme}://{parts.netloc}"
    popup.goto(base + ("/dags" if airflow_major >= 3 else "/home"))
    popup.get_by_text("hello_world").first.wait_for(state="visible", timeout=60_000)
    assert "/login" not in popup.url
    assert "Airflow" in popup.title() or popup.locator("text=Airflow").count() > 0


def new_notebook(page: Any) -> str:
    """Open a new Python notebook and wait until its kernel is idle; returns its path."""
    path = page.evaluate("""async () => {
        const app = window.jupyterapp;
        const panel = await app.commands.execute('notebook:create-new', {kernelName: 'python3'});
        await panel.context.ready;
        await panel.sessionContext.ready;
        return panel.context.path;
    }""")
    wait_for_idle_kernel(page)
    return path


def wait_for_idle_kernel(page: Any) -> None:
    """Wait (bounded) until the current notebook's kernel is idle: before that, keystrokes get lost."""
    page.wait_for_function(
        """() => {
        const w = window.jupyterapp.shell.currentWidget;
        const kernel = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
        return kernel && kernel.status === 'idle';
    }""",
        timeout=60_000,
    )


def run_cell(page: Any, source: str, timeout_ms: int = 120_000) -> None:
    """Put ``source`` in the active cell, run it, and wait (bounded) until it has finished.

    The run command is not awaited inside ``page.evaluate`` (which has no timeout): Playwright waits, with
    a timeout, for the cell's new execution count (set once its outputs are in) and an idle kernel.
    """
    index, before = page.evaluate(
        """(source) => {
        const app = window.jupyterapp;
        const notebook = app.shell.currentWidget.content;
        const index = notebook.activeCellIndex;
        const before = notebook.activeCell.model.executionCount;
        notebook.activeCell.model.sharedModel.setSource(source);
        void app.commands.execute('notebook:run-cell-and-insert-below');
        return [index, before];
    }""",
        source,
    )
    page.wait_for_function(
        """([index, before]) => {
        const panel = window.jupyterapp.shell.currentWidget;
        const cell = panel.content.widgets[index];
        const count = cell && cell.model.executionCount;
        return count !== null && count !== undefined && count !== before
            && panel.sessionContext.session.kernel.status === 'idle';
    }""",
        arg=[index, before],
        timeout=timeout_ms,
    )


def save_notebook(page: Any, lab: Lab, path: str, must_contain: str, timeout: float = 20) -> str:
    """Save the current notebook and return the saved file's text once it holds ``must_contain``."""
    # context.save(): docmanager:save would wait on the "Rename file" dialog of a first save
    page.evaluate("async () => { await window.jupyterapp.shell.currentWidget.context.save(); }")
    saved = lab.root / path
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = saved.read_text() if saved.exists() else ""
        if must_contain in text:
            return text
        time.sleep(0.2)
    return saved.read_text() if saved.exists() else ""


@pytest.fixture(scope="module")
def browser():
    """Headless Debian chromium for a test module; skips without it (fails when MWAA_MAGIC_REQUIRE_BROWSER=1)."""
    with chromium() as running:
        yield running


@pytest.fixture(scope="module")
def lab_settings() -> dict[str, dict]:
    """JupyterLab user settings for ``lab`` (plugin id -> values); a test module overrides this to change them."""
    return {}


@pytest.fixture(scope="module")
def lab(browser, mwaa_emulator, lab_settings, tmp_path_factory, request) -> Iterator[Lab]:
    """A ``jupyter lab`` for a test module, pointed at the emulator (started only once chromium is there)."""
    running = start_lab(mwaa_emulator, tmp_path_factory.mktemp(request.module.__name__ + "-lab"), settings=lab_settings)
    yield running
    running.stop()


@pytest.fixture
def page(browser, lab, request):
    """A fresh browser context on ``/lab?reset``; a screenshot NAME-end.png of how the test left it."""
    page = open_lab(browser, lab)
    yield page
    shot(page, request.node.name + "-end")
    page.context.close()
