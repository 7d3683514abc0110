"""The local gate's argument checks (no Airflow runs here): %mwaa check / %mwaa test / --no-local-check and
their Python twins refuse bad input in one line before anything starts; the pure parts (task selection
pattern, secret masking, variables and connections files) on their own."""

from __future__ import annotations

import json
import re

import pytest
from cells import error_line, run

from mwaa_magic.core import errors
from mwaa_magic.core.dagloop import DeployOptions
from mwaa_magic.gate import api, release
from mwaa_magic.gate.dagtest import task_selection
from mwaa_magic.gate.inputs import Inputs, from_files
from mwaa_magic.gate.parse import FileParse, ParseReport


@pytest.mark.parametrize(
    ("cell", "fragments"),
    [
        ("%mwaa check /no/such/dag.py --version 2.10.3", ("InvalidPath", "/no/such/dag.py")),
        ("%mwaa check x.py --version 2.9.2", ("ReleaseNotAvailable", "2.9.2", "3.3.1", "2.10.3")),
        ("%mwaa check x.py --version banana", ("ReleaseNotAvailable", "banana")),
        ("%mwaa test 'bad id!' --version 2.10.3", ("DAG id",)),
        ("%mwaa test etl {dag} --version 2.10.3 --conf '[1]'", ("--conf",)),
        ("%mwaa test etl {dag} --version 2.10.3 --logical-date yesterday", ("ISO 8601", "yesterday")),
        ("%mwaa test etl {dag} --version 2.10.3 --task 'a b'", ("task id",)),
        ("%mwaa test etl {dag} --version 2.10.3 --timeout -1", ("timeout",)),
        ("%mwaa test etl /no/such/folder --version 2.10.3", ("InvalidPath", "/no/such/folder")),
        ("%mwaa test etl {dag} --version 2.10.3 --variables /no/vars.json", ("InvalidPath", "/no/vars.json")),
        ("%mwaa test etl {dag} --version 2.9.2", ("ReleaseNotAvailable", "2.9.2")),
    ],
)
def test_bad_input_is_one_line(shell, tmp_path, cell, fragments):
    dag = tmp_path / "etl.py"
    dag.write_text("from airflow import DAG\n")
    result, out = run(shell, cell.format(dag=dag))
    line = error_line(result, out)
    for fragment in fragments:
        assert fragment in line, line


def test_check_and_test_without_a_version_or_login_say_which_airflow(shell, tmp_path):
    dag = tmp_path / "etl.py"
    dag.write_text("from airflow import DAG\n")
    for cell in (f"%mwaa check {dag}", f"%mwaa test etl {dag}"):
        result, out = run(shell, cell)
        assert "--version" in error_line(result, out)


def test_a_release_not_installed_offline_is_one_line_with_the_install_command(tmp_path, monkeypatch):
    monkeypatch.setenv("MWAA_EMULATOR_CACHE", str(tmp_path))  # nothing installed here
    monkeypatch.setenv("UV_OFFLINE", "1")
    with pytest.raises(release.ReleaseNotInstalled) as caught:
        release.release_venv("2.11.0", say=lambda text: pytest.fail(f"no install may start offline: {text}"))
    assert "python -m mwaa_magic.emulator install --versions 2.11.0" in caught.value.message
    assert "UV_OFFLINE" in caught.value.message and "\n" not in caught.value.message


def test_python_api_checks_every_argument_first(tmp_path):
    dag = tmp_path / "etl.py"
    dag.write_text("x = 1\n")
    for kwargs, fragment in (
        ({"conf": [1]}, "conf must be a JSON object"),
        ({"tasks": 5}, "tasks must be"),
        ({"logical_date": "soon"}, "ISO 8601"),
        ({"inputs_from_environment": "yes"}, "inputs_from_environment must be True or False"),
        ({"timeout": float("nan")}, "timeout"),
        ({"connections": "/no/none.yaml"}, "/no/none.yaml"),
    ):
        with pytest.raises(errors.InvalidInput, match=re.escape(fragment)):
            api.test_request("etl", [dag], **kwargs)
    with pytest.raises(errors.InvalidPath, match="a path or a list"):
        api.test_request("etl", 42)
    request = api.test_request("etl", str(dag), tasks="extract", logical_date="2026-01-31")
    assert request.tasks == ("extract",) and request.paths == (str(dag),) and request.logical_date == "2026-01-31"


