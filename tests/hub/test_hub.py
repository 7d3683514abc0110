"""The JupyterHub tier (README.md beside this file), in headless Chromium against a real hub.

Each user: hub login, Lab, ``%mwaa_login``, then the card's button, the sidebar and the card's HTML link (clicked in
Lab, typed in the address bar; before the browser has opened the server too) land in the Airflow UI logged in as
THAT user's Airflow user (alice: admin, bob: viewer).

Then alice, logged in to the hub and her own server, tries to get a web login token for bob's server: by
navigation, by fetch from her Lab page, by a POST with a planted ``_xsrf``, and with her own hub API token. Every
attempt is refused (401/403) and the emulator's token counters (web and CLI tokens, secrets issued) do not move.
What refuses is JupyterHub: cookies scoped to ``/user/NAME/``, OAuth scopes per server, XSRF tokens it signs per
user. mwaa_magic's Fetch Metadata gate cannot tell two users apart on one origin (both pages are same-origin).

One module, so that the hub (module scope) stops when it is done: the default run goes on for minutes after it.
"""

from __future__ import annotations

from types import SimpleNamespace

import httpx
import pytest
from conftest import USERS
from hub_pages import ENVIRONMENT, fill_login_form, lands_as, log_in, token_counters, wait_for_lab
from lab_helpers import mints, needs_airflow, new_notebook, run_cell, save_notebook, shot

OPEN = f"mwaa/open?environment={ENVIRONMENT}&region=us-east-1"

CARD_HTML = """() => {
    const cell = window.jupyterapp.shell.currentWidget.content.widgets[0];
    for (let i = 0; i < cell.model.outputs.length; i++) {
        const html = cell.model.outputs.get(i).data['text/html'];
        if (html && String(html).includes('/mwaa/open')) { return String(html); }
    }
    return null;
}"""


def opens_as(page, emulator, click, user: str) -> None:
    """``click()`` opens a tab that lands in Airflow as ``user``, minting exactly one web login token."""
    before = mints(emulator)
    with page.context.expect_page() as opened:
        click()
    tab = opened.value
    lands_as(tab, user)
    assert mints(emulator) == before + 1
    tab.close()


@pytest.mark.parametrize("user", [pytest.param("alice", marks=pytest.mark.hub_ci), "bob"])
def test_user_lands_in_airflow_as_themselves(hub, browser_for_hub, mwaa_emulator, user):
    needs_airflow(mwaa_emulator)
    airflow_user = USERS[user][1]
    context = browser_for_hub.new_context(viewport={"width": 1400, "height": 900})
    page = log_in(context, hub, user)  # the hub starts the server (bob's is already starting) and opens Lab
    wait_for_lab(page, hub, user)
    path = new_notebook(page)
    run_cell(page, f"%load_ext mwaa_magic\n%mwaa_login {ENVIRONMENT}")
    card = page.locator(".jp-OutputArea-output .mwaa-card")
    card.wait_for(state="visible", timeout=120_000)
    # run_cell returns before Lab has moved to the cell it inserts below: a next run_cell would overwrite this one
    page.wait_for_function("() => window.jupyterapp.shell.currentWidget.content.activeCellIndex === 1")
    shot(page, f"hub-{user}-card")

    opens_as(page, mwaa_emulator, lambda: card.locator(".mwaa-open-ui").click(), airflow_user)  # the card's button

    page.evaluate("() => window.jupyterapp.commands.execute('mwaa:open-sidebar')")
    button = page.locator(f"#mwaa-sidebar .mwaa-env[data-environment='{ENVIRONMENT}'] .mwaa-open-ui")
    button.wait_for(state="visible")
    opens_as(page, mwaa_emulator, button.click, airflow_user)  # the sidebar

    # Saved into the user's home (the whole-suite secret scan reads it and the hub's log too): no issued secret.
    saved = save_notebook(page, SimpleNamespace(root=hub.homes / user), path, must_contain="vnd.mwaa.login+json")
    assert f"/user/{user}/mwaa/open" in saved
    issued = mwaa_emulator.admin.secrets()
    assert not [s for s in issued if s in saved or s in hub.log.read_text()], "an issued secret in the notebook or hub log"

    # The card's HTML link (what a viewer without the lab extension renders), clicked in Lab.
    card_html = page.evaluate(CARD_HTML)
    assert card_html and f"/user/{user}/mwaa/open" in card_html, "the link carries the hub's prefix"
    run_cell(page, f"from IPython.display import display\ndisplay({{'text/html': {card_html!r}}}, raw=True)")
    link = page.locator(".jp-OutputArea-output a[href*='/mwaa/open']").last
    link.wait_for(state="visible")
    opens_as(page, mwaa_emulator, link.click, airflow_user)

    # The same link typed into the address bar, after the browser has opened the server.
    opens_as(page, mwaa_emulator, lambda: context.new_page().goto(f"{hub.url}/user/{user}/{OPEN}"), airflow_user)

    context.close()


