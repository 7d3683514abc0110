"""%mwaa doctor against the emulator's real Airflow 3: a healthy run passes every check, with no secret shown."""

from __future__ import annotations

import json

from IPython.utils.capture import capture_output

from mwaa_magic.core import doctor as doctor_module
from mwaa_magic.core.doctor import table as doctor_table


def test_a_healthy_airflow3_environment_passes_every_check(ipython, mwaa_env, monkeypatch):
    # the emulator starts an Airflow CLI process per command: on a busy 2-core machine that can pass 12 s
    monkeypatch.setattr(doctor_table, "CHECKS", doctor_module.with_timeouts(doctor_table.CHECKS, cli=25.0))
    with capture_output() as captured:
        result = ipython.run_cell("%mwaa doctor demo-airflow3 --json -o found")
    diagnosis = ipython.user_ns["found"]
    assert result.success, repr(diagnosis)
    assert json.loads(captured.stdout) == diagnosis.to_json()
    by = {row["check"]: row for row in diagnosis}
    assert diagnosis.ok and all(row["status"] in ("ok", "n/a") for row in diagnosis), repr(diagnosis)
    assert "arn:aws:sts::123456789012:assumed-role/Admin/alice" in by["Identity (STS)"]["found"]
    assert "Airflow 3.0.6" in by["InvokeRestApi"]["found"] and "Airflow 3.0.6" in by["REST call"]["found"]
    assert "3.0.6" in by["CLI"]["found"]
    assert by["Web login"]["found"].startswith("logged in as Airflow user admin (Airflow 3")
    shown = captured.stdout + repr(diagnosis) + diagnosis._repr_html_()
    assert [s[:6] for s in mwaa_env.admin.secrets() if s in shown] == []
