"""Opening a sample notebook in JupyterLab and saving it leaves the file as it is in git (issue 12)."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest
from lab_helpers import wait_for_idle_kernel

pytestmark = pytest.mark.browser
NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


@pytest.mark.parametrize("name", ["quickstart.ipynb", "trigger-and-monitor.ipynb"])
def test_open_and_save_changes_nothing(page, lab, name):
    # as stored, but with this machine's Python in language_info (Lab writes the kernel's own version there)
    notebook = nbformat.read(NOTEBOOKS / name, as_version=nbformat.NO_CONVERT)
    notebook.metadata.language_info.version = sys.version.split()[0]
    expected = nbformat.writes(notebook) + "\n"
    (lab.root / name).write_text(expected)
    page.evaluate("async (path) => { await window.jupyterapp.commands.execute('docmanager:open', {path}); }", name)
    page.wait_for_function(
        "(name) => { const w = window.jupyterapp.shell.currentWidget; return w && w.context && w.context.path === name; }",
        arg=name,
    )
    wait_for_idle_kernel(page)
    page.evaluate("async () => { await window.jupyterapp.shell.currentWidget.context.save(); }")
    assert (lab.root / name).read_text() == expected
