"""Airflow CLI through CreateCliToken, and the InvokeRestApi transport, against the emulator (Airflow 2 and 3)."""

from __future__ import annotations

import json
import uuid

import pytest
from cells import run

from mwaa_magic.core import cli, errors
from mwaa_magic.login import connect

V3, V2 = "demo-airflow3", "demo-airflow2"
ENVS = [V3, pytest.param(V2, marks=pytest.mark.airflow2)]
DAGS = {"daily_sales_etl", "flaky_task", "hello_world"}


@pytest.fixture
def aws(mwaa_env, monkeypatch):
    """The emulator as alice; ``aws.become(i)`` switches to another configured identity."""

    class Aws:
        admin = mwaa_env.admin

        @staticmethod
        def become(index: int) -> None:
            for name, value in mwaa_env.identity_env(index).items():
                monkeypatch.setenv(name, value)

    yield Aws


@pytest.fixture
def shell(aws, shell):
    """The shell (tests/conftest.py), pointed at the emulator as alice."""
    return shell


def calls(aws, operation: str) -> int:
    return aws.admin.calls().get(operation, 0)


def short_id() -> str:
    return "t" + uuid.uuid4().hex[:6]  # InvokeRestApi paths hold at most 64 characters


# --- CLI ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ENVS)
def test_cli_line_magic_dags_list(shell, name):
    assert run(shell, f"%mwaa_login {name}")[0].success
    result, out = run(shell, "%mwaa cli dags list")
    assert result.success, result.error_in_exec
    assert all(d in out for d in DAGS)
    assert isinstance(result.result, cli.CliResult) and "hello_world" in repr(result.result)
    assert out.count("hello_world") == result.result.stdout.count("hello_world")  # not echoed again as Out[]


@pytest.mark.parametrize("name", ENVS)
def test_a_command_airflow_exits_non_zero_on_fails_the_cell(shell, name):
    """Airflow exits 1 on a missing variable (SystemExit): the emulator reports the status, the cell fails in one line."""
    run(shell, f"%mwaa_login {name}")
    result, out = run(shell, "%mwaa cli variables get no_such_variable_here")
    assert not result.success
    lines = [line for line in out.splitlines() if "CliCommandFailed" in line]
    assert len(lines) == 1 and "exit status 1" in lines[0] and "no_such_variable_here" in lines[0], out
    assert "Traceback" not in out


@pytest.mark.parametrize("name", ENVS)
def test_cli_cell_magic_two_commands_and_output(shell, name):
    run(shell, f"%mwaa_login {name}")
    shell.run_cell("%mwaa cli variables set cli_probe 'two words'")
    result, out = run(shell, "%%mwaa_cli -o outs\n# comment\ndags list -o plain\nvariables get cli_probe\n")
    assert result.success, result.error_in_exec
    outs = shell.user_ns["outs"]
    assert [o.command for o in outs] == ["dags list -o plain", "variables get cli_probe"]
    assert "hello_world" in outs[0].stdout and outs[1].lines[-1] == "two words"  # Airflow 3 logs on stdout first
    assert "$ airflow variables get cli_probe" in out and "two words" in out


@pytest.mark.parametrize("name", ENVS)
def test_cli_from_python_and_options_after_command(shell, name):
    run(shell, f"%mwaa_login {name}")
    result, out = run(shell, "r = mwaa.cli('dags list -o json')")
    assert result.success, result.error_in_exec
    r = shell.user_ns["r"]
    assert {d["dag_id"] for d in json.loads(r.lines[-1])} == DAGS and r.stdout in out
    assert repr(r) == r.stdout and (r.stderr in out.stderr)  # Airflow's warnings go to the cell's stderr
    result, out = run(shell, "%mwaa cli -o listed dags list -o json")  # %mwaa's -o before, CLI's after
    assert result.success and shell.user_ns["listed"].command == "dags list -o json"


@pytest.mark.parametrize("name", ENVS)
def test_refused_command_fails_the_cell_with_one_line(shell, name):
    run(shell, f"%mwaa_login {name}")
    result, out = run(shell, "%mwaa cli users list")
    assert not result.success and isinstance(result.error_in_exec, errors.CliCommandFailed)
    shown = [line for line in out.splitlines() if line.strip()]
    assert len(shown) == 1 and "Traceback" not in out, shown
    assert "users list" in shown[0] and "MWAA" in shown[0]
    result, out = run(shell, "%%mwaa_cli -o never\ndags list\nusers list\nvariables list\n")
    assert not result.success and "never" not in shell.user_ns
    assert "hello_world" in out and out.count("$ airflow") == 2  # stopped at the refused one


def test_viewer_cli_token_may_not_change_state(shell, aws):
    aws.become(1)  # bob: Viewer
    run(shell, f"%mwaa_login {V3}")
    result, out = run(shell, "%mwaa cli dags pause hello_world")
    assert not result.success and isinstance(result.error_in_exec, errors.CliCommandFailed)
    assert "rejected the CLI token" in str(result.error_in_exec)