@pytest.mark.parametrize("user", ["alice", "bob"])
def test_link_before_opening_the_server_never_logged_in(hub, browser_for_hub, mwaa_emulator, user):
    """A browser that never logged in follows the link: the hub's login, then the confirmation page, then Airflow."""
    needs_airflow(mwaa_emulator)
    hub.start_server(user)
    hub.wait_server(user)
    context = browser_for_hub.new_context()
    tab = context.new_page()
    before = mints(mwaa_emulator)
    tab.goto(f"{hub.url}/user/{user}/{OPEN}")
    tab.locator("#username_input").wait_for(state="visible", timeout=15_000)
    fill_login_form(tab, hub, user)
    confirms_then_lands(tab, mwaa_emulator, before, user)
    context.close()


@pytest.mark.parametrize("user", ["alice", "bob"])
def test_link_before_opening_the_server_logged_in_to_the_hub(hub, browser_for_hub, mwaa_emulator, user):
    """Logged in to the hub only (no server cookie yet): the link gives the confirmation page, then Airflow."""
    needs_airflow(mwaa_emulator)
    hub.start_server(user)
    hub.wait_server(user)
    context = browser_for_hub.new_context()
    log_in(context, hub, user, next_path="/hub/home").wait_for_url(f"{hub.url}/hub/home")
    tab = context.new_page()
    before = mints(mwaa_emulator)
    tab.goto(f"{hub.url}/user/{user}/{OPEN}")
    confirms_then_lands(tab, mwaa_emulator, before, user)
    context.close()


def confirms_then_lands(tab, emulator, before: int, user: str) -> None:
    """The tab shows the same-origin confirmation page (nothing minted yet); its button lands in Airflow as the user."""
    button = tab.get_by_role("button", name="Open the Airflow UI")
    button.wait_for(state="visible", timeout=15_000)
    assert tab.url.startswith(tab.url.split("/user/")[0] + f"/user/{user}/mwaa/open")
    assert mints(emulator) == before, "minted straight after a login"
    button.click()
    lands_as(tab, USERS[user][1])
    assert mints(emulator) == before + 1


REFUSED = (401, 403)


@pytest.fixture(scope="module")
def alice(hub, browser_for_hub):
    """Alice's browser: logged in to the hub, her Lab open; bob's server running."""
    context = browser_for_hub.new_context(viewport={"width": 1400, "height": 900})
    page = log_in(context, hub, "alice")
    wait_for_lab(page, hub, "alice")
    hub.start_server("bob")
    hub.wait_server("bob")
    yield page
    context.close()


@pytest.fixture
def unchanged(mwaa_emulator):
    """Asserts, after the test, that the emulator issued no token of any kind meanwhile."""
    before = token_counters(mwaa_emulator)
    yield
    assert token_counters(mwaa_emulator) == before, "a token was minted for another user's server"


def bobs(hub, route: str) -> str:
    return f"{hub.url}/user/bob/mwaa/{route}"


def no_link(text: str) -> None:
    assert "aws-console-sso" not in text and "WebToken" not in text


def test_navigation(hub, alice, unchanged):
    tab = alice.context.new_page()
    response = tab.goto(bobs(hub, f"open?environment={ENVIRONMENT}"))
    assert response.status in REFUSED, (response.status, tab.url)
    assert tab.url.startswith(hub.url), "left the hub: landed somewhere"
    no_link(tab.content())
    tab.close()


