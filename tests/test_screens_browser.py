"""What a user sees in JupyterLab for `%mwaa doctor` and for a DAG with an import error (README screenshots:
rewritten in docs/screenshots/ only with MWAA_MAGIC_DOC_SCREENSHOTS=1, see its README.md)."""

from __future__ import annotations

import pytest
from lab_helpers import doc_shot, new_notebook, run_cell, shot

pytestmark = pytest.mark.browser
BROKEN_DAG = """%%mwaa_dag broken_report.py --timeout 120
import pendulum
from airflow import DAG
from airflow.operators.bash import BashOperator
import no_such_module  # the deliberate mistake

with DAG("broken_report", start_date=pendulum.datetime(2026, 1, 1), schedule=None):
    BashOperator(task_id="hello", bash_command="echo hello")
"""


def keep(page, name: str) -> None:
    """A screenshot in test-output/screenshots and, for the README, the last outputs (cropped) in docs/screenshots."""
    shot(page, name)
    doc_shot(page.locator(".jp-OutputArea:has(.jp-OutputArea-output)").last, name)


def test_doctor_table_in_a_notebook(page):
    new_notebook(page)
    run_cell(page, "%load_ext mwaa_magic")
    run_cell(page, "%mwaa doctor demo-airflow3", timeout_ms=120_000)
    table = page.locator(".jp-OutputArea-output table").last
    table.wait_for()
    text = table.inner_text()
    assert "Credentials" in text and "Web login" in text and "REST call" in text and "✓" in text
    assert "✗" not in text
    keep(page, "doctor")


def test_import_error_shown_in_the_cell(page):
    new_notebook(page)
    run_cell(page, "%load_ext mwaa_magic\n%mwaa_login demo-airflow3")
    run_cell(page, BROKEN_DAG, timeout_ms=180_000)
    try:
        page.locator(".jp-OutputArea-output").last.wait_for()
        text = page.locator(".jp-Notebook").inner_text()
        assert "no_such_module" in text and "DagImportError" in text
        keep(page, "dag-import-error")
    finally:  # the other tests of this session share the emulator's DAG folder
        run_cell(page, "mwaa.undeploy('broken_report.py', wait=False, force=True)")