def test_cli_token_per_batch_and_renewed_when_expired(shell, aws, monkeypatch):
    run(shell, f"%mwaa_login {V3}")
    session = shell.user_ns["mwaa"]
    before = calls(aws, "CreateCliToken")
    session.cli("version", echo=False)
    session.cli("version", echo=False)
    assert calls(aws, "CreateCliToken") == before + 2  # one per batch, never kept between batches
    before = calls(aws, "CreateCliToken")
    cli.run_cli_batch(session.environment, ["version", "version", "version"], echo=False)
    assert calls(aws, "CreateCliToken") == before + 1  # one for the whole batch
    aws.admin.set(token_lifetime=1)  # the CLI runs for seconds: the token expires in the batch
    before = calls(aws, "CreateCliToken")
    results = cli.run_cli_batch(session.environment, ["version", "version"], echo=False)
    assert all(r.stdout.strip() for r in results)
    assert calls(aws, "CreateCliToken") == before + 2  # the expired one was replaced, not reused
    monkeypatch.setattr(cli, "TOKEN_REUSE", 0.0)  # our own age limit renews before the server refuses
    before, web_refusals = calls(aws, "CreateCliToken"), calls(aws, "WebCli")
    cli.run_cli_batch(session.environment, ["version", "version"], echo=False)
    assert calls(aws, "CreateCliToken") == before + 2 and calls(aws, "WebCli") == web_refusals + 2


def test_cli_secrets_never_shown(shell, aws):
    run(shell, f"%mwaa_login {V3}")
    result, out = run(shell, "%mwaa cli users list")
    r = shell.user_ns["mwaa"].cli("version", echo=False)
    shown = out + repr(r) + str(result.error_in_exec)
    assert not [s for s in aws.admin.secrets() if s in shown]


# --- InvokeRestApi transport ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", ENVS)
def test_both_transports_give_identical_results(aws, name):
    token, invoke = connect(name, transport="token"), connect(name, transport="invoke")
    assert invoke.info.transport == "invoke" and invoke.major == token.major
    before = calls(aws, "InvokeRestApi")
    assert [d["dag_id"] for d in token.dags()] == [d["dag_id"] for d in invoke.dags()]
    assert calls(aws, "InvokeRestApi") > before  # really through InvokeRestApi
    assert token.dag("hello_world").keys() == invoke.dag("hello_world").keys()

    runs = [s.trigger("hello_world", conf={"via": s.info.transport}, run_id=short_id()) for s in (token, invoke)]
    assert runs[0].keys() == runs[1].keys()
    assert [r["conf"] for r in runs] == [{"via": "token"}, {"via": "invoke"}]
    assert {r["dag_id"] for r in runs} == {"hello_world"} and all(r["state"] == "queued" for r in runs)
    seen = {s.info.transport: [r["dag_run_id"] for r in s.dag_runs("hello_world", limit=50)] for s in (token, invoke)}
    assert seen["token"] == seen["invoke"] and {r["dag_run_id"] for r in runs} <= set(seen["token"])

    key = short_id()
    invoke.variables[key] = "from invoke"
    assert token.variables[key] == "from invoke"
    token.variables[key] = "from token"
    assert invoke.variables[key] == "from token" and key in list(invoke.variables)
    del invoke.variables[key]
    for s in (token, invoke):
        with pytest.raises(KeyError):
            s.variables[key]

    assert invoke.pause("hello_world")["is_paused"] is True and token.dag("hello_world")["is_paused"] is True
    assert token.unpause("hello_world")["is_paused"] is False and invoke.dag("hello_world")["is_paused"] is False

    failures = []
    for s in (token, invoke):
        with pytest.raises(errors.AirflowApiError) as caught:
            s.dag("no_such_dag")
        failures.append((caught.value.status, str(caught.value)))
    assert failures[0] == failures[1] and failures[0][0] == 404


@pytest.mark.parametrize("name", ENVS)
def test_both_transports_same_conflict_and_task_logs(aws, name):
    token, invoke = connect(name, transport="token"), connect(name, transport="invoke")
    run_id = short_id()
    run = invoke.trigger("hello_world", run_id=run_id, wait=True, timeout=120)
    assert run["state"] == "success"
    failures = []
    for s in (token, invoke):
        with pytest.raises(errors.AirflowApiError) as caught:
            s.trigger("hello_world", run_id=run_id)
        failures.append((caught.value.status, caught.value.code))
    assert failures == [(409, "AirflowApiError")] * 2
    logs = [s.task_logs("hello_world", run_id, "say_hello") for s in (token, invoke)]
    assert "hello from the MWAA emulator" in logs[0] and logs[0] == logs[1]


def test_auto_uses_invoke_when_allowed(aws):
    before = calls(aws, "InvokeRestApi")
    session = connect(V3, transport="auto")
    assert session.info.transport == "invoke" and calls(aws, "InvokeRestApi") == before + 1
    assert {d["dag_id"] for d in session.dags()} == DAGS