FETCH = """async ([open, loginUrl, xsrf]) => {
    const get = await fetch(open, {credentials: 'same-origin'});
    const post = await fetch(loginUrl, {
        method: 'POST', credentials: 'same-origin',
        headers: {'Content-Type': 'application/json', 'X-XSRFToken': xsrf},
        body: JSON.stringify({environment: 'demo-airflow3', region: 'us-east-1'}),
    });
    return [[get.status, await get.text()], [post.status, await post.text()]];
}"""
OWN_XSRF = "() => document.cookie.split('; ').find(c => c.startsWith('_xsrf=')).slice(6)"


def test_fetch_from_her_lab(hub, alice, unchanged):
    """A script in alice's Lab page (same origin as bob's server) asks bob's routes, with her own XSRF token."""
    answers = alice.evaluate(
        FETCH, [bobs(hub, f"open?environment={ENVIRONMENT}"), bobs(hub, "login-url"), alice.evaluate(OWN_XSRF)]
    )
    for status, text in answers:
        assert status in REFUSED, (status, text[:200])
        no_link(text)


PLANT = """([xsrf, action]) => {
    document.cookie = `_xsrf=${xsrf}; path=/user/bob/`;  // bob's path: the double-submit cookie and field now match
    const form = document.createElement('form');
    form.method = 'post'; form.action = action;
    for (const [name, value] of [['_xsrf', xsrf], ['environment', 'demo-airflow3']]) {
        const input = document.createElement('input');
        input.type = 'hidden'; input.name = name; input.value = value; form.appendChild(input);
    }
    document.body.appendChild(form);
    form.submit();
}"""


def test_post_with_a_planted_xsrf(hub, alice, unchanged):
    """Alice plants her _xsrf as a cookie on bob's path and POSTs the confirmation form with it: still refused."""
    tab = alice.context.new_page()
    tab.goto(f"{hub.url}/user/alice/api/status")  # a page of alice's server: same origin as bob's (no script runs)
    xsrf = tab.evaluate(OWN_XSRF)
    with tab.expect_navigation() as navigation:
        tab.evaluate(PLANT, [xsrf, bobs(hub, "open")])
    assert navigation.value.status in REFUSED, (navigation.value.status, tab.url)
    no_link(tab.content())
    # The planted cookie stays: her Lab page's scripts (the API pages' CSP allows none) ask bob's routes with it.
    answer = alice.evaluate(FETCH, [bobs(hub, f"open?environment={ENVIRONMENT}"), bobs(hub, "login-url"), xsrf])
    for status, text in answer:
        assert status in REFUSED, (status, text[:200])
        no_link(text)
    tab.close()


@pytest.mark.hub_ci
def test_her_own_hub_api_token(hub, mwaa_emulator):
    """Alice's own hub API token (all her permissions) is refused by bob's server; on hers it mints (the control)."""
    hub.start_server("bob")
    hub.wait_server("bob")
    token = hub.user_token("alice")
    headers = {"Authorization": f"token {token}"}
    before = token_counters(mwaa_emulator)
    with httpx.Client(headers=headers, timeout=60) as client:
        opened = client.get(bobs(hub, "open"), params={"environment": ENVIRONMENT, "region": "us-east-1"})
        minted = client.post(bobs(hub, "login-url"), json={"environment": ENVIRONMENT, "region": "us-east-1"})
        for answer in (opened, minted):
            assert answer.status_code in REFUSED, (answer.status_code, answer.text[:200])
            no_link(answer.text)
        assert token_counters(mwaa_emulator) == before, "alice's token minted a token on bob's server"
        hub.start_server("alice")
        hub.wait_server("alice")
        own = client.post(f"{hub.url}/user/alice/mwaa/login-url", json={"environment": ENVIRONMENT, "region": "us-east-1"})
    assert own.status_code == 200, (own.status_code, own.text[:200])
    assert token_counters(mwaa_emulator)[0]["CreateWebLoginToken"] == before[0]["CreateWebLoginToken"] + 1
