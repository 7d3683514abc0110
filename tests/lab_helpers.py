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
DOC_SCREENSHOTS = REPO / "docs" / "screenshots"  # committed; rewritten only with MWAA_MAGIC_DOC_SCREENSHOTS=1
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

    def __init__(self, root: Path, port: int, token: str, process: subprocess.Popen, log: Path, base_url: str = "/") -> None:
        self.root, self.port, self.token, self.process, self.log = root, port, token, process, log
        self.base_url = base_url

    @property
    def url(self) -> str:
        """The server's root, its base URL included (no trailing slash)."""
        return f"http://127.0.0.1:{self.port}{self.base_url.rstrip('/')}"

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
    base_url: str = "/",
) -> Lab:
    """Start ``jupyter lab`` (``app="notebook"``: Jupyter Notebook 7) under ``base`` pointed at ``emulator``;
    ``settings`` maps plugin id -> user settings.

    By default it runs this checkout (on PYTHONPATH, its build of the lab extension, the server extension enabled
    by config). With ``python``, the interpreter of another environment (mwaa_magic installed from the wheel), it
    runs that install as a user has it: none of the checkout, the server extension enabled only by what the
    package installed, and PATH only that environment's bin directory (no node). ``base_url``: the server's
    ``--ServerApp.base_url`` (a server behind a prefix)."""
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
            f"--ServerApp.base_url={base_url}",
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
    lab = Lab(root, port, token, process, log, base_url)
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


def doc_shot(locator: Any, name: str) -> Path | None:
    """With ``MWAA_MAGIC_DOC_SCREENSHOTS=1``, save the element's screenshot (cropped to it, reduced to a 256-colour
    palette: a few KB) as docs/screenshots/NAME.png; otherwise nothing, so a test run leaves the checkout clean."""
    if os.environ.get("MWAA_MAGIC_DOC_SCREENSHOTS") != "1":
        return None
    from PIL import Image

    DOC_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = DOC_SCREENSHOTS / f"{name}.png"
    locator.page.add_style_tag(content=".Toastify { display: none !important; }")  # no "Jupyter news?" over it
    page, viewport = locator.page, locator.page.viewport_size
    height = locator.evaluate("node => Math.max(node.getBoundingClientRect().height, node.scrollHeight)")
    page.set_viewport_size({"width": viewport["width"], "height": max(viewport["height"], round(height) + 300)})
    try:  # a view taller than the window (the narrow picker, the sidebar's content) whole, not cut or scrolled
        locator.scroll_into_view_if_needed()
        locator.screenshot(path=str(path), animations="disabled", caret="hide")
    finally:
        page.set_viewport_size(viewport)
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(path, optimize=True)
    return path


def set_notebook_width(page: Any, width: int) -> float:
    """Open the sidebar and widen it until the current notebook panel is about ``width`` CSS pixels; returns
    the panel's width (the side bars and the dock's margins vary, so it takes two rounds)."""
    page.evaluate("() => window.jupyterapp.commands.execute('mwaa:open-sidebar')")
    notebook = page.locator(".jp-NotebookPanel").last
    left = page.viewport_size["width"] - width - 40
    for _ in range(2):
        set_left_panel_width(page, left)
        panel = notebook.evaluate("node => node.getBoundingClientRect().width")
        left += round(panel) - width
    return panel


def mints(emulator: Any) -> int:
    """How many web login tokens the emulator has issued (CreateWebLoginToken calls)."""
    return emulator.admin.calls().get("CreateWebLoginToken", 0)


def needs_airflow(emulator: Any) -> None:
    if not emulator.env.get("MWAA_MAGIC_WEBSERVER_URLS"):
        pytest.skip("the emulator runs without Airflow (--mwaa-emulator-no-airflow): no web server to land in")


