"""A Jupyter server behind a URL prefix (``--ServerApp.base_url=/some/prefix/``, no JupyterHub), in headless Chromium.

Issue 22 #2: the login card's HTML link pointed at ``/mwaa/open?…`` (a 404) because the kernel knew no prefix
but ``$JUPYTERHUB_SERVICE_PREFIX``. The server extension now tells its kernels the server's base URL. The card's
button, the sidebar and the card's HTML link each land in the Airflow UI logged in.
"""

from __future__ import annotations

import pytest
from lab_helpers import (
    BUILT_LABEXTENSION,
    assert_airflow_logged_in,
    card_html,
    mints,
    missing,
    needs_airflow,
    new_notebook,
    run_cell,
    shot,
    start_lab,
)

pytestmark = pytest.mark.browser

PREFIX = "/some/prefix/"
ENVIRONMENT = "demo-airflow3"


@pytest.fixture(scope="module")
def lab(browser, mwaa_emulator, tmp_path_factory):
    """``jupyter lab --ServerApp.base_url=/some/prefix/`` pointed at the session's emulator."""
    if not (BUILT_LABEXTENSION / "package.json").is_file():
        missing("the lab extension is not built: run `npm run build:prod` in labextension/ (or pip install -e .)")
    running = start_lab(mwaa_emulator, tmp_path_factory.mktemp("prefix-lab"), base_url=PREFIX)
    yield running
    running.stop()


def lands_logged_in(page, emulator, click) -> None:
    """``click()`` opens a tab that lands in the Airflow UI logged in, with one web login token minted."""
    before = mints(emulator)
    with page.context.expect_page() as opened:
        click()
    tab = opened.value
    assert_airflow_logged_in(tab, 3)
    assert mints(emulator) == before + 1
    tab.close()


def test_card_sidebar_and_html_link_under_a_prefix(page, lab, mwaa_emulator):
    needs_airflow(mwaa_emulator)
    assert page.url.startswith(f"http://127.0.0.1:{lab.port}{PREFIX}lab")
    new_notebook(page)
    run_cell(page, f"%load_ext mwaa_magic\n%mwaa_login {ENVIRONMENT}")

    # The card's button (the lab extension's card: POST {prefix}mwaa/login-url).
    card = page.locator(".jp-OutputArea-output .mwaa-card")
    card.wait_for(state="visible", timeout=120_000)
    lands_logged_in(page, mwaa_emulator, lambda: card.locator(".mwaa-open-ui").click())

    # The sidebar's Open button.
    page.evaluate("() => window.jupyterapp.commands.execute('mwaa:open-sidebar')")
    button = page.locator(f"#mwaa-sidebar .mwaa-env[data-environment='{ENVIRONMENT}'] .mwaa-open-ui")
    button.wait_for(state="visible")
    lands_logged_in(page, mwaa_emulator, button.click)

    # The card's HTML link (what Notebook 7 without the lab extension, nbviewer-like views and exports show).
    html = card_html(page)
    assert html, "the login card has an HTML link to /mwaa/open"
    assert f"href='{PREFIX}mwaa/open?environment={ENVIRONMENT}" in html
    run_cell(page, f"from IPython.display import display\ndisplay({{'text/html': {html!r}}}, raw=True)")
    link = page.locator(".jp-OutputArea-output a[href*='/mwaa/open']").last
    link.wait_for(state="visible")
    lands_logged_in(page, mwaa_emulator, link.click)
    shot(page, "prefix-lab-end")