@pytest.mark.parametrize("name", ENVS)
def test_auto_sends_too_long_paths_through_a_web_login(aws, name):
    token, invoke, auto = (connect(name, transport=t) for t in ("token", "invoke", "auto"))
    run = auto.trigger("hello_world")  # Airflow's own run id: manual__<timestamp>, too long for InvokeRestApi
    path = f"/dags/hello_world/dagRuns/{run['dag_run_id']}"
    with pytest.raises(errors.RestApiLimitExceeded, match="at most 64 characters"):
        invoke.dag_run("hello_world", run["dag_run_id"])
    before = (calls(aws, "CreateWebLoginToken"), calls(aws, "InvokeRestApi"))
    assert len(path) > 64 and auto.dag_run("hello_world", run["dag_run_id"])["dag_run_id"] == run["dag_run_id"]
    auto.dag_run("hello_world", run["dag_run_id"])
    assert (calls(aws, "CreateWebLoginToken"), calls(aws, "InvokeRestApi")) == (before[0] + 1, before[1])
    assert auto.dag_run("hello_world", run["dag_run_id"]).keys() == token.dag_run("hello_world", run["dag_run_id"]).keys()
    auto.dags()
    assert calls(aws, "InvokeRestApi") > before[1] and calls(aws, "CreateWebLoginToken") == before[0] + 1


def test_auto_falls_back_to_token_without_invoke_permission(aws):
    aws.become(3)  # dave: web access only, no airflow:InvokeRestApi nor airflow:GetEnvironment
    before = calls(aws, "CreateWebLoginToken")
    session = connect(V3, transport="auto")
    assert session.info.transport == "token" and calls(aws, "CreateWebLoginToken") == before + 1
    assert {d["dag_id"] for d in session.dags()} == DAGS
    with pytest.raises(errors.AccessDenied, match="airflow:InvokeRestApi.*--transport token"):
        connect(V3, transport="invoke")


def test_auto_does_not_fall_back_on_other_errors(aws):
    aws.admin.fail_next("InvokeRestApi", count=5, error="InternalServerException", status=500)
    before = calls(aws, "CreateWebLoginToken")
    with pytest.raises(errors.ServiceError):
        connect(V3, transport="auto")
    assert calls(aws, "CreateWebLoginToken") == before


def test_login_magic_with_invoke_transport(shell):
    result, out = run(shell, f"%mwaa_login {V3} --transport invoke --as inv")
    assert result.success, result.error_in_exec
    assert shell.user_ns["inv"].info.transport == "invoke"
    result, out = run(shell, "%mwaa dags -s inv")
    assert result.success and "hello_world" in repr(result.result)
    result, out = run(shell, "%mwaa cli -s inv dags list")  # CLI needs CreateCliToken, not a web token
    assert result.success and "hello_world" in out


@pytest.mark.parametrize("name", ENVS)
def test_viewer_gets_a_403_line_through_invoke(aws, name):
    aws.become(1)  # bob: Viewer
    session = connect(name, transport="invoke")
    assert {d["dag_id"] for d in session.dags()} == DAGS
    with pytest.raises(errors.AirflowApiError) as caught:
        session.trigger("hello_world")
    assert caught.value.status == 403
    assert str(caught.value) == (
        "Your Airflow role may not POST /dags/hello_world/dagRuns (403): ask for an Airflow role that allows it (Op or Admin)."
    )


def test_path_over_64_characters_is_a_limit_line(shell, aws):
    run(shell, f"%mwaa_login {V3} -t invoke")
    before = calls(aws, "InvokeRestApi")
    result, out = run(shell, "mwaa.dag('d' * 60)")
    assert not result.success and isinstance(result.error_in_exec, errors.RestApiLimitExceeded)
    shown = [line for line in out.splitlines() if line.strip()]
    assert len(shown) == 1 and "at most 64 characters" in shown[0] and "--transport token" in shown[0]
    assert calls(aws, "InvokeRestApi") == before  # refused before any AWS call


def test_invoke_limits_are_reported(aws):
    session = connect(V3, transport="invoke")
    aws.admin.fail_next("InvokeRestApi", count=5, error="ThrottlingException", status=429, message="Rate exceeded")
    with pytest.raises(errors.RestApiLimitExceeded, match="throttled InvokeRestApi on GET /dags"):
        session.get("/dags")
    aws.admin.reset()
    aws.admin.fail_next(
        "InvokeRestApi",
        error="RestApiServerException",
        status=400,
        message="The Apache Airflow REST API call timed out after 10 seconds.",
    )
    with pytest.raises(errors.RestApiLimitExceeded, match="after 10 s"):
        session.get("/dags")
    aws.admin.fail_next(
        "InvokeRestApi",
        error="RestApiServerException",
        status=400,
        message="The Apache Airflow REST API response exceeds the 6 MB limit.",
    )
    with pytest.raises(errors.RestApiLimitExceeded, match="6 MB"):
        session.get("/dags")
    assert {d["dag_id"] for d in session.dags()} == DAGS  # the session still works afterwards
