"""Issue 20, version support: THE table of MWAA's Airflow versions (core/support.py), its states on injected
days (91, 90, 89 days before the end of support, the day itself, after, no date, not listed), and how
``%mwaa envs`` and ``%mwaa doctor`` (table, --json, terminal) show them for an emulator environment."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from IPython.utils.capture import capture_output

from mwaa_magic.core import support
from mwaa_magic.core.control_plane import EnvironmentInfo
from mwaa_magic.core.doctor import aws_checks, doctor
from mwaa_magic.core.doctor.state import RunState
from mwaa_magic.core.support import BY_VERSION, VERSIONS, WARN_DAYS, support_for
from mwaa_magic.emulator.releases import RELEASES

END = date(2025, 12, 30)  # 2.4.3, 2.5.1 and 2.6.3's end of support (AWS's deprecated-versions table)


def run(shell, line: str) -> tuple[object, str]:
    with capture_output() as captured:
        result = shell.run_cell(line)
    shown = "".join(o.data.get("text/plain", "") for o in captured.outputs)
    return result, captured.stdout + captured.stderr + shown


# --- the table ----------------------------------------------------------------------------------------
def test_the_table_holds_every_version_mwaa_runs_or_ran_with_its_source():
    versions = [entry.version for entry in VERSIONS]
    assert len(versions) == len(set(versions))
    ran = {"1.10.12", "2.0.2", "2.2.2", "2.4.3", "2.5.1", "2.6.3"}  # AWS's deprecated-versions table
    runs = {"2.7.2", "2.8.1", "2.9.2", "2.10.1", "2.10.3", "2.11.0", "2.11.2", "3.0.6", "3.2.1", "3.3.1"}
    assert set(versions) == ran | runs
    assert {v for v in versions if BY_VERSION[v].end_of_support is not None} == ran  # the page dates no other
    assert set(RELEASES) - {"3.1.8"} <= runs  # every MWAA release the emulator installs is in it
    assert support.SOURCE.startswith("https://docs.aws.amazon.com/mwaa/latest/userguide/")
    assert all(e.available and (e.end_of_support is None or e.available < e.end_of_support) for e in VERSIONS)


@pytest.mark.parametrize(
    "days_before, state, warns",
    [
        (91, "deprecated", False),
        (90, "deprecated", False),  # "fewer than 90 days away" warns: 90 does not
        (89, "deprecated", True),
        (1, "deprecated", True),
        (0, "unsupported", True),  # on the end-of-support date AWS stops creating environments on it
        (-400, "unsupported", True),
    ],
)
def test_states_and_the_warning_around_the_end_of_support(days_before, state, warns):
    found = support_for("2.6.3", on=END - timedelta(days=days_before))
    assert (found.state, found.warn, found.days_left) == (state, warns, days_before)
    assert found.end_of_support == "2025-12-30" and found.to_json()["end_of_support"] == "2025-12-30"
    if state == "deprecated":
        assert found.short == "deprecated: ends 2025-12-30" and f"in {days_before} days" in found.summary
    else:
        assert found.short == "unsupported since 2025-12-30" and "since 2025-12-30" in found.summary


@pytest.mark.parametrize("on", [date(2024, 1, 1), date(2026, 12, 4), date(2040, 1, 1)])
def test_a_version_without_a_date_is_supported_with_an_unknown_end_whatever_the_day(on):
    found = support_for("3.3.1", on=on)
    assert (found.state, found.end_of_support, found.days_left, found.warn) == ("supported", "unknown", None, False)
    assert found.to_json() == {
        "version": "3.3.1",
        "state": "supported",
        "end_of_support": "unknown",
        "days_left": None,
        "available_since": "2026-09-01",
        "source": support.SOURCE,
        "read_on": support.READ_ON.isoformat(),
    }


@pytest.mark.parametrize("version", ["3.1.8", "9.9.9", "", None])
def test_a_version_not_on_aws_s_page_is_unknown_never_guessed(version):
    found = support_for(version, on=date(2026, 1, 1))
    assert (found.state, found.end_of_support, found.warn, found.short) == ("unknown", "unknown", False, "unknown")
    assert found.to_json()["available_since"] == "unknown"


def test_today_is_the_default_day(monkeypatch):
    monkeypatch.setattr(support, "today", lambda: END - timedelta(days=89))
    assert support_for("v2.4.3").warn and support_for("2.4.3").state == "deprecated"
    monkeypatch.setattr(support, "today", lambda: END - timedelta(days=91))
    assert not support_for("2.4.3").warn


# --- the doctor's row ---------------------------------------------------------------------------------
def version_row(version: str | None):
    state = RunState("env", "us-east-1", None, None, None)
    if version is not None:
        state.info = EnvironmentInfo("env", "us-east-1", status="AVAILABLE", airflow_version=version)
    return aws_checks.version_support(state, 1.0), state


@pytest.mark.parametrize("days_before, status", [(91, "ok"), (90, "ok"), (89, "warn"), (-1, "warn")])
def test_the_doctor_row_warns_never_fails_under_90_days(monkeypatch, days_before, status):
    monkeypatch.setattr(support, "today", lambda: END - timedelta(days=days_before))
    outcome, state = version_row("2.5.1")
    assert outcome.status == status and "2025-12-30" in outcome.found
    assert state.support is not None and state.support["days_left"] == days_before
    if status == "warn":
        assert "upgrade the environment" in outcome.fix and support.SOURCE in outcome.fix
        assert ("now" in outcome.fix) == (days_before < 0)
    assert WARN_DAYS == 90


def test_the_doctor_row_for_an_unknown_version_or_no_answer(monkeypatch):
    assert version_row("3.1.8")[0].status == "n/a"
    assert version_row(None)[0].status == "skipped"


def test_doctor_on_an_emulator_environment_shows_its_version_s_support(aws):
    """fast3 announces Airflow 3.0.6 (one of the table's entries): the row passes and --json carries the dates."""
    diagnosis = doctor("fast3")
    row = next(r for r in diagnosis if r["check"] == "Airflow version support")
    assert row["status"] == "ok" and "Airflow 3.0.6 is supported" in row["found"] and "unknown" in row["found"]
    data = diagnosis.to_json()
    assert data["airflow_support"] == support_for("3.0.6").to_json()
    assert data["airflow_support"]["state"] == "supported" and data["ok"]


def test_doctor_json_magic_carries_the_support(shell, aws):
    result, out = run(shell, "%mwaa doctor fast2 --json")
    assert result.success, out
    printed = json.loads(out)
    assert printed["airflow_support"]["version"] == "2.10.3" and printed["airflow_support"]["end_of_support"] == "unknown"
    assert any(c["check"] == "Airflow version support" and c["mark"] == "✓" for c in printed["checks"])


def test_the_terminal_doctor_shows_the_same_row_and_json(aws):
    """``python -m mwaa_magic doctor``: the row in its table and ``airflow_support`` in its --json."""
    import os
    import subprocess
    import sys

    def terminal(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "mwaa_magic", "doctor", "fast2", *args],
            capture_output=True,
            text=True,
            env=dict(os.environ),
            timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    assert re.search(r"Airflow version support.*Airflow 2\.10\.3 is supported", terminal())
    assert json.loads(terminal("--json"))["airflow_support"] == support_for("2.10.3").to_json()


# --- %mwaa envs ---------------------------------------------------------------------------------------
def test_envs_shows_each_version_s_support_state(shell, aws):
    result, out = run(shell, "%mwaa envs -o found")
    assert result.success, out
    assert re.search(r"fast3\s.*3\.0\.6\s+supported", out), out
    by = {row["name"]: row for row in shell.user_ns["found"]}
    assert by["fast2"]["support"] == "supported" and by["fast2"]["airflow_support"]["version"] == "2.10.3"


def test_envs_json_carries_the_states_and_dates(shell, aws):
    result, out = run(shell, "%mwaa envs --json -o found")
    assert result.success, out
    printed = {row["name"]: row for row in json.loads(out)}
    assert printed["fast3"]["airflow_support"] == support_for("3.0.6").to_json()
    assert printed["fast3"]["airflow_version"] == "3.0.6" and printed["fast3"]["support"] == "supported"
    assert [row["name"] for row in shell.user_ns["found"]] == list(printed)  # -o stores the same rows


def test_the_docs_page_shows_the_table_as_it_is():
    """docs/versions.md's support table is THE table's rows on the day it was read (no second copy to drift)."""
    from pathlib import Path

    page = (Path(__file__).parents[2] / "docs" / "versions.md").read_text()
    shown = re.findall(r"^\| (\d+\.\d+\.\d+) \| (\d{4}-\d\d-\d\d) \| ([\w-]+) \| (\w+) \|$", page, re.M)
    expected = []
    for entry in VERSIONS:
        found = support_for(entry.version, on=support.READ_ON)
        expected.append((entry.version, entry.available.isoformat(), found.end_of_support, found.state))
    assert sorted(shown) == sorted(expected)
    assert support.SOURCE in page and support.READ_ON.isoformat() in page
