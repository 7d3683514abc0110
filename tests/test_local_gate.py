"""The local gate against the session emulator (its Airflow 3.0.6 and 2.10.3 installs, its S3): an import error
caught here before any S3 write (the S3 calls counted: only reads of requirements.txt and a listing), %mwaa check without a login, %mwaa test with a failing
task (logs streamed, a variable's secret masked), a test of the environment's own DAG folder, and
%%mwaa_dag --test before a deploy. Few tests, each on the session's emulator (CI time)."""

from __future__ import annotations

import json
import uuid

import boto3
import pytest
from cells import ANSI, error_line, run

ENVS = {3: "demo-airflow3", 2: "demo-airflow2"}
BUCKETS = {3: "airflow-demo-airflow3", 2: "airflow-demo-airflow2"}
VERSIONS = {3: "3.0.6", 2: "2.10.3"}


def uid() -> str:
    return uuid.uuid4().hex[:8]


def s3_keys(bucket: str) -> list[str]:
    return sorted(o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket=bucket, Prefix="dags/").get("Contents", []))


def count_s3_calls(mwaa) -> list[str]:
    """The S3 operations the session's own S3 client sends from now on (botocore's event hook)."""
    calls: list[str] = []
    mwaa.dag_folder.client.meta.events.register("before-call.s3", lambda model, **_: calls.append(model.name))
    return calls


def broken_dag(dag_id: str) -> str:
    return f"from airflow import DAG\nimport no_such_module_here\n\nwith DAG({dag_id!r}, schedule=None):\n    pass\n"


def login(ipython, major: int):
    result, out = run(ipython, f"%mwaa_login {ENVS[major]}")
    assert result.success, out
    return ipython.user_ns["mwaa"]


FAILING_DAG = """
from datetime import datetime

try:  # Airflow 3
    from airflow.sdk import Variable, dag, task
except ImportError:  # Airflow 2
    from airflow.decorators import dag, task
    from airflow.models import Variable


@dag(dag_id="{dag_id}", schedule=None, start_date=datetime(2024, 1, 1), catchup=False)
def gate_dag():
    @task
    def greet():
        print("region is " + Variable.get("region"))
        print("token is " + Variable.get("api_token"))

    @task
    def boom():
        raise ValueError("boom from the local test")

    greet() >> boom()


gate_dag()
"""


@pytest.mark.parametrize("major", [3, 2])
def test_import_error_is_caught_here_before_any_s3_call(ipython, mwaa_env, tmp_path, major):
    name, dag_id = f"gate_{uid()}.py", f"gate_{uid()}"
    path = tmp_path / name
    path.write_text(broken_dag(dag_id))
    # %mwaa check: no login, no upload
    result, out = run(ipython, f"%mwaa check {path} --version {VERSIONS[major]}")
    assert "DagImportError" in error_line(result, out) and "no_such_module_here" in out and "Traceback" in out

    mwaa = login(ipython, major)
    keys, calls = s3_keys(BUCKETS[major]), count_s3_calls(mwaa)
    result, out = run(ipython, f"%%mwaa_dag {name}\n{broken_dag(dag_id)}")
    line = error_line(result, out)
    assert line.startswith(f"DagImportError: Airflow {VERSIONS[major]} could not import {name}: ModuleNotFoundError")
    assert "nothing was uploaded" in line and f'File "{path.parent}' not in out and "no_such_module_here" in out
    result, out = run(ipython, f"%mwaa deploy {path}")
    assert "nothing was uploaded" in error_line(result, out)
    from mwaa_magic.core import errors

    with pytest.raises(errors.DagImportError, match="no_such_module_here"):
        mwaa.deploy(broken_dag(dag_id), filename=name)
    # no write to S3: the only calls read the environment's requirements.txt (GetEnvironment names it) and list
    # the DAG folder once per deploy (is the missing module a helper deployed earlier?)
    assert calls and not [c for c in calls if c not in ("GetObject", "ListObjectsV2")], calls
    assert calls.count("GetObject") == calls.count("ListObjectsV2") == 3 and s3_keys(BUCKETS[major]) == keys

    result, out = run(ipython, f"%mwaa deploy {path} --no-local-check --no-wait")  # the gate skipped: it goes up
    assert result.success, out
    assert "PutObject" in calls and f"dags/{name}" in s3_keys(BUCKETS[major])
    mwaa.undeploy(name, wait=False)


