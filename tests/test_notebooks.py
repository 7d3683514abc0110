"""The sample notebooks run top to bottom against the emulator (real Airflow) and save no secret.

Each notebook is executed with nbclient in a fresh kernel whose environment points at the emulator;
any error fails the test, except in cells tagged ``raises-exception`` (the troubleshooting examples).
The executed notebook is written out and scanned for every token, cookie and JWT the emulator issued.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import mwaa_magic

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
EXPECTED = [
    "quickstart.ipynb",
    "trigger-and-monitor.ipynb",
    "environment-picker.ipynb",
    "airflow-client.ipynb",
    "cli-and-troubleshooting.ipynb",
    "develop-a-dag.ipynb",
    "upgrade-to-airflow-3.ipynb",
]
CELL_TIMEOUT = 300  # seconds per cell: a DAG run waits for the scheduler


def test_every_notebook_is_there():
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", EXPECTED)
def test_committed_notebook_is_clean(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and "emulator" in first.source and "MWAA_ENVIRONMENT" in first.source
    setup = next(c for c in nb.cells if c.cell_type == "code")
    assert 'ENV = os.environ.get("MWAA_ENVIRONMENT", "demo-airflow3")' in setup.source
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{name}: saved with outputs"
            assert "%mwaa ui" not in cell.source, f"{name}: %mwaa ui may show a token link outside JupyterLab"
    assert "widgets" not in nb.metadata, f"{name}: saved with widget state"


@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_runs_against_the_emulator(name, mwaa_emulator, tmp_path):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        startup_timeout=120,
        kernel_name="python3",
        allow_errors=False,
        store_widget_state=True,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    env = mwaa_emulator.client_env(tmp_path)
    env.pop("MWAA_ENVIRONMENT", None)  # the notebooks' defaults are the emulator's environments
    # the kernel imports the mwaa_magic under test (a checkout's, not whatever the venv has installed)
    source_root = str(Path(mwaa_magic.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (source_root, env.get("PYTHONPATH", "")) if p)
    started = time.monotonic()
    client.execute(env=env, cwd=str(tmp_path))
    elapsed = time.monotonic() - started
    print(f"{name}: executed in {elapsed:.1f}s")

    executed = tmp_path / name
    nbformat.write(nb, executed)
    text = executed.read_text()

    # the raises-exception cells did fail, each with one line (no traceback wall)
    for cell in (c for c in nb.cells if c.cell_type == "code"):
        if "raises-exception" in cell.metadata.get("tags", []):
            errors = [o for o in cell.outputs if o.output_type == "error"]
            assert errors, f"{name}: a raises-exception cell did not fail: {cell.source!r}"
            if "--debug" not in cell.source:
                assert len(errors[0].traceback) == 1, f"{name}: traceback shown for {cell.source!r}"
        else:
            assert not [o for o in cell.outputs if o.output_type == "error"], cell.source

    secrets = [s for s in mwaa_emulator.admin.secrets() if s]
    assert secrets, "the emulator issued no token: did the notebook log in?"
    leaked = [s[:8] + "..." for s in secrets if s in text or json.dumps(s)[1:-1] in text]
    assert not leaked, f"{name}: {len(leaked)} emulator secret(s) in the executed notebook: {leaked}"