def test_no_local_check_is_a_flag():
    with pytest.raises(errors.InvalidOption, match="local_check must be True or False"):
        DeployOptions(local_check="no")  # type: ignore[arg-type]
    assert DeployOptions().local_check is True and DeployOptions(local_check=False).local_check is False


@pytest.mark.parametrize("tasks", [["extract"], ["extract", "ex", "load"], ["a.b-c_d"]])
def test_task_selection_marks_every_other_task(tasks):
    flag, pattern = task_selection(tasks)
    assert flag == "--mark-success-pattern" and "(?=" not in pattern and "(?!" not in pattern  # re2 has no lookaround
    for task in tasks:
        assert re.fullmatch(pattern, task) is None
    for other in ("transform", "", "e", "extracts", "loa", "a.b-c_dd", "a_b-c_d", "x"):
        if other not in tasks:
            assert re.fullmatch(pattern, other), other
    assert task_selection(None) == [] and task_selection([]) == []


def test_inputs_files_in_airflows_formats_and_masking(tmp_path):
    variables = tmp_path / "variables.json"
    variables.write_text(json.dumps({"region": "emea", "api_token": "tok-12345", "limits": {"rows": 3}}))
    connections = tmp_path / "connections.yaml"
    connections.write_text(
        "warehouse:\n  conn_type: postgres\n  host: db.internal\n  login: etl\n  password: pw-secret-9\n"
        '  extra: {"private_key": "pk-777"}\n'
        "api: http://user:uri-pass-1@api.internal/\n"
    )
    inputs = from_files(variables, connections)
    env = inputs.environment()
    assert env["AIRFLOW_VAR_REGION"] == "emea" and json.loads(env["AIRFLOW_VAR_LIMITS"]) == {"rows": 3}
    assert json.loads(env["AIRFLOW_CONN_WAREHOUSE"])["password"] == "pw-secret-9"
    assert env["AIRFLOW_CONN_API"] == "http://user:uri-pass-1@api.internal/"
    assert set(inputs.secrets()) == {"tok-12345", "pw-secret-9", "pk-777", "uri-pass-1"}
    line = "token tok-12345 password pw-secret-9 key pk-777 uri-pass-1 region emea"
    assert inputs.mask(line) == "token *** password *** key *** *** region emea"
    shown = repr(inputs.table())
    assert not any(secret in shown for secret in inputs.secrets()) and "emea" in shown and "db.internal" in shown


@pytest.mark.parametrize(
    ("name", "text", "fragment"),
    [
        ("variables.json", "{not json", "not valid JSON"),
        ("variables.json", "[1, 2]", "must map variable keys"),
        ("connections.json", '{"db": {"host": "x"}}', "needs a URI or fields with conn_type"),
        ("connections.yaml", "db: [unclosed", "not valid YAML"),
    ],
)
def test_bad_inputs_files_are_one_line(tmp_path, name, text, fragment):
    path = tmp_path / name
    path.write_text(text)
    kind = "variables" if name.startswith("variables") else "connections"
    with pytest.raises(errors.InvalidInput, match=re.escape(fragment)) as caught:
        from_files(**{kind: path})
    assert "\n" not in caught.value.message


def test_an_import_error_shows_airflows_traceback_then_one_line():
    trace = "Traceback (most recent call last):\n  File \"dags/x.py\", line 2\nModuleNotFoundError: No module named 'nope'\n"
    report = ParseReport("3.0.6", (FileParse("x.py", error=trace), FileParse("y.py", ("y_dag",))), 1.5)
    shown: list[str] = []
    with pytest.raises(errors.DagImportError) as caught:
        report.raise_for_errors(shown.append)
    assert len(shown) == 1 and trace.strip() in shown[0]
    assert caught.value.message.startswith("Airflow 3.0.6 could not import x.py: ModuleNotFoundError: No module named 'nope'")
    assert "nothing was uploaded" in caught.value.message and "--no-local-check" in caught.value.message
    assert caught.value.stack_trace == trace and report.dag_ids == ["y_dag"]
    assert [row["ok"] for row in report.table()] == ["✗", "✓"]
    assert Inputs().secrets() == []
