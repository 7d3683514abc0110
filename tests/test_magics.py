"""%mwaa_login and the kernel-held session, in a real InteractiveShell against the emulator (real Airflow 2 and 3)."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
from cells import assert_one_line, run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from IPython.utils.capture import capture_output

from mwaa_magic.core import control_plane as control
from mwaa_magic.core import errors, validation
from mwaa_magic.core.environment import Environment
from mwaa_magic.core.flavours import flavour_for
from mwaa_magic.kernel.display import LOGIN_MIME
from mwaa_magic.kernel.registry import sessions

ENVS = {3: "demo-airflow3", 2: "demo-airflow2"}


def test_load_ext_imports_nothing_heavy():
    code = (
        "import sys\nfrom IPython.core.interactiveshell import InteractiveShell\n"
        "ip = InteractiveShell.instance(); ip.run_line_magic('load_ext', 'mwaa_magic')\n"
        "print(sorted(m for m in ('boto3', 'botocore', 'httpx', 'ipywidgets', 'tornado') if m in sys.modules))\n"
        "print(sorted(ip.magics_manager.magics['line']).count('mwaa_login'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["[]", "1"]


@pytest.mark.parametrize("major", [3, 2])
def test_login_card_session_and_registry(ipython, mwaa_env, major, monkeypatch):
    monkeypatch.setenv("JPY_SESSION_NAME", "notebook.ipynb")  # as under a Jupyter server: the /mwaa/open link
    env = ENVS[major]
    result, captured = run(ipython, f"%mwaa_login {env}")
    assert result.success, captured.stdout
    bundle = captured.outputs[0].data
    assert set(bundle) >= {"text/plain", "text/html", LOGIN_MIME}
    card = bundle[LOGIN_MIME]
    assert card["environment"] == env and card["region"] == "us-east-1"
    assert card["airflow_version"] == mwaa_env.environment(env)["airflow_version"]
    assert (card["iam_identity"], card["airflow_identity"]) == ("assumed-role/Admin/alice", "admin")
    assert card["hostname"] == mwaa_env.environment(env)["hostname"]
    assert "/mwaa/open?environment=" + env in bundle["text/html"]
    session = ipython.user_ns["mwaa"]
    assert sessions.get() is session and session.major == major
    shown = repr(session) + str(session) + str(bundle)
    assert not any(secret in shown for secret in mwaa_env.admin.secrets())
    assert env in repr(session) and "admin" in repr(session)


def test_several_sessions_alias_use_logout(ipython):
    assert run(ipython, "%mwaa_login demo-airflow3 --as a3")[0].success
    assert run(ipython, "%mwaa_login demo-airflow2 --as a2")[0].success
    assert sessions.current == "a2"
    listing = ipython.run_line_magic("mwaa", "sessions")
    assert [row["name"] for row in listing] == ["a3", "a2"]
    ipython.run_line_magic("mwaa", "use a3")
    assert sessions.current == "a3" and ipython.user_ns["mwaa"].environment.name == "demo-airflow3"
    ipython.run_line_magic("mwaa", "logout a2")
    assert "a2" not in ipython.user_ns and [a for a, _ in sessions.items()] == ["a3"]


@pytest.mark.parametrize("major, path", [(3, "/pluginsv2/aws_mwaa/aws-console-sso"), (2, "/aws_mwaa/aws-console-sso")])
def test_console_link_format(mwaa_env, major, path):
    env = mwaa_env.environment(ENVS[major])
    url = Environment(env["name"]).console_url(flavour_for(major))
    base, _, token = url.partition(f"{path}?login=true#")
    assert base == env["web_url"] and token
    direct = Environment(env["name"], webserver_urls="").console_url(flavour_for(major))
    assert direct.startswith(f"https://{env['hostname']}{path}?login=true#")
    login = control.control_plane().create_web_login_token(env["name"])
    assert login.token not in repr(login)


def test_html_is_escaped(ipython):
    from mwaa_magic.core.session import LoginInfo
    from mwaa_magic.kernel.display import LoginCard, Rows

    hostile = "<img src=x onerror=alert(1)>"
    info = LoginInfo("env", "us-east-1", None, "host.example.com", hostile, "<script>alert(2)</script>", "3.0.6", None, 0.0)
    html = LoginCard(info, "mwaa")._repr_mimebundle_()["text/html"]
    assert "<img" not in html and "<script" not in html and "&lt;img" in html
    assert "<script" not in Rows([{"a": "<script>x</script>"}], ["a"])._repr_html_()


@pytest.mark.parametrize("major", [3, 2])
def test_follow_up_helpers(ipython, mwaa_env, major):
    assert run(ipython, f"%mwaa_login {ENVS[major]}")[0].success
    mwaa = ipython.user_ns["mwaa"]
    assert {"hello_world", "daily_sales_etl", "flaky_task"} <= {d["dag_id"] for d in mwaa.dags()}
    assert mwaa.get("/dags/hello_world")["dag_id"] == "hello_world"
    mwaa.pause("hello_world")
    assert mwaa.dag("hello_world")["is_paused"] is True
    mwaa.unpause("hello_world")
    assert mwaa.dag("hello_world")["is_paused"] is False
    run_ = mwaa.trigger("daily_sales_etl", conf={"region": "emea"}, wait=True, timeout=120)
    assert run_["state"] == "success" and run_["conf"] == {"region": "emea"}
    assert run_["dag_run_id"] in [r["dag_run_id"] for r in mwaa.dag_runs("daily_sales_etl")]
    tasks = {t["task_id"]: t for t in mwaa.task_instances("daily_sales_etl", run_["dag_run_id"])}
    assert all(t["state"] == "success" for t in tasks.values())
    logs = mwaa.task_logs("daily_sales_etl", run_["dag_run_id"], "transform")
    assert "emea" in logs
    assert mwaa.xcom("daily_sales_etl", run_["dag_run_id"], "extract") is not None
    mwaa.variables["report_date"] = "2026-11-28"
    assert mwaa.variables["report_date"] == "2026-11-28" and "report_date" in list(mwaa.variables)
    del mwaa.variables["report_date"]
    with pytest.raises(KeyError):
        mwaa.variables["report_date"]


@pytest.mark.parametrize("major", [3, 2])
def test_retry_a_failed_task(ipython, major):
    assert run(ipython, f"%mwaa_login {ENVS[major]}")[0].success
    mwaa = ipython.user_ns["mwaa"]
    failed = mwaa.trigger("flaky_task", conf={"fail": True}, wait=True, timeout=120)
    assert failed["state"] == "failed"
    assert "RuntimeError: flaky_task failed on purpose" in mwaa.task_logs("flaky_task", failed["dag_run_id"], "maybe_fail")
    cleared = mwaa.clear_tasks("flaky_task", failed["dag_run_id"])
    assert cleared
    again = mwaa.wait(mwaa.dag_run("flaky_task", failed["dag_run_id"]), timeout=120)
    assert again["state"] in ("failed", "success")


def test_magic_subcommands_return_objects(ipython):
    assert run(ipython, "%mwaa_login demo-airflow3")[0].success
    dags = ipython.run_line_magic("mwaa", "dags -o my_dags")
    assert ipython.user_ns["my_dags"] is dags and "hello_world" in repr(dags) and "<table" in dags._repr_html_()
    with capture_output():
        run_ = ipython.run_line_magic("mwaa", "trigger hello_world --conf '{\"a\": 1}' --wait")
    assert run_["state"] == "success"
    runs = ipython.run_line_magic("mwaa", "runs hello_world -n 5")
    assert runs and runs[0]["dag_id"] == "hello_world"
    logs = ipython.run_line_magic("mwaa", f"logs hello_world {run_['dag_run_id']} say_hello")
    assert "hello" in logs
    envs = ipython.run_line_magic("mwaa", "envs")
    assert {e["name"]: e["status"] for e in envs}["staging-updating"] == "UPDATING"
    result, captured = run(ipython, "%mwaa trigger hello_world --conf 'not json'")
    assert not result.success and "--conf must be JSON" in captured.stdout + captured.stderr


# --- errors ---------------------------------------------------------------------------------------
def calls(mwaa_env) -> int:
    return sum(mwaa_env.admin.calls().values())


def test_invalid_name_makes_no_call(ipython, mwaa_env):
    before = calls(mwaa_env)
    assert_one_line(*run(ipython, "%mwaa_login 9lives"), "InvalidEnvironmentName", "1-80 letters")
    assert calls(mwaa_env) == before


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(min_size=1, max_size=120).filter(lambda s: not validation.NAME_PATTERN.fullmatch(s) or len(s) > 80))
def test_fuzzed_invalid_names(mwaa_env, name):
    before = calls(mwaa_env)
    with pytest.raises(errors.InvalidEnvironmentName) as info:
        control.control_plane().create_web_login_token(name)
    assert "\n" not in str(info.value) and len(str(info.value)) < 200
    assert calls(mwaa_env) == before


def test_unknown_environment_lists_existing(ipython):
    assert_one_line(*run(ipython, "%mwaa_login nope"), "EnvironmentNotFound", "demo-airflow3, demo-airflow2")


def test_access_denied_names_permission(ipython, mwaa_env, monkeypatch):
    for name, value in mwaa_env.identity_env(2).items():
        monkeypatch.setenv(name, value)
    assert_one_line(
        *run(ipython, "%mwaa_login demo-airflow3"),
        "airflow:CreateWebLoginToken",
        "arn:aws:airflow:us-east-1:123456789012:role/demo-airflow3/",
    )


def test_not_available_says_status(ipython):
    assert_one_line(*run(ipython, "%mwaa_login staging-updating"), "UPDATING", "not AVAILABLE")


@pytest.mark.parametrize(
    "fault, fragment",
    [
        ({"error": "InternalServerException", "status": 500}, "internal error"),
        ({"error": "ThrottlingException", "status": 429}, "throttling"),
        ({"error": "ExpiredTokenException", "status": 403}, "expired"),
        ({"error": "ValidationException", "status": 400, "message": "Something odd"}, "Something odd"),
    ],
)
def test_control_plane_failures(ipython, mwaa_env, fault, fragment):
    mwaa_env.admin.fail_next("CreateWebLoginToken", count=5, **fault)
    assert_one_line(*run(ipython, "%mwaa_login demo-airflow3"), fragment)


def test_no_credentials(ipython, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert_one_line(*run(ipython, "%mwaa_login demo-airflow3"), "NoCredentials", "aws configure")


def test_no_region(ipython, monkeypatch):
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.delenv("AWS_REGION")
    assert_one_line(*run(ipython, "%mwaa_login demo-airflow3"), "NoRegion", "--region")


def test_web_server_unreachable(ipython):
    ipython.run_line_magic("config", "MwaaMagics.webserver_urls = 'http://127.0.0.1:9'")
    try:
        assert_one_line(
            *run(ipython, "%mwaa_login demo-airflow3"), "WebServerUnreachable", "connection refused", "MWAA_MAGIC_WEBSERVER_URLS"
        )
    finally:
        ipython.run_line_magic("config", "MwaaMagics.webserver_urls = None")


def test_airflow_errors_from_follow_up_calls(ipython, mwaa_env, monkeypatch):
    assert run(ipython, "%mwaa_login demo-airflow3")[0].success
    # a 404 on a DAG names the DAGs there (issue 19 #7), not "Not found: GET /dags/no_such_dag (404)"
    assert_one_line(
        *run(ipython, "mwaa.dag('no_such_dag')"), "AirflowApiError", "No DAG 'no_such_dag' in demo-airflow3", "hello_world"
    )
    assert_one_line(*run(ipython, "%mwaa trigger hello_wrld"), "did you mean hello_world?", "DAGs there: ")
    first = ipython.user_ns["mwaa"].trigger("hello_world", run_id="fixed-run-id")
    assert first["dag_run_id"] == "fixed-run-id"
    assert_one_line(*run(ipython, "mwaa.trigger('hello_world', run_id='fixed-run-id')"), "409")
    mwaa_env.admin.fail_next("WebRequest", count=1, status=503, error="ServiceUnavailable")
    assert run(ipython, "mwaa.dags()")[0].success  # one 503 on a read is retried
    mwaa_env.admin.fail_next("WebRequest", count=1, status=500, error="InternalError")
    assert_one_line(*run(ipython, "mwaa.dags()"), "failed on GET /dags", "500")
    for name, value in mwaa_env.identity_env(1).items():  # bob, a Viewer
        monkeypatch.setenv(name, value)
    assert run(ipython, "%mwaa_login demo-airflow3 --as viewer")[0].success
    assert_one_line(*run(ipython, "viewer.trigger('hello_world')"), "'viewer' may not", "403")


def test_debug_shows_full_traceback(ipython):
    result, captured = run(ipython, "%mwaa_login 9lives --debug")
    assert not result.success and "Traceback" in captured.stdout + captured.stderr


# --- session expiry -------------------------------------------------------------------------------
@pytest.mark.parametrize("major", [3, 2])
def test_relogin_once_under_concurrency(ipython, mwaa_env, major):
    assert run(ipython, f"%mwaa_login {ENVS[major]}")[0].success
    mwaa = ipython.user_ns["mwaa"]
    mwaa.dags()
    before = mwaa_env.admin.calls().get("CreateWebLoginToken", 0)
    mwaa_env.admin.expire_sessions()
    results, failures = [], []

    def call():
        try:
            results.append(len(mwaa.dags()))
        except Exception as exc:
            failures.append(exc)

    threads = [threading.Thread(target=call) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures and len(set(results)) == 1
    assert mwaa_env.admin.calls()["CreateWebLoginToken"] - before == 1


def test_api_client_uses_the_session(ipython):
    import airflow_client.client as client

    assert run(ipython, "%mwaa_login demo-airflow3")[0].success
    with ipython.user_ns["mwaa"].api_client() as api:
        dags = client.DAGApi(api).get_dags()
    assert {"hello_world", "daily_sales_etl"} <= {d.dag_id for d in dags.dags}
    assert run(ipython, "%mwaa_login demo-airflow2 --as old")[0].success
    assert_one_line(*run(ipython, "old.api_client()"), "apache-airflow-client>=2.10,<3")


def test_ctrl_c_stops_waiting_not_the_run(ipython):
    """Ctrl-C (KeyboardInterrupt) while waiting returns the run as it was; the run goes on."""
    from mwaa_magic.core.session import Progress

    assert run(ipython, "%mwaa_login demo-airflow3")[0].success
    mwaa = ipython.user_ns["mwaa"]
    shown: list[str] = []

    class InterruptedProgress(Progress):
        def update(self, text: str) -> None:
            raise KeyboardInterrupt  # what Ctrl-C raises in the kernel while wait() polls

        def close(self, text: str) -> None:
            shown.append(text)

    mwaa.progress_factory = InterruptedProgress
    started = mwaa.trigger("daily_sales_etl", conf={"region": "apac"})
    returned = mwaa.wait(started)
    assert returned["dag_run_id"] == started["dag_run_id"] and returned["state"] not in ("success", "failed")
    assert shown and "stopped waiting" in shown[0] and "mwaa.wait(run)" in shown[0]
    mwaa.progress_factory = Progress
    finished = mwaa.wait(returned, timeout=120)
    assert finished["state"] == "success"