def assert_airflow_logged_in(popup: Any, airflow_major: int) -> None:
    """The tab is in the Airflow UI, and Airflow's own REST API accepts its session (it lists the DAGs)."""
    # The tab opens blank at click time, then goes to the freshly minted SSO link, which logs in and redirects.
    popup.wait_for_url(  # past the SSO page, Airflow's login and our /mwaa/open confirmation page
        lambda url: url.startswith("http") and "aws-console-sso" not in url and "/login" not in url and "/mwaa/" not in url,
        timeout=60_000,
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


def card_html(page: Any) -> str | None:
    """The login card's ``text/html`` (the one linking to ``/mwaa/open``) from the current notebook's first cell:
    the lab extension renders the card from its own MIME type, which hides this HTML."""
    return page.evaluate("""() => {
        const cell = window.jupyterapp.shell.currentWidget.content.widgets[0];
        const outputs = cell.model.outputs;
        for (let i = 0; i < outputs.length; i++) {
            const html = outputs.get(i).data['text/html'];
            if (html && String(html).includes('/mwaa/open')) { return String(html); }
        }
        return null;
    }""")


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


# Every element under the roots whose content is wider than its box (scrollWidth > clientWidth): cut or
# overflowing text, a table wider than its panel. Returns "tag.class 'text…' scrollWidth>clientWidth" lines.
_OVERFLOWS = """(selector) => {
    const found = [];
    for (const root of document.querySelectorAll(selector)) {
        for (const el of [root, ...root.querySelectorAll('*')]) {
            if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1) {
                const text = (el.innerText || '').trim().slice(0, 40);
                found.push(`${el.tagName.toLowerCase()}.${[...el.classList].join('.')} '${text}' ${el.scrollWidth}>${el.clientWidth}`);
            }
        }
    }
    return found;
}"""


def assert_no_overflow(page: Any, selector: str) -> None:
    """No element of the views matching ``selector`` (nor inside them) overflows its box horizontally."""
    assert page.locator(selector).count() > 0, f"nothing matches {selector}"
    overflowing = page.evaluate(_OVERFLOWS, selector)
    assert not overflowing, f"{len(overflowing)} element(s) overflow: " + "; ".join(overflowing[:8])


# WCAG 2 contrast of every visible text under the roots against the background behind it (the element's
# and its ancestors' background colours, alpha-blended; any CSS colour is read back through a canvas pixel).
# Disabled controls are exempt (WCAG 1.4.3). Returns [text, ratio, colour, background] of those below `minimum`.
_LOW_CONTRAST = """([selector, minimum]) => {
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 1;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    const rgba = css => {
        ctx.clearRect(0, 0, 1, 1);
        ctx.fillStyle = '#000';
        ctx.fillStyle = css;
        ctx.fillRect(0, 0, 1, 1);
        const [r, g, b, a] = ctx.getImageData(0, 0, 1, 1).data;
        return [r, g, b, a / 255];
    };
    const over = (top, bottom) => [0, 1, 2].map(i => top[i] * top[3] + bottom[i] * (1 - top[3])).concat([1]);
    const background = el => {
        const layers = [];
        for (let node = el; node; node = node.parentElement) {
            const color = rgba(getComputedStyle(node).backgroundColor);
            if (color[3] > 0) { layers.push(color); }
            if (color[3] >= 1) { break; }
        }
        return layers.reduceRight((below, layer) => over(layer, below), [255, 255, 255, 1]);
    };
    const luminance = c => {
        const [r, g, b] = c.slice(0, 3).map(v => v / 255).map(v => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const low = [];
    for (const root of document.querySelectorAll(selector)) {
        for (const el of [root, ...root.querySelectorAll('*')]) {
            const own = [...el.childNodes].some(n => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
            const style = getComputedStyle(el);
            if (!own || !el.getClientRects().length || style.visibility === 'hidden' || el.closest(':disabled')) {
                continue;
            }
            const bg = background(el);
            const fg = over(rgba(style.color), bg);
            const [hi, lo] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
            const ratio = (hi + 0.05) / (lo + 0.05);
            if (ratio < minimum) {
                low.push([el.textContent.trim().slice(0, 30), Math.round(ratio * 100) / 100, style.color, `rgb(${bg.slice(0, 3)})`]);
            }
        }
    }
    return low;
}"""


def assert_contrast(page: Any, selector: str, minimum: float = 4.5) -> None:
    """Every visible text in the views matching ``selector`` meets ``minimum`` contrast (WCAG AA: 4.5:1)."""
    low = page.evaluate(_LOW_CONTRAST, [selector, minimum])
    assert not low, f"{len(low)} text(s) below {minimum}:1 contrast: " + "; ".join(map(str, low[:8]))


def set_theme(page: Any, theme: str) -> None:
    """Switch to 'JupyterLab Light' or 'JupyterLab Dark' and wait until it is applied."""
    page.evaluate("async (theme) => { await window.jupyterapp.commands.execute('apputils:change-theme', {theme}); }", theme)
    page.wait_for_function("(light) => document.body.dataset.jpThemeLight === light", arg=str("Light" in theme).lower())
    page.wait_for_selector("#jupyterlab-splash", state="detached")


def set_left_panel_width(page: Any, width: int) -> None:
    """Resize the left panel (the open sidebar) to ``width`` CSS pixels, as dragging its edge does; below
    JupyterLab's minimum (--jp-sidebar-min-width, 250 px; narrower sidebars exist elsewhere) by lowering it."""
    page.evaluate(
        """async (width) => {
        const split = window.jupyterapp.shell._hsplitPanel;
        const frame = () => new Promise(resolve => requestAnimationFrame(() => resolve()));
        if (width < 250) {
            document.body.style.setProperty('--jp-sidebar-min-width', `${width}px`);
            const area = split.widgets[0];
            for (const widget of [...area.widgets, area, split]) {
                widget.fit(); // the stack, the side area and the split panel take the new minimum, in this order
            }
            await frame();
        }
        for (let i = 0; i < 3; i++) {
            const [left, main, right] = [...split.widgets].map(w => w.node.getBoundingClientRect().width);
            const total = left + main + right;
            split.setRelativeSizes([width, total - width - right, right]);
            await frame();
        }
    }""",
        width,
    )