@pytest.mark.parametrize("major", [3, 2])
def test_a_failing_task_fails_the_cell_with_its_log_and_the_secret_masked(ipython, tmp_path, major):
    dag_id = f"gate_fail_{uid()}"
    (tmp_path / "dags").mkdir()
    (tmp_path / "dags" / f"{dag_id}.py").write_text(FAILING_DAG.format(dag_id=dag_id))
    variables = tmp_path / "variables.json"
    variables.write_text(json.dumps({"region": "emea", "api_token": "tok-gate-5150"}))
    cell = f"%mwaa test {dag_id} {tmp_path / 'dags'} --version {VERSIONS[major]} --variables {variables} -o states"
    result, out = run(ipython, cell)
    assert not result.success and type(result.error_in_exec).__name__ == "TaskFailed"
    line = [text for text in ANSI.sub("", out).splitlines() if text.strip()][-1]  # the task's own traceback is above
    assert line == f"TaskFailed: {dag_id}: task boom failed in the local run on Airflow {VERSIONS[major]} (its log is above)."
    assert "region is emea" in out and "boom from the local test" in out  # the tasks' logs, streamed
    shown = "\n".join(o.data.get("text/plain", "") + o.data.get("text/html", "") for o in out.outputs)  # displays
    assert "api_token" in shown and "tok-gate-5150" not in out + shown  # masked in the logs and the inputs table
    assert "greet" in shown and "failed" in shown  # the table of task states is shown before the error


def test_the_environments_own_dag_folder_runs_here(ipython, capsys):
    """The code from S3, the variables and connections from the REST API (no password comes back: said)."""
    mwaa = login(ipython, 3)
    conn_id = f"gate_conn_{uid()}"
    mwaa.post(
        "/connections", {"connection_id": conn_id, "conn_type": "http", "host": "example.internal", "password": "pw-gate-77"}
    )
    try:
        states = mwaa.test_dag("daily_sales_etl", conf={"rows": 2}, tasks=["extract", "transform"], inputs_from_environment=True)
    finally:
        mwaa.delete(f"/connections/{conn_id}")
    assert [(row["task_id"], row["state"]) for row in states] == [
        ("extract", "success"),
        ("transform", "success"),
        ("load", "success"),
    ]
    out = capsys.readouterr().out
    assert "without passwords" in out and conn_id in out and "pw-gate-77" not in out


def test_mwaa_dag_test_runs_the_cell_here_before_the_deploy(ipython, tmp_path):
    mwaa = login(ipython, 2)
    dag_id = f"gate_cell_{uid()}"
    good = FAILING_DAG.format(dag_id=dag_id).replace('raise ValueError("boom from the local test")', 'print("no boom")')
    variables = tmp_path / "v.json"
    result, out = run(ipython, f"%%mwaa_dag {dag_id}.py --test --no-wait\n{good}")
    # the DAG reads Variables the local run has not got: its task fails here and nothing goes up
    assert type(result.error_in_exec).__name__ == "TaskFailed" and f"dags/{dag_id}.py" not in s3_keys(BUCKETS[2])
    variables.write_text(json.dumps({"region": "emea", "api_token": "x-y-z"}))
    good = good.replace('Variable.get("region")', '"emea"').replace('Variable.get("api_token")', '"none"')
    result, out = run(ipython, f"%%mwaa_dag {dag_id}.py --test --no-wait\n{good}")
    assert result.success, out
    assert "no boom" in out and f"dags/{dag_id}.py" in s3_keys(BUCKETS[2])
    mwaa.undeploy(f"{dag_id}.py", wait=False)


def test_a_helper_deployed_earlier_is_found_in_s3(ipython):
    """A DAG importing a helper module that only the DAG folder in S3 holds passes the gate (the helper is read
    from S3 and parsed along), and a module that is nowhere still fails it."""
    mwaa = login(ipython, 2)
    helper, dag_id = f"gate_helpers_{uid()}", f"gate_helped_{uid()}"
    mwaa.deploy("GREETING = 'hi'\n", filename=f"{helper}.py", wait=False)
    dag = f"from airflow import DAG\nfrom {helper} import GREETING\n\nwith DAG({dag_id!r}, schedule=None):\n    pass\n"
    calls = count_s3_calls(mwaa)
    result, out = run(ipython, f"%%mwaa_dag {dag_id}.py --no-wait\n{dag}")
    assert result.success, out
    assert f"{helper}: in the DAG folder in S3" in out and calls.count("PutObject") == 1
    mwaa.undeploy(f"{dag_id}.py", wait=False)
    mwaa.undeploy(f"{helper}.py", wait=False)
    result, out = run(ipython, f"%%mwaa_dag {dag_id}.py --no-wait\n{dag}")
    assert f"No module named '{helper}'" in error_line(result, out)
