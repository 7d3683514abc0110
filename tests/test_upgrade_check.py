"""The upgrade check with real Airflow: an Airflow 2 DAG that ruff's AIR3 rules flag and fix, which Airflow 3 cannot
import before the fix and imports after it; ``%mwaa upgrade-check`` on an environment's S3 DAG folder (the session
emulator's Airflow 2 environment), failing the cell in one line when the target release cannot import a file.

The target is 3.0.6, the release the session emulator runs (installed wherever these tests run)."""

from __future__ import annotations

import shutil
import uuid

import boto3
import pytest
from cells import error_line, run

from mwaa_magic.gate.upgrade import UpgradeParseFailed, check, sample_dags

TARGET = "3.0.6"


def test_an_airflow2_dag_is_flagged_fixed_and_then_parses_on_airflow3(mwaa_emulator, tmp_path):
    dag = shutil.copy(sample_dags() / "legacy_orders.py", tmp_path / "legacy_orders.py")

    before = check([dag], to=TARGET)
    assert {f.code for f in before.findings} == {"AIR301", "AIR302", "AIR311", "AIR312"}
    assert not before.ok and before.parsed
    assert "No module named 'airflow.operators.dummy'" in before.failures[0].parse_error
    with pytest.raises(UpgradeParseFailed, match="Airflow 3.0.6 could not import legacy_orders.py"):
        before.raise_for_errors()

    after = check([dag], to=TARGET, fix_to=tmp_path / "airflow3", unsafe_fixes=True)
    assert after.ok, after.failures
    assert after.files[0].dag_ids == ("legacy_orders",) and after.files[0].left == ()
    assert after.changed == ["legacy_orders.py"] and (tmp_path / "airflow3" / "legacy_orders.py").is_file()
    parse_row = [r for r in after.table() if r["rule"] == "parse"]
    assert parse_row == [
        {
            "file": "legacy_orders.py",
            "check": "✓",
            "rule": "parse",
            "line": "",
            "finding": "Airflow 3.0.6 imports it: legacy_orders",
            "fix": "",
        }
    ]


@pytest.mark.airflow2
def test_the_magic_checks_the_environment_dag_folder_and_fails_on_a_parse_failure(ipython, tmp_path):
    name = f"legacy_cleanup_{uuid.uuid4().hex[:8]}.py"
    body = (sample_dags() / "legacy_cleanup.py").read_bytes().replace(b'"legacy_cleanup"', f'"{name[:-3]}"'.encode())
    s3 = boto3.client("s3")
    s3.put_object(Bucket="airflow-demo-airflow2", Key=f"dags/{name}", Body=body)
    try:
        assert run(ipython, "%mwaa_login demo-airflow2")[0].success
        result, out = run(ipython, f"%mwaa upgrade-check --to {TARGET} --fix {tmp_path / 'fixed'} --unsafe-fixes -o upgrade")
        line = error_line(result, out)
        assert f"UpgradeParseFailed: Airflow {TARGET} could not import {name}: ImportError" in line and "days_ago" in line
        report = ipython.user_ns["upgrade"]
        rows = {(r["file"], r["check"], r["rule"]) for r in report.table()}
        assert ("hello_world.py", "✓", "parse") in rows and (name, "✗", "parse") in rows
        assert (name, "fixed", "AIR301") in rows and (name, "⚠", "AIR301") in rows  # schedule_interval; days_ago
        assert (tmp_path / "fixed" / name).is_file() and f"+++ b/{name}" in out
    finally:
        s3.delete_object(Bucket="airflow-demo-airflow2", Key=f"dags/{name}")


@pytest.mark.airflow2
def test_the_sample_dags_are_airflow2_dags(mwaa_emulator, tmp_path):
    from mwaa_magic.gate.parse import parse_files

    copy = shutil.copytree(sample_dags(), tmp_path / "airflow2_dags")  # Airflow's import leaves __pycache__ behind
    report = parse_files("2.10.3", [copy])
    assert report.ok and report.dag_ids == ["legacy_cleanup", "legacy_orders"]
