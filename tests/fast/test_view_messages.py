"""Messages that help (issue 19 #7): did you mean, the nearest DAG ids, help that reads as line magics, no markup."""

from __future__ import annotations

import pytest
from cells import assert_one_line, run

pytestmark = pytest.mark.fast


def listings(stub) -> list[str]:
    return [p for m, p in stub.state.requests if m == "GET" and p.endswith("/dags")]


@pytest.mark.parametrize("line", ["%mwaa triger dag_001", "%mwaa help triger"])
def test_a_mistyped_subcommand_gets_did_you_mean(shell, line):
    assert_one_line(*run(shell, line), "'triger'", "did you mean trigger?")


def test_help_reads_as_a_line_magic(shell):
    result, out = run(shell, "%mwaa ui -h")
    assert result.success and out.lstrip().startswith("usage: %mwaa ui") and "::" not in out and "%%" not in out, out
    assert "  %mwaa trigger " in run(shell, "%mwaa help")[1]


@pytest.mark.parametrize(
    "line", ["%mwaa trigger dag_042x", "mwaa.dag('dag_042x')", "mwaa.pause('dag_042x')", "%mwaa runs dag_042x"]
)
def test_a_missing_dag_names_the_nearest_ones(shell, stub, line):
    assert run(shell, "%mwaa_login fast3")[0].success
    before = len(listings(stub))
    line_shown = assert_one_line(
        *run(shell, line), "No DAG 'dag_042x' in fast3", "did you mean dag_042?", "DAGs there: dag_000", "(250 in all)"
    )
    assert "(404)" not in line_shown
    assert len(listings(stub)) == before + 1  # one listing, after the 404


def test_a_found_dag_costs_no_listing(shell, stub):
    assert run(shell, "%mwaa_login fast3")[0].success
    before = len(listings(stub))
    assert run(shell, "%mwaa trigger dag_001")[0].success
    assert len(listings(stub)) == before


def test_logging_in_again_as_the_same_identity_prints_nothing(shell):
    assert run(shell, "%mwaa_login fast3")[0].success
    result, out = run(shell, "%mwaa_login fast3")
    assert result.success and " was " not in out and "now" not in out, out


def test_the_login_card_text_has_no_markup(shell):
    result, out = run(shell, "%mwaa_login fast3")
    text = out.outputs[0].data["text/plain"]
    assert "`" not in text and "mwaa (transport" in text, text


def test_a_mistyped_environment_names_the_nearest_and_the_doctor_runs_on_it(shell):
    line = assert_one_line(*run(shell, "%mwaa_login fast33"), "No MWAA environment named 'fast33'", "did you mean fast3?")
    assert "%mwaa doctor fast3`" in line and "doctor fast33" not in line
