"""Long work under transient faults (issue 10 #6, #7): reads are retried, writes never; waits ride out failures."""

from __future__ import annotations

import pytest
from cells import run
from secret_scan import ISSUED

from mwaa_magic.core import errors
from mwaa_magic.core.retry import RetryPolicy


def login(shell) -> object:
    assert run(shell, "%mwaa_login fast3")[0].success
    return shell.user_ns["mwaa"]


def test_reads_ride_out_429_502_503_504_and_resets(shell, stub):
    mwaa = login(shell)
    for status in (429, 502, 503):
        stub.fail("GET", "/api/v2/dags", status=status)
    assert len(mwaa.dags()) == 250  # every page arrived despite three failed calls
    stub.fail("GET", "/api/v2/dags", status=504)
    stub.fail("GET", "/api/v2/dags", action="reset")
    assert len(mwaa.dags()) == 250


def test_one_failed_page_of_a_listing_is_retried(shell, stub):
    mwaa = login(shell)
    stub.fail("GET", "/api/v2/dags", status=503, count=1)
    before = stub.state.count("GET", "/api/v2/dags")
    assert len(mwaa.dags()) == 250 and stub.state.count("GET", "/api/v2/dags") - before == 4  # 3 pages + 1 retry


def test_retry_after_is_respected(shell, stub, monkeypatch):
    mwaa = login(shell)
    pauses: list[float] = []
    monkeypatch.setattr("mwaa_magic.core.retry.time.sleep", pauses.append)
    stub.fail("GET", "/api/v2/version", status=429, headers={"Retry-After": "2"})
    assert mwaa.get("/version")["version"]
    assert pauses == [2.0]


def test_retries_are_bounded(shell, stub):
    login(shell)
    stub.fail("GET", "/api/v2/version", status=503, count=10)
    before = stub.state.count("GET", "/api/v2/version")
    result, out = run(shell, "mwaa.get('/version')")
    assert not result.success and "503" in out and "Traceback" not in out
    assert stub.state.count("GET", "/api/v2/version") - before == RetryPolicy().attempts


def test_a_trigger_is_never_retried(shell, stub):
    login(shell)
    stub.fail("POST", "/api/v2/dags/etl/dagRuns", status=503)
    result, out = run(shell, "mwaa.trigger('etl')")
    assert not result.success and "503" in out
    assert stub.state.count("POST", "/api/v2/dags/etl/dagRuns") == 1 and not stub.state.runs


def test_wait_rides_out_failures_and_returns_the_finished_run(shell, stub):
    mwaa = login(shell)
    stub.state.run_polls_to_finish = 4
    run_ = mwaa.trigger("etl")
    stub.fail("GET", "/api/v2/dags/etl/dagRuns/", status=500, count=2)  # not retried per call: wait rides it out
    stub.fail("GET", "/api/v2/dags/etl/dagRuns/", action="reset", count=1)
    finished = mwaa.wait(run_, poll=0.01)
    assert finished["state"] == "success"


def test_wait_gives_up_naming_the_run_and_how_to_resume(shell, stub, monkeypatch):
    mwaa = login(shell)
    monkeypatch.setattr(type(mwaa), "WAIT_FAILURE_BUDGET", 0.2)
    run_ = mwaa.trigger("etl")
    stub.fail("GET", "/api/v2/dags/etl/dagRuns/", status=500, count=1000)
    shell.user_ns["run_"] = run_
    result, out = run(shell, "mwaa.wait(run_, poll=0.05)")
    assert not result.success and "Traceback" not in out
    assert run_["dag_run_id"] in out and "%mwaa wait etl " + run_["dag_run_id"] in out


def test_output_variable_is_bound_before_the_wait(shell, stub):
    login(shell)
    stub.state.run_polls_to_finish = 10**6  # never finishes
    stub.fail("GET", "/api/v2/dags/etl/dagRuns/", status=404, count=1000)  # and the wait fails at once
    result, out = run(shell, "%mwaa trigger etl --wait -o started")
    assert not result.success
    assert shell.user_ns["started"]["dag_run_id"] == "manual__0"  # the run is not lost


