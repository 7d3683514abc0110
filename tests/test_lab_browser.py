"""JupyterLab + the mwaa-magic extension in headless Debian chromium (Python Playwright), against the emulator.

A real ``jupyter lab`` (the ``lab`` fixture of ``lab_helpers``) runs as a subprocess with the emulator's
settings, this checkout's build of the lab extension (``mwaa_magic/labextension``) and the server extension
enabled through a private config dir, so no ``pip install`` of the package is needed. Screenshots: ``test-output/screenshots/``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from lab_helpers import (
    BUILT_LABEXTENSION,
    assert_airflow_logged_in,
    missing,
    needs_airflow,
    new_notebook,
    open_lab,
    run_cell,
    save_notebook,
    set_setting,
    shot,
)

pytestmark = pytest.mark.browser

PLUGIN = "mwaa-magic:plugin"
HOSTILE = "<img src=x onerror=\"window.__mwaaPwned='img'\"><script>window.__mwaaPwned='script'</script>"


@pytest.fixture(scope="module", autouse=True)
def built_extension() -> None:
    """These tests drive the lab extension: skip without its build (fail when MWAA_MAGIC_REQUIRE_BROWSER=1)."""
    if not (BUILT_LABEXTENSION / "package.json").is_file():
        missing("the lab extension is not built: run `npm run build:prod` in labextension/ (or pip install -e .)")


def open_sidebar(page):
    page.evaluate("() => window.jupyterapp.commands.execute('mwaa:open-sidebar')")
    sidebar = page.locator("#mwaa-sidebar")
    sidebar.wait_for(state="visible")
    return sidebar


def test_extension_loads_and_sidebar_lists_environments(page, mwaa_emulator):
    plugins = page.evaluate("() => window.jupyterapp.hasPlugin('mwaa-magic:plugin')")
    assert plugins is True
    assert page.locator(".jp-SideBar [data-id='mwaa-sidebar']").count() == 1
    sidebar = open_sidebar(page)
    row = sidebar.locator(".mwaa-env[data-environment='demo-airflow3']")
    row.wait_for(state="visible")
    assert row.locator(".mwaa-status").inner_text() == "AVAILABLE"
    assert "3.0.6" in row.locator(".mwaa-env-meta").inner_text()
    updating = sidebar.locator(".mwaa-env[data-environment='staging-updating']")
    assert updating.locator(".mwaa-status").inner_text() == "UPDATING"
    assert updating.locator(".mwaa-open-ui").count() == 0, "no Open button unless AVAILABLE"
    assert sidebar.locator(".mwaa-env[data-environment='eu-reporting']").count() == 0
    shot(page, "sidebar")
    # Another region through the picker.
    sidebar.locator("select[aria-label='Region']").select_option("eu-west-1")
    sidebar.locator(".mwaa-env[data-environment='eu-reporting']").wait_for(state="visible")
    commands = page.evaluate(
        "() => ['mwaa:open-sidebar','mwaa:open-ui','mwaa:insert-login-cell'].map(id => window.jupyterapp.commands.hasCommand(id))"
    )
    assert commands == [True, True, True]
    # Dark theme: the sidebar follows JupyterLab's CSS variables.
    light = sidebar.evaluate("node => getComputedStyle(node).backgroundColor")
    page.evaluate(
        "async () => { await window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Dark'}); }"
    )
    page.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'")
    page.wait_for_function(
        "light => getComputedStyle(document.getElementById('mwaa-sidebar')).backgroundColor !== light", arg=light
    )
    page.wait_for_selector("#jupyterlab-splash", state="detached")
    shot(page, "sidebar-dark")
    page.evaluate(
        "async () => { await window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Light'}); }"
    )


def test_sidebar_open_airflow_ui_lands_logged_in(page, mwaa_emulator):
    needs_airflow(mwaa_emulator)
    sidebar = open_sidebar(page)
    button = sidebar.locator(".mwaa-env[data-environment='demo-airflow3'] .mwaa-open-ui")
    with page.expect_popup() as popup_info:
        button.click()
    popup = popup_info.value
    assert_airflow_logged_in(popup, 3)
    shot(popup, "sidebar-airflow-ui")


def test_insert_login_cell(page, mwaa_emulator):
    new_notebook(page)
    sidebar = open_sidebar(page)
    sidebar.locator(".mwaa-env[data-environment='demo-airflow2'] .mwaa-insert-cell").click()
    source = page.evaluate("() => window.jupyterapp.shell.currentWidget.content.activeCell.model.sharedModel.getSource()")
    assert source == "%mwaa_login demo-airflow2 --region us-east-1"


def test_login_card_opens_airflow_and_saves_no_secret(page, lab, mwaa_emulator):
    needs_airflow(mwaa_emulator)
    path = new_notebook(page)
    run_cell(page, "%load_ext mwaa_magic\n%mwaa_login demo-airflow3")
    card = page.locator(".jp-OutputArea-output .mwaa-card")
    card.wait_for(state="visible", timeout=120_000)
    assert card.locator(".mwaa-card-title").inner_text() == "demo-airflow3"
    assert "Admin" in card.inner_text() or "admin" in card.inner_text()
    shot(page, "login-card")
    with page.expect_popup() as popup_info:
        card.locator(".mwaa-open-ui").click()
    popup = popup_info.value
    assert_airflow_logged_in(popup, 3)
    shot(popup, "card-airflow-ui")
    popup.close()
    assert card.locator(".mwaa-card-error").inner_text() == ""

    text = save_notebook(page, lab, path, must_contain="mwaa_login")
    assert "application/vnd.mwaa.login+json" in text
    secrets = mwaa_emulator.admin.secrets()
    assert secrets, "the emulator handed out tokens"
    leaked = [s for s in secrets if s and s in text]
    assert not leaked, f"{len(leaked)} emulator secret(s) saved in the notebook"
    assert "WebToken" not in text and "aws-console-sso?login=true#" not in text

    # Days later: the kernel is gone and the notebook is reopened; the saved card still opens Airflow.
    page.evaluate("async () => { await window.jupyterapp.shell.currentWidget.sessionContext.shutdown(); }")
    page.goto(f"{lab.url}/lab/tree/{path}?reset&token={lab.token}")
    card = page.locator(".jp-OutputArea-output .mwaa-card")
    card.wait_for(state="visible", timeout=60_000)
    with page.expect_popup() as popup_info:
        card.locator(".mwaa-open-ui").click()
    assert_airflow_logged_in(popup_info.value, 3)
    shot(page, "card-reopened")


def test_hostile_card_data_is_text_and_runs_nothing(page, mwaa_emulator):
    new_notebook(page)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    bundle = {
        "application/vnd.mwaa.login+json": {
            "environment": "demo-airflow3",
            "region": "us-east-1",
            "profile": None,
            "hostname": f"evil.example{HOSTILE}",
            "airflow_version": "3.0.6",
            "airflow_identity": f"admin{HOSTILE}",
            "iam_identity": f"assumed-role/{HOSTILE}/mallory",
            "webserver_access_mode": "PUBLIC_ONLY",
        },
        "text/plain": "hostile card",
    }
    run_cell(page, f"from IPython.display import display\ndisplay({bundle!r}, raw=True)")
    card = page.locator(".jp-OutputArea-output .mwaa-card")
    card.wait_for(state="visible", timeout=60_000)
    page.wait_for_timeout(500)
    shot(page, "hostile-card")
    assert "<img src=x onerror=" in card.inner_text()
    assert "<script>" in card.inner_text()
    assert card.locator("img").count() == 0 and card.locator("script").count() == 0
    assert page.evaluate("() => window.__mwaaPwned === undefined")
    assert dialogs == []


def test_open_ui_command_for_airflow2(page, mwaa_emulator):
    needs_airflow(mwaa_emulator)
    with page.expect_popup() as popup_info:
        page.evaluate("() => { void window.jupyterapp.commands.execute('mwaa:open-ui', {environment: 'demo-airflow2'}); }")
    popup = popup_info.value
    assert_airflow_logged_in(popup, 2)
    shot(popup, "command-airflow2-ui")


def test_login_url_post_needs_xsrf_with_cookie_auth(page, lab):
    """The browser holds Jupyter's login cookie; a POST without the XSRF header (a forged one) is refused.

    A GET that says it comes from Lab's page (its Referer) is answered on the cookie alone; one that says
    nothing of its page (no Fetch Metadata, Referer or Origin: an old browser's ``<img>``) is refused
    (issue 17 #9)."""
    from_lab = {"Referer": f"{lab.url}/lab"}
    assert page.request.get(f"{lab.url}/mwaa/config", headers=from_lab).status == 200, "the cookie alone authenticates a GET"
    assert page.request.get(f"{lab.url}/mwaa/config").status == 403, "a cookie-only GET from no known page"
    response = page.request.post(
        f"{lab.url}/mwaa/login-url",
        data='{"environment": "demo-airflow3"}',
        headers={"Content-Type": "application/json", **from_lab},
    )
    assert response.status == 403
    assert "aws-console-sso" not in response.text()


def test_sidebar_asks_nothing_until_shown(browser, lab, mwaa_emulator):
    """Loading Lab with the sidebar closed calls neither /mwaa/* nor ListEnvironments; showing it lists."""
    before = mwaa_emulator.admin.calls()
    page = open_lab(browser, lab)
    try:
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url) if "/mwaa/" in request.url else None)
        tab = page.locator(".jp-SideBar [data-id='mwaa-sidebar']")
        tab.wait_for(state="visible")
        assert page.locator("#mwaa-sidebar").is_hidden()
        page.wait_for_timeout(2000)  # time for anything eager to go out (the old sidebar asked at once)
        after = mwaa_emulator.admin.calls()
        for operation in ("ListEnvironments", "GetEnvironment"):
            assert after.get(operation, 0) == before.get(operation, 0), f"{operation} called with the sidebar closed"
        assert requests == []
        assert page.locator("#mwaa-sidebar .mwaa-env-list").count() == 0, "the sidebar's content is not built yet"

        tab.click()  # what a user does: the sidebar's tab
        page.locator("#mwaa-sidebar .mwaa-env[data-environment='demo-airflow3']").wait_for(state="visible")
        assert mwaa_emulator.admin.calls().get("ListEnvironments", 0) > before.get("ListEnvironments", 0)
        assert any("/mwaa/environments" in url for url in requests)
    finally:
        page.context.close()


