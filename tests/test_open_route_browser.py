"""``GET /mwaa/open`` in real headless Chromium: another site's page must not make it mint a token.

The Jupyter user is logged in (Lab opened once with ``?token=``, so the browser holds Jupyter's login
cookie). A page served from another loopback port (same *site*, other *origin*: the cookie rides along even
on ``<img>``) or from ``localhost`` (another site) embeds the route as an image, an iframe and a script, and
links to it; the emulator's ``CreateWebLoginToken`` counter must not move. A link from another site gets a
confirmation page; its button (one click) opens the Airflow UI. The login card's own link clicked in Lab,
and the route typed into the address bar, still land in Airflow logged in.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from lab_helpers import (
    assert_airflow_logged_in,
    card_html,
    mints,
    missing,
    needs_airflow,
    new_notebook,
    open_lab,
    page_server,
    run_cell,
    shot,
)

pytestmark = pytest.mark.browser

ENVIRONMENT = "demo-airflow3"


def needs_lab_extension(page) -> None:
    if not page.evaluate("() => window.jupyterapp.commands.hasCommand('mwaa:open-ui')"):
        missing("the mwaa-magic lab extension is not loaded: build it (npm run build:prod in labextension/)")


@pytest.fixture(scope="module")
def other_site(lab):
    """A page on another loopback port that embeds and links to the lab's ``/mwaa/open``."""
    route = f"{lab.url}/mwaa/open?environment={ENVIRONMENT}&region=us-east-1"
    page = f"""<!doctype html><html><head><title>another site</title></head><body>
<img id="img" src="{route}&via=img" onload="window.imgDone='load'" onerror="window.imgDone='error'">
<iframe id="frame" src="{route}&via=iframe" onload="window.frameDone=true"></iframe>
<script src="{route}&via=script" onload="window.scriptDone=true" onerror="window.scriptDone=true"></script>
<a id="link" href="{route}&via=link" target="_blank">Click me</a>
<a id="same-tab" href="{route}&via=same-tab">Click me too</a>
</body></html>""".encode()
    with page_server(page) as port:
        yield port


@pytest.fixture
def logged_in(browser, lab):
    """A browser context holding Jupyter's login cookie (Lab visited once with ``?token=``)."""
    page = open_lab(browser, lab)
    yield page.context
    page.context.close()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"], ids=["same-site-other-port", "cross-site"])
def test_another_site_cannot_mint_a_token(logged_in, lab, other_site, mwaa_emulator, host):
    needs_airflow(mwaa_emulator)
    before = mints(mwaa_emulator)
    evil = logged_in.new_page()
    evil.goto(f"http://{host}:{other_site}/")
    evil.wait_for_function("() => window.imgDone && window.frameDone && window.scriptDone", timeout=30_000)
    assert evil.evaluate("() => window.imgDone") == "error", "the route answered the <img> with an image?"
    with logged_in.expect_page() as opened:
        evil.click("#link")
    popup = opened.value
    popup.wait_for_load_state("domcontentloaded")
    assert mints(mwaa_emulator) == before, "a page of another origin made the server mint a web login token"

    # The link lands on a same-origin confirmation page (Jupyter's cookie authenticated it): one click opens Airflow.
    assert popup.url.startswith(lab.url + "/mwaa/open")
    button = popup.get_by_role("button", name="Open the Airflow UI")
    button.wait_for(state="visible")
    assert ENVIRONMENT in popup.inner_text("body")
    shot(popup, f"open-route-confirmation-{host}")
    button.click()
    assert_airflow_logged_in(popup, 3)
    assert mints(mwaa_emulator) == before + 1
    popup.close()

    # The same link opened in the same tab is refused too.
    evil.click("#same-tab")
    evil.wait_for_url(lambda url: "/mwaa/open" in url)
    evil.get_by_role("button", name="Open the Airflow UI").wait_for(state="visible")
    assert mints(mwaa_emulator) == before + 1


def test_confirmation_page_cannot_be_framed(logged_in, lab, other_site, mwaa_emulator):
    """A page that frames the confirmation page (to trick a click on its button) gets nothing."""
    before = mints(mwaa_emulator)
    evil = logged_in.new_page()
    evil.goto(f"http://127.0.0.1:{other_site}/")
    evil.evaluate(
        """(src) => new Promise(done => {
        const frame = document.createElement('iframe');
        frame.id = 'clickjack'; frame.src = src; frame.onload = () => done(); document.body.appendChild(frame);
    })""",
        f"{lab.url}/mwaa/open?environment={ENVIRONMENT}",
    )
    frame = evil.frame_locator("#clickjack")
    assert frame.get_by_role("button").count() == 0
    assert mints(mwaa_emulator) == before


