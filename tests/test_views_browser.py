"""The views at the sizes and themes users have them: the sidebar's Diagnose table in a 220 px sidebar, the
login card in a 400 px panel, the environment picker in a 400 px and a narrow (~300 px) panel, the doctor and
import-errors tables in a notebook.

Each view is checked for horizontal overflow (scrollWidth <= clientWidth, everything inside it) and for the
contrast of its text (WCAG AA, 4.5:1), in the light and the dark theme. Screenshots, for looking at them:
test-output/screenshots/view-*.png; with MWAA_MAGIC_DOC_SCREENSHOTS=1 also the documentation's, cropped to each
view, in docs/screenshots/ (see its README.md).
"""

from __future__ import annotations

import pytest
from lab_helpers import (
    BUILT_LABEXTENSION,
    assert_contrast,
    assert_no_overflow,
    doc_shot,
    missing,
    needs_airflow,
    new_notebook,
    run_cell,
    set_left_panel_width,
    set_notebook_width,
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
    doc_shot(sidebar, f"sidebar-{theme_name(theme)}")


@pytest.mark.parametrize("theme", THEMES)
def test_login_card_fits_a_400px_panel(page, mwaa_emulator, theme):
    set_theme(page, theme)
    new_notebook(page)
    run_cell(page, "%load_ext mwaa_magic\n%mwaa_login demo-airflow3")
    card = page.locator(".jp-OutputArea-output .mwaa-card")
    card.wait_for(timeout=60_000)
    shot(page, f"view-card-wide-{theme_name(theme)}")
    assert_no_overflow(page, ".mwaa-card-output")
    panel = set_notebook_width(page, 400)
    assert 380 <= panel <= 440, panel
    shot(page, f"view-card-400-{theme_name(theme)}")
    assert_no_overflow(page, ".mwaa-card-output")
    assert_contrast(page, ".mwaa-card-output")
    label, value = (card.locator(sel).first.bounding_box() for sel in (".mwaa-card-label", ".mwaa-card-value"))
    box = card.bounding_box()
    assert value["x"] + value["width"] <= box["x"] + box["width"] + 1, "values stay inside the card"
    assert label["x"] + label["width"] <= box["x"] + box["width"] + 1
    doc_shot(card, f"card-{theme_name(theme)}")


@pytest.mark.parametrize(
    ("theme", "panel"),
    [("JupyterLab Light", 400), ("JupyterLab Dark", 400), ("JupyterLab Dark", 300)],
    ids=["light-400", "dark-400", "dark-narrow"],
)
def test_picker_fits_and_is_readable(page, mwaa_emulator, theme, panel):
    """Every row of the picker wraps inside the panel, and every text (the chosen environment's too: it was white
    on bright cyan in the dark theme) meets 4.5:1."""
    set_theme(page, theme)
    new_notebook(page)
    run_cell(page, "%load_ext mwaa_magic\n%mwaa_login --region us-east-1")
    picker = page.locator(".mwaa-env-picker")
    env = picker.locator("button.mwaa-picker-env", has_text="demo-airflow3")
    env.wait_for(state="visible", timeout=60_000)
    env.click()
    page.wait_for_function("(el) => el.classList.contains('mod-info')", arg=env.element_handle())
    picker.locator("a.mwaa-picker-open-ui").wait_for()
    width = set_notebook_width(page, panel)
    assert panel - 20 <= width <= panel + 40, width
    name = f"picker-{theme_name(theme)}" + ("-narrow" if panel < 400 else "")
    shot(page, f"view-{name}")
    if panel < 400:
        assert picker.evaluate("node => node.getBoundingClientRect().width") <= 240, "the picker itself is narrow"
    assert_contrast(page, ".mwaa-env-picker")
    assert_no_overflow(page, ".mwaa-env-picker")
    doc_shot(picker, name)


BROKEN_DAG = """%%mwaa_dag broken_views.py --timeout 120 --no-local-check
import pendulum
from airflow import DAG
from airflow.operators.bash import BashOperator
import no_such_module  # the deliberate mistake

with DAG("broken_views", start_date=pendulum.datetime(2026, 1, 1), schedule=None):
    BashOperator(task_id="hello", bash_command="echo hello")
"""


def test_doctor_and_import_errors_tables(page, mwaa_emulator):
    """The doctor's and import-errors' tables in a notebook, in both themes: no overflow, readable text."""
    needs_airflow(mwaa_emulator)
    new_notebook(page)
    run_cell(page, "%load_ext mwaa_magic\n%mwaa_login demo-airflow3")
    run_cell(page, "%mwaa doctor demo-airflow3")
    tables = page.locator(".jp-OutputArea-output table.mwaa-table")
    doctor = tables.nth(0)  # a locator is a query: the first table stays the doctor's once another is shown
    doctor.wait_for()
    assert "Credentials" in doctor.inner_text()
    try:
        run_cell(page, BROKEN_DAG, timeout_ms=180_000)
        run_cell(page, "%mwaa import-errors")
        errors = tables.nth(1)
        errors.wait_for()
        assert "broken_views.py" in errors.inner_text() and "no_such_module" in errors.inner_text()
        for theme in THEMES:
            set_theme(page, theme)
            shot(page, f"view-tables-{theme_name(theme)}")
            for table, name in ((doctor, "doctor"), (errors, "import-errors")):
                doc_shot(table, f"{name}-{theme_name(theme)}")
            assert_no_overflow(page, ".jp-OutputArea-output table.mwaa-table")
            assert_contrast(page, ".jp-OutputArea-output table.mwaa-table")
    finally:  # the other tests of this session share the emulator's DAG folder
        run_cell(page, "mwaa.undeploy('broken_views.py', wait=False, force=True)")