def test_settings_choose_the_region_and_refresh(page, browser, lab, mwaa_emulator):
    """defaultRegion / autoRefreshInterval changed as in the Settings Editor change what the sidebar asks for."""
    sidebar = open_sidebar(page)
    sidebar.locator(".mwaa-env[data-environment='demo-airflow3']").wait_for(state="visible")
    region = sidebar.locator("select[aria-label='Region']")
    assert region.input_value() == "us-east-1"
    try:
        with page.expect_request(lambda r: "/mwaa/environments" in r.url and "region=eu-west-1" in r.url):
            assert set_setting(page, PLUGIN, "defaultRegion", "eu-west-1") == "eu-west-1"
        sidebar.locator(".mwaa-env[data-environment='eu-reporting']").wait_for(state="visible")
        assert sidebar.locator(".mwaa-env[data-environment='demo-airflow3']").count() == 0
        assert region.input_value() == "eu-west-1"

        # Auto-refresh: the list is asked for again and again while the sidebar is shown.
        seen: list[str] = []
        page.on("request", lambda r: seen.append(r.url) if "/mwaa/environments" in r.url else None)
        set_setting(page, PLUGIN, "autoRefreshInterval", 1)
        page.wait_for_timeout(2600)
        assert len(seen) >= 2, seen
        assert all("region=eu-west-1" in url for url in seen)
        set_setting(page, PLUGIN, "autoRefreshInterval", 0)
        page.wait_for_timeout(300)
        count = len(seen)
        page.wait_for_timeout(1500)
        assert len(seen) == count, "auto-refresh stops at 0"

        # A fresh page: the very first request already asks for the configured region.
        fresh = open_lab(browser, lab)
        try:
            with fresh.expect_request(lambda r: "/mwaa/environments" in r.url) as first:
                fresh.evaluate("() => window.jupyterapp.commands.execute('mwaa:open-sidebar')")
            assert "region=eu-west-1" in first.value.url
            fresh.locator("#mwaa-sidebar .mwaa-env[data-environment='eu-reporting']").wait_for(state="visible")
        finally:
            fresh.context.close()
    finally:
        set_setting(page, PLUGIN, "defaultRegion", None)
        set_setting(page, PLUGIN, "autoRefreshInterval", None)
    sidebar.locator(".mwaa-env[data-environment='demo-airflow3']").wait_for(state="visible")