def test_address_bar_opens_airflow_logged_in(logged_in, lab, mwaa_emulator):
    """The route pasted into the address bar (Sec-Fetch-Site: none) mints and lands in Airflow at once."""
    needs_airflow(mwaa_emulator)
    before = mints(mwaa_emulator)
    tab = logged_in.new_page()
    tab.goto(f"{lab.url}/mwaa/open?environment={ENVIRONMENT}")
    assert_airflow_logged_in(tab, 3)
    assert mints(mwaa_emulator) == before + 1


def test_card_link_in_lab_opens_airflow_logged_in(page, mwaa_emulator):
    """The login card's HTML link (``<a target=_blank rel="noopener noreferrer">`` to ``/mwaa/open``), rendered by Lab."""
    needs_airflow(mwaa_emulator)
    new_notebook(page)
    run_cell(page, f"%load_ext mwaa_magic\n%mwaa_login {ENVIRONMENT}")
    # The lab extension renders the card from its own MIME type; show the card's text/html on its own.
    html = card_html(page)
    assert html, "the login card has an HTML link to /mwaa/open"
    run_cell(page, f"from IPython.display import display\ndisplay({{'text/html': {html!r}}}, raw=True)")
    link = page.locator(".jp-OutputArea-output a[href*='/mwaa/open']").last
    link.wait_for(state="visible")
    assert "noopener" in link.get_attribute("rel").split()  # Lab sets rel=noopener on rendered links
    before = mints(mwaa_emulator)
    with page.context.expect_page() as opened:
        link.click()
    tab = opened.value
    assert_airflow_logged_in(tab, 3)
    assert mints(mwaa_emulator) == before + 1
    shot(tab, "card-html-link-airflow-ui")


def test_lab_extension_open_ui_still_lands_logged_in(page, mwaa_emulator):
    """The lab extension's button path (POST /mwaa/login-url with Jupyter's XSRF token, then open the link)."""
    needs_airflow(mwaa_emulator)
    needs_lab_extension(page)
    before = mints(mwaa_emulator)
    with page.context.expect_page() as opened:
        page.evaluate(f"() => {{ void window.jupyterapp.commands.execute('mwaa:open-ui', {{environment: '{ENVIRONMENT}'}}); }}")
    assert_airflow_logged_in(opened.value, 3)
    assert mints(mwaa_emulator) == before + 1


def log_in_on_the_login_page(tab, lab) -> None:
    """Jupyter's login page (not a 403): the user pastes the server's token into its password field."""
    tab.wait_for_url(lambda url: urlsplit(url).path == "/login", timeout=30_000)
    field = tab.locator("#password_input")  # "Password or token" (the page also offers a token-to-password form)
    field.fill(lab.token)
    field.press("Enter")


def confirms_then_lands_logged_in(tab, emulator, before: int) -> None:
    """The tab shows the confirmation page (nothing minted yet); its button opens the Airflow UI logged in."""
    button = tab.get_by_role("button", name="Open the Airflow UI")
    button.wait_for(state="visible")
    assert "just logged in" in tab.inner_text("body")
    assert mints(emulator) == before, "a web login token was minted right after the login"
    button.click()
    assert_airflow_logged_in(tab, 3)
    assert mints(emulator) == before + 1


@pytest.fixture
def fresh(browser):
    """A browser context without Jupyter's login cookie."""
    context = browser.new_context()
    yield context
    context.close()


def test_card_link_without_the_cookie_logs_in_then_confirms(fresh, lab, mwaa_emulator):
    """The card's link opened in a browser that never logged in to this server: login page, then the confirmation."""
    needs_airflow(mwaa_emulator)
    before = mints(mwaa_emulator)
    tab = fresh.new_page()
    tab.goto(f"{lab.url}/mwaa/open?environment={ENVIRONMENT}&region=us-east-1")
    log_in_on_the_login_page(tab, lab)
    shot(tab, "open-route-after-login")
    confirms_then_lands_logged_in(tab, mwaa_emulator, before)


def test_link_from_another_site_still_confirms_after_the_login(fresh, lab, other_site, mwaa_emulator):
    """Another site's page: its embeddings get nothing, its link leads to the login, and after it to the confirmation."""
    needs_airflow(mwaa_emulator)
    before = mints(mwaa_emulator)
    evil = fresh.new_page()
    evil.goto(f"http://localhost:{other_site}/")
    evil.wait_for_function("() => window.imgDone && window.frameDone && window.scriptDone", timeout=30_000)
    evil.click("#same-tab")
    log_in_on_the_login_page(evil, lab)
    confirms_then_lands_logged_in(evil, mwaa_emulator, before)
