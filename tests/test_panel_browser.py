"""The environment picker in a real JupyterLab, in headless Debian chromium, against the emulator.

Screenshot: test-output/screenshots/panel.png (and panel-airflow-ui.png when the emulator runs Airflow).
"""

from __future__ import annotations

import json

import pytest
from lab_helpers import new_notebook, run_cell, save_notebook, shot

pytestmark = pytest.mark.browser

# Save widget state with the notebook, so the test can check what a notebook would keep.
SAVE_WIDGET_STATE = {"@jupyter-widgets/jupyterlab-manager:plugin": {"saveState": True}}


@pytest.fixture(scope="module")
def lab_settings() -> dict[str, dict]:
    """The ``lab`` fixture (lab_helpers) of this module runs with these user settings."""
    return SAVE_WIDGET_STATE


def test_picker_lists_logs_in_and_links(page, lab, mwaa_emulator):
    path = new_notebook(page)
    run_cell(page, "%load_ext mwaa_magic\n%mwaa_login --region us-east-1")
    picker = page.locator(".mwaa-env-picker")
    picker.wait_for(state="visible", timeout=60_000)
    env = picker.locator("button.mwaa-picker-env", has_text="demo-airflow3")
    env.wait_for(state="visible", timeout=60_000)
    assert env.is_enabled()
    assert picker.locator("button.mwaa-picker-env", has_text="staging-updating").is_disabled()
    assert picker.locator("button.mwaa-picker-env", has_text="legacy-failed").is_disabled()
    assert "UPDATING" in picker.inner_text() and "3.0.6" in picker.inner_text()
    assert picker.locator(".mwaa-picker-busy").count() == 0, "the busy indicator is gone once listed"

    env.click()
    login = picker.locator("button", has_text="Log in")
    page.wait_for_function("(el) => !el.disabled", arg=login.element_handle())
    link = picker.locator("a.mwaa-picker-open-ui")
    assert "/mwaa/open?environment=demo-airflow3&region=us-east-1" in link.get_attribute("href")
    login.click()
    card = picker.locator(".mwaa-login-card, .mwaa-card").first
    card.wait_for(state="visible", timeout=120_000)
    assert "demo-airflow3" in card.inner_text()
    assert picker.locator(".mwaa-picker-error").count() == 0
    shot(page, "panel")

    if mwaa_emulator.env.get("MWAA_MAGIC_WEBSERVER_URLS"):  # the token-free link lands in Airflow, logged in
        with page.expect_popup() as popup_info:
            link.click()
        popup = popup_info.value
        popup.wait_for_url(
            lambda url: "aws-console-sso" not in url and "/mwaa/open" not in url and "/login" not in url, timeout=60_000
        )
        shot(popup, "panel-airflow-ui")
        popup.close()

    run_cell(page, "print(type(mwaa).__name__, mwaa.environment)")
    assert page.locator(".jp-OutputArea-output", has_text="AirflowSession demo-airflow3").count() == 1

    text = save_notebook(page, lab, path, "application/vnd.jupyter.widget-state+json")
    assert "application/vnd.jupyter.widget-state+json" in text, "widget state was saved with the notebook"
    state = json.loads(text)["metadata"]["widgets"]
    assert "demo-airflow3" in json.dumps(state)
    secrets = mwaa_emulator.admin.secrets()
    assert secrets, "the emulator handed out tokens"
    leaked = [s for s in secrets if s and s in text]
    assert not leaked, f"{len(leaked)} emulator secret(s) saved in the notebook or its widget state"
    assert "aws-console-sso?login=true#" not in text