def test_a_bad_output_name_triggers_nothing(shell, stub):
    login(shell)
    result, out = run(shell, "%mwaa trigger etl -o 'bad name'")
    assert not result.success and "not a valid Python variable name" in out
    assert stub.state.count("POST", "/api/v2/dags/etl/dagRuns") == 0


def test_bad_conf_and_bad_session_trigger_nothing(shell, stub):
    login(shell)
    for line in ("%mwaa trigger etl --conf '[1]'", "%mwaa trigger etl --conf '{bad'", "%mwaa trigger etl -s nobody"):
        result, out = run(shell, line)
        assert not result.success and "Traceback" not in out, line
    assert stub.state.count("POST", "/api/v2/dags/etl/dagRuns") == 0


def test_a_post_through_invoke_rest_api_is_sent_once(aws):
    """botocore retries throttling and 500s by itself; InvokeRestApi's client must not (a trigger would run twice)."""
    from mwaa_magic.core.environment import Environment
    from mwaa_magic.core.transport import InvokeTransport

    transport = InvokeTransport(Environment("fast3"))
    for error, status in (("InternalServerException", 500), ("ThrottlingException", 429)):
        aws.admin.fail_next("InvokeRestApi", count=3, error=error, status=status)
        before = aws.admin.calls().get("InvokeRestApi", 0)
        with pytest.raises(errors.MwaaError):
            transport.request("POST", "/dags/etl/dagRuns", body={"conf": {}})
        assert aws.admin.calls()["InvokeRestApi"] - before == 1, error
        aws.admin.reset()


def test_a_throttled_read_through_invoke_rest_api_is_retried_then_explained(aws):
    from mwaa_magic.core.environment import Environment
    from mwaa_magic.core.transport import InvokeTransport

    transport = InvokeTransport(Environment("fast3"))
    aws.admin.fail_next("InvokeRestApi", count=10, error="ThrottlingException", status=429)
    with pytest.raises(errors.RestApiLimitExceeded, match="throttled InvokeRestApi on GET /dags"):
        transport.request("GET", "/dags")
    assert aws.admin.calls()["InvokeRestApi"] == RetryPolicy().attempts


def test_python_results_are_the_magics_tables(shell, stub):
    """``mwaa.dags()`` shows as a table like ``%mwaa dags``, acts as a list, and becomes a DataFrame."""
    mwaa = login(shell)
    dags = mwaa.dags()
    assert isinstance(dags, list) and len(dags) == 250 and dags[0]["dag_id"] == "dag_000"
    assert "<table" in dags._repr_html_() and "dag_000" in repr(dags)
    shown = shell.run_line_magic("mwaa", "dags")
    assert type(shown) is type(dags) and shown.columns == dags.columns
    try:
        import pandas  # noqa: F401 - optional: without it, one line says what to install
    except ImportError:
        with pytest.raises(errors.MwaaError, match="pip install pandas"):
            dags.to_dataframe()
        return
    frame = dags.to_dataframe()
    assert list(frame.columns[:2]) == ["dag_id", "is_paused"] and len(frame) == 250


def test_wait_survives_a_web_server_restart(shell, monkeypatch):
    """The web server goes down (refused) and comes back without sessions: the wait logs in again and ends."""
    import threading

    from stub_airflow import StubServer

    own = StubServer()  # this test stops its web server: not the shared one
    monkeypatch.setenv("MWAA_MAGIC_WEBSERVER_URLS", own.url)
    mwaa = login(shell)
    own.state.run_polls_to_finish = 6
    run_ = mwaa.trigger("etl")
    restarted: list = []
    threading.Timer(0.1, lambda: restarted.append(own.restarted(down_for=1.0))).start()
    try:
        finished = mwaa.wait(run_, poll=0.2)
    finally:
        ISSUED.update(own.state.issued)
    assert finished["state"] == "success" and restarted
    assert mwaa.transport.logins == 2  # one login after the restart
    restarted[0].shutdown()
