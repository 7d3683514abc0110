"""The upgrade check's ruff part, with no Airflow: ruff's AIR3 findings with their fixes, the fixed copies and their
diff (the sources untouched), the rules chosen for the target release, and bad input in one line each."""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

import pytest

pytest.importorskip("ruff")  # the minimum-versions venv installs no extra

from mwaa_magic.core import errors
from mwaa_magic.gate import ruff_rules
from mwaa_magic.gate.upgrade import check, sample_dags, target_release

CLEANUP = "airflow2_dags/legacy_cleanup.py"
ORDERS = "airflow2_dags/legacy_orders.py"


@pytest.fixture
def dags(tmp_path: Path) -> Path:
    """A copy of the Airflow 2 sample DAGs."""
    return Path(shutil.copytree(sample_dags(), tmp_path / "airflow2_dags"))


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.glob("*.py")}


def _rows(report, name: str) -> list[tuple[str, str, str]]:
    return [(r["check"], r["rule"], r["finding"]) for r in report.table() if r["file"] == name]


def test_each_finding_comes_with_ruff_fix_or_says_there_is_none(dags):
    report = check([dags], parse=False)
    codes = {name: [(f.code, f.line) for f in report.findings if f.path == name] for name in (CLEANUP, ORDERS)}
    assert ("AIR302", 30) in codes[ORDERS] and ("AIR301", 24) in codes[ORDERS]  # DummyOperator, schedule_interval
    assert ("AIR301", 18) in codes[CLEANUP] and ("AIR301", 22) in codes[CLEANUP]  # days_ago, provide_context
    dummy = next(f for f in report.findings if f.code == "AIR302")
    assert dummy.applicability == "safe" and "EmptyOperator" in dummy.fix and dummy.edits
    assert dummy.url.endswith("airflow3-moved-to-provider")
    days_ago = next(f for f in report.findings if "days_ago" in f.message)
    assert days_ago.applicability == "" and days_ago.fix_text == "no automatic fix: edit by hand"
    assert all(r["check"] == "⚠" for r in report.table()) and report.ok and not report.parsed
    assert "not parsed (--no-parse)" in report.table().title and "AIR3 (preview)" in report.table().title


def test_fix_writes_copies_and_their_diff_and_leaves_the_sources_alone(dags, tmp_path):
    before = _digests(dags)
    report = check([dags], parse=False, fix_to=tmp_path / "out", unsafe_fixes=True)
    assert _digests(dags) == before
    fixed = (tmp_path / "out" / ORDERS).read_text()
    assert "from airflow.providers.standard.operators.empty import EmptyOperator" in fixed
    assert "import DummyOperator" not in fixed and "import Dataset" not in fixed  # imports the fixes left unused
    assert "schedule=None" in fixed and "from airflow.sdk import DAG, Asset" in fixed
    assert "-from airflow.operators.dummy import DummyOperator\n" in report.diff
    assert f"--- a/{ORDERS}\n+++ b/{ORDERS}\n" in report.diff
    assert sorted(report.changed) == [CLEANUP, ORDERS]
    assert {check for check, _, _ in _rows(report, ORDERS)} == {"fixed"}
    left = [(rule, finding) for check, rule, finding in _rows(report, CLEANUP) if check == "⚠"]
    assert [rule for rule, _ in left] == ["AIR301", "AIR301"] and "days_ago" in left[0][1] and "provide_context" in left[1][1]


def test_without_unsafe_fixes_only_the_safe_ones_are_applied(dags, tmp_path):
    report = check([dags], parse=False, fix_to=tmp_path / "out")
    fixed = (tmp_path / "out" / ORDERS).read_text()
    assert "from airflow import DAG" in fixed and "EmptyOperator(task_id" in fixed  # AIR311's move of DAG is unsafe
    dag_row = next(r for r in report.table() if r["file"] == ORDERS and "airflow.DAG" in r["finding"])
    assert dag_row["check"] == "⚠" and "--unsafe-fixes" in dag_row["fix"]


