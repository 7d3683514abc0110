"""The mwaa-magic front end in Jupyter Notebook 7 (``jupyter notebook``), in headless Debian chromium.

Notebook 7 runs JupyterLab's extensions on its own shell (no ``ILabShell``): the login card (a MIME
extension), the environment picker (ipywidgets), the sidebar and the commands must work there too. A real
``jupyter notebook`` runs as a subprocess (``lab_helpers.start_lab(app="notebook")``) against the emulator.
Screenshots: ``test-output/screenshots/nb7-*.png``.
"""

from __future__ import annotations

import importlib.util
from urllib.parse import urlsplit

import nbformat
import pytest
from lab_helpers import (
    BUILT_LABEXTENSION,
    assert_airflow_logged_in,
    missing,
    needs_airflow,
    run_cell,
    shot,
    start_lab,
    wait_for_idle_kernel,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def notebook7(browser, mwaa_emulator, tmp_path_factory):
    """A ``jupyter notebook`` (7) server pointed at the emulator, with this checkout's lab extension."""
    if importlib.util.find_spec("notebook") is None:
        missing("Jupyter Notebook 7 is missing: pip install -e '.[test]'")
    if not (BUILT_LABEXTENSION / "package.json").is_file():
        missing("the lab extension is not built: run `npm run build:prod` in labextension/ (or pip install -e .)")
    server = start_lab(mwaa_emulator, tmp_path_factory.mktemp("notebook7"), app="notebook")
    yield server
    server.stop()


@pytest.fixture
def errors():
    """Uncaught page errors and console errors seen by a test (the extension must raise none)."""
    return []


def open_page(browser, server, path: str, errors: list[str]):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(f"{server.url}/{path}?token={server.token}")
    page.wait_for_function("() => window.jupyterapp !== undefined")
    page.evaluate("async () => { await window.jupyterapp.restored; }")
    return page


def open_notebook(browser, server, name: str, errors: list[str]):
    """Open a new notebook NAME in Notebook 7's notebook page and wait for an idle kernel."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, server.root / name)
    page = open_page(browser, server, f"notebooks/{name}", errors)
    wait_for_idle_kernel(page)
    return page


def mwaa_errors(errors: list[str]) -> list[str]:
    return [e for e in errors if "mwaa" in e.lower()]


def test_extension_activates_in_the_tree_page(browser, notebook7, mwaa_emulator, errors):
    page = open_page(browser, notebook7, "tree", errors)
    try:
        assert page.evaluate("() => window.jupyterapp.name") == "Jupyter Notebook"
        assert page.evaluate("() => window.jupyterapp.hasPlugin('mwaa-magic:plugin')")
        page.wait_for_function("() => window.jupyterapp.isPluginActivated('mwaa-magic:plugin')")
        assert page.evaluate("() => window.jupyterapp.commands.hasCommand('mwaa:open-ui')")
    finally:
        page.context.close()
    assert mwaa_errors(errors) == []


def test_card_button_picker_sidebar_and_shortcut(browser, notebook7, mwaa_emulator, errors):
    needs_airflow(mwaa_emulator)
    page = open_notebook(browser, notebook7, "nb7.ipynb", errors)
    try:
        page.wait_for_function("() => window.jupyterapp.isPluginActivated('mwaa-magic:plugin')")

        # The login card (MIME extension) and its button.
        run_cell(page, "%load_ext mwaa_magic\n%mwaa_login demo-airflow3")
        card = page.locator(".jp-OutputArea-output .mwaa-card")
        card.wait_for(state="visible", timeout=120_000)
        assert card.locator(".mwaa-card-title").inner_text() == "demo-airflow3"
        shot(page, "nb7-login-card")
        with page.expect_popup() as popup_info:
            card.locator(".mwaa-open-ui").click()
        popup = popup_info.value
        assert_airflow_logged_in(popup, 3)
        popup.close()
        assert card.locator(".mwaa-card-error").inner_text() == ""

        # The environment picker (ipywidgets) lists the environments and logs in, in a new cell (clicking the
        # card's button made the card's cell the active one).
        page.evaluate("() => { const nb = window.jupyterapp.shell.currentWidget.content;"
                      " nb.activeCellIndex = nb.widgets.length - 1; }")
        run_cell(page, "%mwaa_login --region us-east-1")
        picker = page.locator(".mwaa-env-picker")
        picker.wait_for(state="visible", timeout=60_000)
        env = picker.locator("button.mwaa-picker-env", has_text="demo-airflow2")
        env.wait_for(state="visible", timeout=60_000)
        assert picker.locator("button.mwaa-picker-env", has_text="staging-updating").is_disabled()
        env.click()
        login = picker.locator("button", has_text="Log in")
        page.wait_for_function("(el) => !el.disabled", arg=login.element_handle())
        login.click()
        picker.locator(".mwaa-login-card, .mwaa-card").first.wait_for(state="visible", timeout=120_000)
        assert "demo-airflow2" in picker.inner_text()
        shot(page, "nb7-picker")

        # The sidebar: Notebook 7 has a left panel; the command shows it and it lists.
        page.evaluate("() => window.jupyterapp.commands.execute('mwaa:open-sidebar')")
        page.locator("#mwaa-sidebar .mwaa-env[data-environment='demo-airflow3']").wait_for(state="visible")
        shot(page, "nb7-sidebar")

        # Accel Shift A: the card in the notebook from the most recent run is demo-airflow3's (the picker's
        # card is a widget, not a login card output), so the shortcut opens demo-airflow3.
        assert page.evaluate("() => window.jupyterapp.commands.label('mwaa:open-ui')") == \
            "MWAA: Open Airflow UI (demo-airflow3)"
        page.locator(".jp-Notebook .jp-Cell").last.click()
        with page.expect_popup() as popup_info:
            page.keyboard.press("Control+Shift+A")
        popup = popup_info.value
        assert_airflow_logged_in(popup, 3)
        expected = urlsplit(mwaa_emulator.environment("demo-airflow3")["web_url"]).netloc
        assert urlsplit(popup.url).netloc == expected
        popup.close()
    finally:
        shot(page, "nb7-end")
        page.context.close()
    assert mwaa_errors(errors) == []
