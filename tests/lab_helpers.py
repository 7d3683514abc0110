"""Shared helpers for browser tests: a real ``jupyter lab`` subprocess and headless Debian chromium.

``start_lab`` runs JupyterLab in its own process group with the emulator's settings, this checkout on
PYTHONPATH, the server extension enabled through a private config dir, the built lab extension when there
is one, and optional user settings. Playwright helpers open notebooks and run cells through
``window.jupyterapp`` (``--LabApp.expose_app_in_browser``). Never ``playwright install``: Debian chromium.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BUILT_LABEXTENSION = REPO / "mwaa_magic" / "labextension"
SCREENSHOTS = REPO / "test-output" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Lab:
    """A running ``jupyter lab``: its URL, token, root dir, process and log file."""

    def __init__(self, root: Path, port: int, token: str, process: subprocess.Popen, log: Path) -> None:
        self.root, self.port, self.token, self.process, self.log = root, port, token, process, log

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        """End the whole process group (server and kernels)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def start_lab(emulator: Any, base: Path, settings: dict[str, dict] | None = None, timeout: float = 60) -> Lab:
    """Start ``jupyter lab`` under ``base`` pointed at ``emulator``; ``settings`` maps plugin id -> user settings."""
    root, config, labext, user_settings = base / "root", base / "config", base / "labextensions", base / "settings"
    for folder in (root, config, labext, user_settings):
        folder.mkdir(parents=True, exist_ok=True)
    if (BUILT_LABEXTENSION / "package.json").is_file() and not (labext / "mwaa-magic").exists():
        (labext / "mwaa-magic").symlink_to(BUILT_LABEXTENSION)
    (config / "jupyter_server_config.json").write_text(
        json.dumps({"ServerApp": {"jpserver_extensions": {"mwaa_magic.server": True}}}))
    for plugin, values in (settings or {}).items():  # "@scope/package:plugin" -> @scope/package/plugin.jupyterlab-settings
        package, _, name = plugin.partition(":")
        path = user_settings / package / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    env = emulator.client_env(base)
    env.update({
        "JUPYTER_CONFIG_DIR": str(config),
        "JUPYTERLAB_SETTINGS_DIR": str(user_settings),
        "JUPYTERLAB_WORKSPACES_DIR": str(base / "workspaces"),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])),
        "AWS_EC2_METADATA_DISABLED": "true",
    })
    port, token = free_port(), uuid.uuid4().hex
    log = base / "jupyter-lab.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--allow-root", "--no-browser", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
         f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True",
         f"--LabApp.extra_labextensions_path={labext}"],
        cwd=root, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
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
            raise RuntimeError("jupyter lab did not start:\n" + log.read_text()[-4000:])
        time.sleep(0.3)


def launch_chromium(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def open_lab(browser: Any, lab: Lab) -> Any:
    """A fresh page on ``/lab?reset`` once the application has restored."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{lab.url}/lab?reset&token={lab.token}")
    page.wait_for_function("() => window.jupyterapp !== undefined")
    page.evaluate("async () => { await window.jupyterapp.restored; }")
    return page


def shot(page: Any, name: str) -> Path:
    """Save a screenshot as test-output/screenshots/NAME.png (never raises)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    try:
        page.screenshot(path=str(path))
    except Exception:  # noqa: BLE001 - a screenshot must never hide the real failure
        pass
    return path


def new_notebook(page: Any) -> str:
    """Open a new Python notebook and wait until its kernel is idle; returns its path."""
    path = page.evaluate("""async () => {
        const app = window.jupyterapp;
        const panel = await app.commands.execute('notebook:create-new', {kernelName: 'python3'});
        await panel.context.ready;
        await panel.sessionContext.ready;
        return panel.context.path;
    }""")
    page.wait_for_function("""() => {
        const w = window.jupyterapp.shell.currentWidget;
        const kernel = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
        return kernel && kernel.status === 'idle';
    }""", timeout=60_000)
    return path


def run_cell(page: Any, source: str, timeout_ms: int = 120_000) -> None:
    """Put ``source`` in the active cell, run it, and wait until the kernel is idle again."""
    page.evaluate("""async (source) => {
        const app = window.jupyterapp;
        const panel = app.shell.currentWidget;
        panel.content.activeCell.model.sharedModel.setSource(source);
        await app.commands.execute('notebook:run-cell-and-insert-below');
    }""", source)
    page.wait_for_function("""() => {
        const w = window.jupyterapp.shell.currentWidget;
        return w.sessionContext.session.kernel.status === 'idle';
    }""", timeout=timeout_ms)


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