def test_rules_for_a_later_airflow_3_release_stay_out_below_it(tmp_path):
    dag = tmp_path / "tz_dag.py"
    dag.write_text(
        "from airflow.utils.timezone import convert_to_utc\nfrom datetime import datetime\n\nconvert_to_utc(datetime.now())\n"
    )
    codes = {version: [f.code for f in check([dag], to=version, parse=False).findings] for version in ("3.0.6", "3.3.1")}
    assert "AIR321" not in codes["3.0.6"] and "AIR321" in codes["3.3.1"]
    binary = ruff_rules.ruff_binary()
    assert "AIR321" in ruff_rules.selection(binary, (3, 0))[-1] and "--ignore" not in ruff_rules.selection(binary, (3, 3))


def test_the_target_is_one_of_mwaa_airflow_3_releases():
    assert target_release() == "3.3.1" and target_release("3.0.6") == "3.0.6"
    for wrong in ("2.10.3", "9.9", "", 3):
        with pytest.raises(errors.InvalidArgument, match="3.3.1, 3.2.1, 3.0.6"):
            target_release(wrong)


def test_fix_never_writes_over_or_among_the_files_checked(dags, tmp_path):
    for folder in (tmp_path, dags, dags / "inside"):
        with pytest.raises(errors.InvalidArgument, match="give another folder"):
            check([dags], parse=False, fix_to=folder)
    (tmp_path / "a_file").write_text("x")
    with pytest.raises(errors.InvalidArgument, match="that is a file"):
        check([dags], parse=False, fix_to=tmp_path / "a_file")


def test_missing_input_is_one_line(tmp_path):
    with pytest.raises(errors.InvalidDagFile, match="No file or folder"):
        check([tmp_path / "nope.py"], parse=False)
    with pytest.raises(errors.InvalidDagFile, match="Nothing to check"):
        check([], parse=False)
    with pytest.raises(errors.NoSession):
        check(None, parse=False)


def test_without_ruff_it_says_how_to_install_it(monkeypatch, dags):
    monkeypatch.setitem(sys.modules, "ruff.__main__", None)
    with pytest.raises(ruff_rules.RuffMissing, match=r"pip install 'mwaa_magic\[emulator\]'"):
        check([dags], parse=False)


def test_the_magic_shows_the_diff_and_table_and_stores_the_report(shell, dags, tmp_path, capsys):
    shell.run_line_magic("mwaa", f"upgrade-check {dags} --no-parse --fix {tmp_path / 'out'} --unsafe-fixes -o upgrade")
    shown = capsys.readouterr().out
    assert "+from airflow.providers.standard.operators.empty import EmptyOperator" in shown
    assert "Upgrade check for Airflow 3.3.1" in shown and "no automatic fix: edit by hand" in shown
    report = shell.user_ns["upgrade"]
    assert report.fixed_to == str(tmp_path / "out") and len(report.findings) == 11


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ("--to 2.10.3 {dags}", "upgrade to one of MWAA's Airflow 3 releases"),
        ("--unsafe-fixes {dags}", "--unsafe-fixes goes with --fix DIR"),
        ("{dags}/missing.py --no-parse", "No file or folder"),
    ],
)
def test_the_magic_refuses_bad_input_in_one_line(shell, dags, arguments, message):
    result = shell.run_cell(f"%mwaa upgrade-check {arguments.format(dags=dags)}")
    assert message in str(result.error_in_exec)
    assert isinstance(result.error_in_exec, errors.MwaaError)


def test_an_import_the_fixes_left_unused_stays_where_other_unused_imports_were(tmp_path):
    dag = tmp_path / "mixed.py"
    dag.write_text(
        "import json  # unused before the upgrade: not ours to remove\n"
        "from airflow import DAG\nfrom airflow.operators.dummy import DummyOperator\n\n"
        "with DAG('mixed', schedule=None):\n    DummyOperator(task_id='start')\n"
    )
    report = check([dag], parse=False, fix_to=tmp_path / "out")
    fixed = (tmp_path / "out" / "mixed.py").read_text()
    assert "import json" in fixed and "from airflow.operators.dummy import DummyOperator" in fixed and "EmptyOperator(" in fixed
    unused = [r for r in report.table() if r["rule"] == "F401"]
    assert len(unused) == 1 and "DummyOperator" in unused[0]["finding"] and unused[0]["check"] == "⚠"
    assert "remove it by hand" in unused[0]["fix"]
