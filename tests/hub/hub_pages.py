"""What a hub user does in the browser (log in, open Lab) and what the tests check after it (which Airflow user
a tab is logged in as; the emulator's token counters)."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import quote, urlsplit

from lab_helpers import assert_airflow_logged_in

ENVIRONMENT = "demo-airflow3"
TOKEN_CALLS = ("CreateWebLoginToken", "CreateCliToken")


def log_in(context: Any, hub: Any, user: str, next_path: str = "") -> Any:
    """A new tab that logs ``user`` in on the hub's login page (then follows the hub to ``next_path``)."""
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{hub.url}/hub/login" + (f"?next={quote(next_path)}" if next_path else ""))
    fill_login_form(page, hub, user)
    return page


def fill_login_form(page: Any, hub: Any, user: str) -> None:
    page.fill("#username_input", user)
    page.fill("#password_input", hub.password)
    page.click("#login_submit")


def wait_for_lab(page: Any, hub: Any, user: str) -> None:
    """Wait (bounded) until the hub has sent the tab to ``user``'s JupyterLab and the application has restored."""
    page.wait_for_url(f"{hub.url}/user/{user}/lab**", timeout=120_000)
    page.wait_for_function("() => window.jupyterapp !== undefined", timeout=120_000)
    page.evaluate("async () => { await window.jupyterapp.restored; }")


def airflow_user(tab: Any) -> str:
    """The Airflow user the tab's Airflow 3 session belongs to: the ``sub`` of its JWT (the UI moves the ``_token``
    cookie the login sets into its local storage)."""
    parts = urlsplit(tab.url)
    cookies = {c["name"]: c["value"] for c in tab.context.cookies(f"{parts.scheme}://{parts.netloc}/")}
    token = cookies.get("_token") or tab.evaluate("() => localStorage.getItem('token')")
    assert token, "the Airflow UI holds no session token"
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"]


def lands_as(tab: Any, user: str) -> None:
    """The tab left the SSO link for the Airflow 3 UI, whose DAG list shows, logged in as Airflow user ``user``."""
    assert_airflow_logged_in(tab, 3)
    assert airflow_user(tab) == user


def token_counters(emulator: Any) -> tuple[dict[str, int], int]:
    """The emulator's token calls (web and CLI) and how many secrets it has issued."""
    calls = emulator.admin.calls()
    return {name: calls.get(name, 0) for name in TOKEN_CALLS}, len(emulator.admin.secrets())
