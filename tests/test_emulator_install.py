"""`python -m mwaa_magic.emulator install`: what it prints and what it leaves behind."""

from __future__ import annotations

import sys
import tempfile

import pytest

from mwaa_magic.emulator.airflow_env import venv_dir
from mwaa_magic.emulator.install import Installation, is_installed, reports_version


def test_every_install_line_names_its_version(capsys):
    """Two versions install in parallel: each line says which one it is about."""
    run = Installation("9.9.9")
    run.step("probe", [sys.executable, "-c", "print('noise')"])
    run.say("ready")
    with pytest.raises(RuntimeError, match="airflow 9.9.9: broken failed"):
        run.step("broken", [sys.executable, "-c", "raise SystemExit(3)"])
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and all(line.startswith("airflow 9.9.9: ") for line in lines), lines
    assert set(run.timings) == {"probe", "broken"}


def test_version_check_leaves_no_temporary_airflow_home(tmp_path, monkeypatch):
    if not is_installed("3.0.6"):
        pytest.skip("Airflow 3.0.6 is not installed: python -m mwaa_magic.emulator install")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert reports_version(venv_dir("3.0.6"), "3.0.6")
    assert not list(tmp_path.iterdir())