def test_settings_editor_edits_the_default_region(page, mwaa_emulator):
    """The schema's fields show in the Settings Editor, and typing a region there is what the sidebar asks for."""
    sidebar = open_sidebar(page)
    sidebar.locator(".mwaa-env[data-environment='demo-airflow3']").wait_for(state="visible")
    page.evaluate("() => { void window.jupyterapp.commands.execute('settingeditor:open', {query: 'Amazon MWAA'}); }")
    form = page.locator(".jp-SettingsPanel", has_text="Amazon MWAA")
    form.get_by_text("Default AWS region").wait_for(state="visible")
    assert form.get_by_text("Auto-refresh interval (seconds)").is_visible()
    field = form.locator("input[id$='_defaultRegion']")
    assert form.locator("input[id$='_autoRefreshInterval']").input_value() == "0"
    shot(page, "settings-editor")
    try:
        with page.expect_request(lambda r: "/mwaa/environments" in r.url and "region=eu-west-1" in r.url, timeout=30_000):
            field.fill("eu-west-1")
        sidebar.locator(".mwaa-env[data-environment='eu-reporting']").wait_for(state="visible")
    finally:
        set_setting(page, PLUGIN, "defaultRegion", None)


def test_shortcut_opens_airflow_of_the_notebooks_last_login(page, mwaa_emulator):
    """Accel Shift A (declared in the settings schema) opens the Airflow UI of the notebook's last login card."""
    needs_airflow(mwaa_emulator)
    bindings = page.evaluate(
        "() => window.jupyterapp.commands.keyBindings"
        ".filter(b => b.command === 'mwaa:open-ui').map(b => [b.keys.join(' '), b.selector])"
    )
    assert ["Ctrl Shift A", "body"] in bindings
    clashes = page.evaluate(
        "() => window.jupyterapp.commands.keyBindings"
        ".filter(b => b.keys.join(' ') === 'Ctrl Shift A' && b.command !== 'mwaa:open-ui')"
        ".map(b => b.command)"
    )
    assert clashes == [], f"Accel Shift A is also bound to {clashes}"
    palette = page.evaluate("() => window.jupyterapp.commands.label('mwaa:open-ui')")
    assert palette == "MWAA: Open Airflow UI…", "no session yet: it will ask for an environment"

    new_notebook(page)
    run_cell(page, "%load_ext mwaa_magic\n%mwaa_login demo-airflow3")
    run_cell(page, "%mwaa_login demo-airflow2 --as af2")
    cards = page.locator(".jp-OutputArea-output .mwaa-card")
    cards.nth(1).wait_for(state="visible", timeout=120_000)
    assert page.evaluate("() => window.jupyterapp.commands.label('mwaa:open-ui')") == "MWAA: Open Airflow UI (demo-airflow2)"
    page.keyboard.press("Control+Shift+C")  # the command palette lists it
    page.locator(".lm-CommandPalette-input").fill("Open Airflow UI")
    page.locator(".lm-CommandPalette-item[data-command='mwaa:open-ui']").wait_for(state="visible")
    assert "demo-airflow2" in page.locator(".lm-CommandPalette-item[data-command='mwaa:open-ui']").inner_text()
    page.keyboard.press("Escape")

    page.locator(".jp-Notebook .jp-Cell").last.click()  # focus in the notebook, as a user typing
    with page.expect_popup() as popup_info:
        page.keyboard.press("Control+Shift+A")
    popup = popup_info.value
    assert_airflow_logged_in(popup, 2)
    expected = urlsplit(mwaa_emulator.environment("demo-airflow2")["web_url"]).netloc
    assert urlsplit(popup.url).netloc == expected, "the Airflow UI of the last login (demo-airflow2)"
    shot(popup, "shortcut-airflow2-ui")
