"""Alice, logged in to the hub and her own server, tries to get a web login token for bob's server: by navigation,
by fetch from her Lab page, by a POST with a planted ``_xsrf``, and with her own hub API token. Every attempt is
refused (403) and the emulator's token counters (web and CLI tokens, secrets issued) do not move.

What refuses is JupyterHub: cookies scoped to ``/user/NAME/``, OAuth scopes per server, signed XSRF tokens.
mwaa_magic's Fetch Metadata gate cannot tell two users apart on one origin (both pages are same-origin)."""

from __future__ import annotations

import httpx
import pytest
from hub_pages import ENVIRONMENT, log_in, token_counters, wait_for_lab

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
