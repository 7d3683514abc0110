"""Opening a sample notebook in JupyterLab and saving it leaves the file as it is in git (issue 12)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from lab_helpers import wait_for_idle_kernel

pytestmark = pytest.mark.browser
NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


@pytest.mark.parametrize("name", ["quickstart.ipynb", "trigger-and-monitor.ipynb"])
def test_open_and_save_changes_nothing(page, lab, name):
    shutil.copy(NOTEBOOKS / name, lab.root / name)
    page.evaluate("async (path) => { await window.jupyterapp.commands.execute('docmanager:open', {path}); }", name)
    page.wait_for_function("(name) => { const w = window.jupyterapp.shell.currentWidget;"
                           " return w && w.context && w.context.path === name; }", arg=name)
    wait_for_idle_kernel(page)
    page.evaluate("async () => { await window.jupyterapp.shell.currentWidget.context.save(); }")
    assert (lab.root / name).read_text() == (NOTEBOOKS / name).read_text()
