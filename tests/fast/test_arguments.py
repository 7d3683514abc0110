"""Bad arguments to the magics and to the Python API end in one line before any call, through the same checks
(mwaa_magic.core.arguments; issue 17 #11, #12). The number of cases here is the count the issue asks for:
``pytest tests/fast/test_arguments.py -q`` reports how many bad inputs were tried and how many ended cleanly."""

from __future__ import annotations

import pytest
from cells import assert_one_line, run

DEEP = "[" * 5000 + "]" * 5000
WIDE = "é" * 20_000

MAGIC_CASES = [
    ("%mwaa trigger etl --conf '{\"a\": NaN}'", "NaN"),
    ("%mwaa trigger etl --conf '{\"a\": Infinity}'", "Infinity"),
    ("%mwaa trigger etl --conf '{\"a\": -Infinity}'", "Infinity"),
    ("%mwaa trigger etl --conf '{\"a\": 1e999}'", "inf"),
    ("%mwaa trigger etl --conf '{\"a\": [1, 2, -1e999]}'", "inf"),
    (f"%mwaa trigger etl --conf '{{\"a\": {DEEP}}}'", "nested"),
    ('%mwaa trigger etl --conf \'{"a": ' + "[" * 150 + "]" * 150 + "}'", "nested"),
    ("%mwaa trigger etl --conf '[1]'", "JSON object"),
    ("%mwaa deploy x.py --conf '{\"a\": NaN}'", "NaN"),
    (f"%mwaa runs {WIDE}", "DAG id"),
    ("%mwaa runs 'two words'", "DAG id"),
    ("%mwaa runs a/b", "DAG id"),
    (f"%mwaa trigger {'x' * 251}", "DAG id"),
    (f"%mwaa wait etl {'r' * 251}", "run id"),
    ("%mwaa wait 'e tl' r1", "DAG id"),
    ("%mwaa wait etl r1 --timeout nan", "timeout"),
    ("%mwaa wait etl r1 --timeout inf", "timeout"),
    ("%mwaa wait etl r1 --timeout -1", "timeout"),
    ("%mwaa wait etl r1 --timeout 1e12", "timeout"),
    (f"%mwaa logs etl r1 {WIDE}", "task id"),
    ("%mwaa logs etl r1 t1 --try 0", "try"),
    ("%mwaa runs etl --limit 0", "limit"),
    ("%mwaa runs etl --limit 100000000", "limit"),
]

API_CASES = [
    ("mwaa.trigger('etl', conf={'a': float('nan')})", "NaN"),
    ("mwaa.trigger('etl', conf={'a': float('inf')})", "inf"),
    ("mwaa.trigger('etl', conf={'a': object()})", "object"),
    ("mwaa.trigger('etl', conf={1: 'x'})", "key"),
    ("mwaa.trigger('etl', conf=[1])", "JSON object"),
    ("d = {}\nfor _k in range(5000): d = {'a': d}\nmwaa.trigger('etl', conf=d)", "nested"),
    ("mwaa.trigger(123)", "DAG id"),
    ("mwaa.trigger('etl', run_id='x' * 300)", "run id"),
    ("mwaa.trigger('etl', wait=True, timeout=float('nan'))", "timeout"),
    ("mwaa.get('/' + 'a' * 70000)", "too long"),
    ("mwaa.dag_runs(limit='x')", "limit"),
    ("mwaa.dag_runs(limit=True)", "limit"),
    ("mwaa.dag_runs(limit=0)", "limit"),
    ("mwaa.dag_runs('é' * 20000)", "DAG id"),
    ("mwaa.dag_run('etl', None)", "run id"),
    ("mwaa.wait({})", "not a DAG run"),
    ("mwaa.wait(None)", "not a DAG run"),
    ("mwaa.wait({'dag_id': 'etl'})", "not a DAG run"),
    ("mwaa.wait({'dag_id': 'etl', 'dag_run_id': 'r1'}, timeout=float('nan'))", "timeout"),
    ("mwaa.wait({'dag_id': 'etl', 'dag_run_id': 'r1'}, poll=-1)", "poll"),
    ("mwaa.wait({'dag_id': 'etl', 'dag_run_id': 'r1'}, poll=float('nan'))", "poll"),
    ("mwaa.task_logs('etl', 'r1', 't1', try_number='x')", "try"),
    ("mwaa.pause('a b')", "DAG id"),
    ("mwaa.xcom('etl', 'r1', 'a/b')", "task id"),
]

CONNECT_CASES = [
    ("from mwaa_magic.login import connect\nconnect('fast3', region='mars')", "not an AWS region"),
    ("from mwaa_magic.login import connect\nconnect('fast3', region=5)", "not an AWS region"),
    ("from mwaa_magic.login import connect\nconnect('not a name')", "not an MWAA environment name"),
    ("from mwaa_magic.login import connect\nconnect('fast3', transport='carrier-pigeon')", "transport"),
]


def calls(aws, stub) -> tuple[int, int]:
    """AWS calls made so far, and web-server requests."""
    return sum(aws.admin.calls().values()), len(stub.state.requests)


def refused_before_any_call(shell, aws, stub, cell: str, fragment: str) -> None:
    assert run(shell, "%mwaa_login fast3")[0].success
    before = calls(aws, stub)
    assert_one_line(*run(shell, cell), fragment)
    assert calls(aws, stub) == before


@pytest.mark.parametrize("cell, fragment", MAGIC_CASES)
def test_bad_magic_input_ends_in_one_line_before_any_call(shell, aws, stub, cell, fragment):
    refused_before_any_call(shell, aws, stub, cell, fragment)


@pytest.mark.parametrize("cell, fragment", API_CASES)
def test_bad_python_api_input_ends_in_one_line_before_any_call(shell, aws, stub, cell, fragment):
    refused_before_any_call(shell, aws, stub, cell, fragment)


@pytest.mark.parametrize("cell, fragment", CONNECT_CASES)
def test_connect_checks_its_arguments_before_any_call(shell, aws, stub, cell, fragment):
    before = calls(aws, stub)
    assert_one_line(*run(shell, cell), fragment)
    assert calls(aws, stub) == before


@pytest.mark.parametrize("exit_codes", [True, False], ids=["exit-code", "mwaa-no-exit-code"])
@pytest.mark.parametrize("cell", ["%mwaa cli dags nosuch", "%%mwaa_cli\ndags list\ndags nosuch x"])
def test_a_cli_command_airflow_fails_on_fails_the_cell(shell, stub, cell, exit_codes):
    """The emulator reports the exit status; MWAA does not, then Airflow's own error line on stderr decides."""
    stub.state.cli_exit_codes = exit_codes
    assert run(shell, "%mwaa_login fast3")[0].success
    result, out = run(shell, cell)
    assert not result.success, out
    errors = [line for line in out.replace("\x1b[0;31m", "").replace("\x1b[0m", "").splitlines() if "Failed" in line]
    assert "Traceback" not in out and len(errors) == 1, out  # the command's own output, then one line
    assert errors[0].startswith("CliCommandFailed: 'airflow dags nosuch") and "invalid choice: 'nosuch'" in errors[0]


@pytest.mark.parametrize("exit_codes", [True, False], ids=["exit-code", "mwaa-no-exit-code"])
def test_a_cli_warning_on_stderr_alone_is_no_failure(shell, stub, exit_codes):
    stub.state.cli_exit_codes = exit_codes
    assert run(shell, "%mwaa_login fast3")[0].success
    result, out = run(shell, "%mwaa cli dags list --warn")
    assert result.success and "ran: dags list --warn" in out and "FutureWarning" in out
