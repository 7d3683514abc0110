"""The sample notebooks are saved the way JupyterLab writes them, so opening one does not change it (issue 12)."""

from __future__ import annotations

import functools
import re
import sys
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))


@functools.lru_cache(maxsize=1)
def lab_metadata() -> dict:
    """What JupyterLab puts in a notebook's metadata once the python3 (ipykernel) kernel has started."""
    from ipykernel.ipkernel import IPythonKernel
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec("python3")
    info = dict(IPythonKernel.language_info, version=sys.version.split()[0])
    return {
        "kernelspec": {"display_name": spec.display_name, "language": spec.language, "name": "python3"},
        "language_info": info,
    }


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_saved_as_lab_saves_it(path):
    text = path.read_text()
    notebook = nbformat.reads(text, as_version=nbformat.NO_CONVERT)
    stored_python = notebook.metadata.get("language_info", {}).get("version", "")
    assert re.fullmatch(r"3\.\d+\.\d+", stored_python), "run: python tests/fast/test_notebook_files.py (rewrites them)"
    # Lab writes the kernel's own Python there: any machine's is as good as this one's
    expected = {**lab_metadata(), "language_info": {**lab_metadata()["language_info"], "version": stored_python}}
    assert notebook.metadata == expected, "run: python tests/fast/test_notebook_files.py (rewrites them)"
    assert text == nbformat.writes(notebook) + "\n", "not in nbformat's own layout"
    for cell in notebook.cells:
        assert cell.get("id") and (cell.cell_type != "code" or (cell.outputs == [] and cell.execution_count is None))


if __name__ == "__main__":  # normalise the notebooks in place
    for path in NOTEBOOKS:
        notebook = nbformat.read(path, as_version=nbformat.NO_CONVERT)
        notebook.metadata = lab_metadata()
        path.write_text(nbformat.writes(notebook) + "\n")
        print("rewrote", path.name)
