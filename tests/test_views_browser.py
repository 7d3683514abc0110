"""The lab extension's views at the sizes and themes users have them: the sidebar's Diagnose table in a
220 px sidebar, the login card in a 400 px panel, the picker's chosen environment in the dark theme.

Each view is checked for horizontal overflow (scrollWidth <= clientWidth, everything inside it) and for the
contrast of its text (WCAG AA, 4.5:1), in the light and the dark theme. Screenshots, for looking at them:
test-output/screenshots/view-*.png.
"""

from __future__ import annotations

import pytest
from lab_helpers import (
    BUILT_LABEXTENSION,
    assert_contrast,
    assert_no_overflow,
    missing,
    new_notebook,
    run_cell,
    set_left_panel_width,
    set_theme,
    shot,
)

pytestmark = pytest.mark.browser
THEMES = ["JupyterLab Light", "JupyterLab Dark"]


@pytest.fixture(scope="module", autouse=True)
def built_extension() -> None:
    if not (BUILT_LABEXTENSION / "package.json").is_file():
        missing("the lab extension is not built: run `npm run build` in labextension/ (or pip install -e .)")


def theme_name(theme: str) -> str:
    return theme.split()[-1].lower()


@pytest.mark.parametrize("theme", THEMES)
def test_sidebar_diagnose_fits_a_220px_sidebar(page, mwaa_emulator, theme):
    set_theme(page, theme)
    page.evaluate("() => window.jupyterapp.commands.execute('mwaa:open-sidebar')")
    sidebar = page.locator("#mwaa-sidebar")
    sidebar.wait_for(state="visible")
    set_left_panel_width(page, 220)
    width = sidebar.evaluate("node => node.getBoundingClientRect().width")
    assert 200 <= width <= 240, width
    for name in ("demo-airflow3", "legacy-failed"):  # every check passing; a failed environment
        row = sidebar.locator(f".mwaa-env[data-environment='{name}']")
        row.locator(".mwaa-diagnose").click()
        row.locator(".mwaa-diagnosis-table").wait_for(timeout=90_000)
    # The marks are the server's (each row's mark, else its table of marks, else the status): no copy here.
    answer = page.evaluate(
        "async () => (await fetch('/mwaa/doctor/legacy-failed?region=us-east-1', {credentials: 'same-origin'})).json()"
    )
    expected = [c.get("mark") or (answer.get("marks") or {}).get(c["status"]) or c["status"] for c in answer["checks"]]
    marks = sidebar.locator(".mwaa-env[data-environment='legacy-failed'] .mwaa-check-mark").all_inner_texts()
    assert marks == expected
    failed = sidebar.locator(".mwaa-env[data-environment='legacy-failed'] .mwaa-check-fail")
    assert failed.count() >= 1
    highlight = failed.first.evaluate("node => getComputedStyle(node).backgroundColor")
    assert highlight not in ("rgba(0, 0, 0, 0)", "transparent"), "the failing row stands out"
    failed.first.scroll_into_view_if_needed()
    shot(page, f"view-sidebar-diagnose-220-{theme_name(theme)}")
    assert_no_overflow(page, "#mwaa-sidebar")
    assert_contrast(page, "#mwaa-sidebar")


@pytest.mark.parametrize("theme", THEMES)
def test_login_card_fits_a_400px_panel(page, mwaa_emulator, theme):
    set_theme(page, theme)
    new_notebook(page)
    run_cell(page, "%load_ext mwaa_magic\n%mwaa_login demo-airflow3")
    card = page.locator(".jp-OutputArea-output .mwaa-card")
    card.wait_for(timeout=60_000)
    shot(page, f"view-card-wide-{theme_name(theme)}")
    assert_no_overflow(page, ".mwaa-card-output")
    page.evaluate("() => window.jupyterapp.commands.execute('mwaa:open-sidebar')")
    notebook = page.locator(".jp-NotebookPanel").last
    left = page.viewport_size["width"] - 400 - 40
    for _ in range(2):  # the notebook panel keeps 400 px (the side bars and the dock's margins vary)
        set_left_panel_width(page, left)
        panel = notebook.evaluate("node => node.getBoundingClientRect().width")
        left += round(panel) - 400
    assert 380 <= panel <= 440, panel
    shot(page, f"view-card-400-{theme_name(theme)}")
    assert_no_overflow(page, ".mwaa-card-output")
    assert_contrast(page, ".mwaa-card-output")
    label, value = (card.locator(sel).first.bounding_box() for sel in (".mwaa-card-label", ".mwaa-card-value"))
    box = card.bounding_box()
    assert value["x"] + value["width"] <= box["x"] + box["width"] + 1, "values stay inside the card"
    assert label["x"] + label["width"] <= box["x"] + box["width"] + 1


@pytest.mark.parametrize("theme", THEMES)
def test_picker_chosen_environment_is_readable(page, mwaa_emulator, theme):
    set_theme(page, theme)
    new_notebook(page)
    run_cell(page, "%load_ext mwaa_magic\n%mwaa_login --region us-east-1")
    picker = page.locator(".mwaa-env-picker")
    env = picker.locator("button.mwaa-picker-env", has_text="demo-airflow3")
    env.wait_for(state="visible", timeout=60_000)
    env.click()
    page.wait_for_function("(el) => el.classList.contains('mod-info')", arg=env.element_handle())
    shot(page, f"view-picker-{theme_name(theme)}")
    assert_contrast(page, ".mwaa-env-picker .mwaa-picker-env.mod-info")
