"""Retry, re-login and paging as units: AirflowSession on a scripted Transport, and the real TokenTransport
behind an in-memory web server (tests/fast/fake_transport.py). No server, no emulator."""

from __future__ import annotations

import threading

import httpx
import pytest
from fake_transport import FakePlane, FakeTransport, FakeWebServer, Script, expiring, session_over

from mwaa_magic.core import errors
from mwaa_magic.core.flavours import flavour_for

V2, V3 = flavour_for("2.10.3"), flavour_for("3.0.6")


def page(offset: int, size: int, total: int, key: str = "dags") -> tuple[int, dict]:
    return 200, {key: [{"n": n} for n in range(offset, min(offset + size, total))], "total_entries": total}


def pages(total: int, key: str = "dags"):
    return lambda call: page(int(call.params["offset"]), int(call.params["limit"]), total, key)


# --- paging ----------------------------------------------------------------------------------------
def test_paged_reads_every_page_once_and_keeps_their_order() -> None:
    script = Script().on("GET", "/dags", pages(1234))
    session = session_over(FakeTransport(V3, script))
    items = session.paged("/dags", "dags")
    assert [item["n"] for item in items] == list(range(1234))
    offsets = sorted(int(c.params["offset"]) for c in script.calls)
    assert offsets == list(range(0, 1234, 100)) and {c.params["limit"] for c in script.calls} == {100}


def test_paged_stops_at_the_limit() -> None:
    script = Script().on("GET", "/dags", pages(1000))
    items = session_over(FakeTransport(V3, script)).paged("/dags", "dags", limit=150)
    assert [item["n"] for item in items] == list(range(150))
    assert sorted(int(c.params["offset"]) for c in script.calls) == [0, 100]


def test_a_short_first_page_is_the_only_page() -> None:
    script = Script().on("GET", "/dags", (200, {"dags": [{"n": 0}], "total_entries": 5}))
    assert session_over(FakeTransport(V3, script)).paged("/dags", "dags") == [{"n": 0}]
    assert len(script.calls) == 1


@pytest.mark.parametrize(
    ("flavour", "order", "date"), [(V2, "-execution_date", "execution_date"), (V3, "-run_after", "logical_date")]
)
def test_runs_are_asked_newest_first_in_each_flavours_words(flavour, order: str, date: str) -> None:
    script = Script().on("GET", "/dags/etl/dagRuns", pages(3, "dag_runs"))
    runs = session_over(FakeTransport(flavour, script)).dag_runs("etl", state="failed")
    assert script.calls[0].params == {"limit": 100, "offset": 0, "order_by": order, "state": "failed"}
    assert date in runs.columns and len(runs) == 3


def test_a_failed_page_fails_the_listing_with_one_line() -> None:
    script = Script().on(
        "GET", "/dags", lambda call: (500, {}) if call.params["offset"] == 300 else page(call.params["offset"], 100, 500)
    )
    with pytest.raises(errors.AirflowApiError) as caught:
        session_over(FakeTransport(V3, script)).paged("/dags", "dags")
    assert str(caught.value) == (
        "The Airflow web server failed on GET /dags (500): try again; if it persists, check the environment's health."
    )


# --- what wait rides out (the session's retry decision) ----------------------------------------------
def run(state: str) -> dict:
    return {"dag_id": "etl", "dag_run_id": "r1", "state": state}


def test_wait_rides_out_what_a_restart_explains() -> None:
    script = Script().on(
        "GET",
        "/dags/etl/dagRuns/r1",
        errors.WebServerUnreachable("Cannot reach the Airflow web server: connection refused.", transient=True),
        errors.ServiceError("MWAA had an internal error on InvokeRestApi after retries: try again in a minute."),
        (503, {"detail": "restarting"}),
        (200, run("running")),
        (200, run("success")),
    )
    assert session_over(FakeTransport(V3, script)).wait(run("queued"), poll=0.001)["state"] == "success"
    assert len(script.calls) == 5


def test_wait_stops_at_once_on_what_waiting_cannot_end() -> None:
    script = Script().on("GET", "/dags/etl/dagRuns/r1", (403, {"detail": "Forbidden"}), (200, run("success")))
    with pytest.raises(errors.WaitInterrupted) as caught:
        session_over(FakeTransport(V3, script)).wait(run("queued"), poll=0.001)
    assert str(caught.value) == (
        "Stopped waiting for etl run r1 (AirflowApiError: Airflow user 'admin' may not GET /dags/etl/dagRuns/r1 (403): "
        "ask for an Airflow role that allows it (Op or Admin).); the run goes on: resume with %mwaa wait etl r1, or "
        "mwaa.wait(run)."
    )
    assert len(script.calls) == 1


# --- retries (the real TokenTransport, an in-memory web server) --------------------------------------
def test_reads_are_retried_on_503_and_429() -> None:
    web = FakeWebServer(V3)
    web.script.on("GET", "/dags", (503, {}, {"Retry-After": "0"}), (429, {}, {"Retry-After": "0"}), page(0, 100, 1))
    assert session_over(web.transport()).get("/dags") == {"dags": [{"n": 0}], "total_entries": 1}
    assert web.script.paths() == ["/dags"] * 3


def test_writes_are_never_retried() -> None:
    web = FakeWebServer(V3)
    web.script.on("POST", "/dags/etl/dagRuns", (503, {}, {"Retry-After": "0"}), (200, run("queued")))
    with pytest.raises(errors.AirflowApiError) as caught:
        session_over(web.transport()).trigger("etl")
    assert caught.value.status == 503 and len(web.script.calls) == 1


def test_retries_end_after_four_calls() -> None:
    web = FakeWebServer(V3)
    web.script.on("GET", "/dags", (503, {}, {"Retry-After": "0"}))
    with pytest.raises(errors.AirflowApiError) as caught:
        session_over(web.transport()).get("/dags")
    assert caught.value.status == 503 and len(web.script.calls) == 4


def test_a_refused_connection_is_retried_and_a_404_is_not() -> None:
    web = FakeWebServer(V3)
    web.script.on("GET", "/dags", httpx.ConnectError("[Errno 111] Connection refused"), page(0, 100, 0))
    web.script.on("GET", "/dags/missing", (404, {"detail": "DAG missing not found"}))
    session = session_over(web.transport())
    assert session.get("/dags") == {"dags": [], "total_entries": 0}
    with pytest.raises(errors.AirflowApiError) as caught:
        session.get("/dags/missing")
    assert str(caught.value) == "Not found: GET /dags/missing (404): DAG missing not found."
    assert web.script.paths() == ["/dags", "/dags", "/dags/missing"]


# --- re-login --------------------------------------------------------------------------------------
@pytest.mark.parametrize("flavour", [V2, V3], ids=["airflow2-cookie", "airflow3-bearer"])
def test_an_expired_session_logs_in_again_once_and_repeats_the_call(flavour) -> None:
    web, plane = FakeWebServer(flavour), FakePlane()
    web.script.on("GET", "/dags", expiring(after=1))
    transport = web.transport(plane)
    session = session_over(transport)
    assert session.get("/dags") == {"used": "credential-1"}
    assert session.get("/dags") == {"used": "credential-2"}  # 401, a new web token, a new login, the call again
    assert (plane.tokens, web.logins, transport.logins) == (2, 2, 2)
    assert [c.credential for c in web.script.calls] == ["credential-1", "credential-1", "credential-2"]


def test_a_redirect_to_the_login_page_is_an_expired_session_too() -> None:
    web = FakeWebServer(V2)
    web.script.on("GET", "/dags", (302, None, {"Location": "/login/?next=/api/v1/dags"}), (200, {"dags": []}))
    transport = web.transport()
    assert session_over(transport).get("/dags") == {"dags": []}
    assert transport.logins == 2


def test_a_session_still_refused_after_a_fresh_login_says_so() -> None:
    web = FakeWebServer(V3)
    web.script.on("GET", "/dags", (401, {"detail": "Not authenticated"}))
    with pytest.raises(errors.SessionExpired) as caught:
        session_over(web.transport()).get("/dags")
    assert str(caught.value) == "Airflow still rejects the session after a fresh login: check your Airflow role and log in again."
    assert web.logins == 2


def test_threads_that_meet_one_expiry_log_in_again_once() -> None:
    web, plane = FakeWebServer(V3), FakePlane()
    start, expired, answers = threading.Barrier(8), threading.Barrier(8, timeout=10), []

    def answer(call):  # every thread holds the old credential's 401 before any of them logs in again
        if call.credential != "credential-1":
            return 200, {"ok": True}
        expired.wait()
        return 401, {}

    web.script.on("GET", "/dags", answer)
    transport = web.transport(plane)
    session = session_over(transport)

    def call() -> None:
        start.wait()
        answers.append(session.get("/dags"))

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert answers == [{"ok": True}] * 8
    assert (plane.tokens, web.logins, transport.logins) == (2, 2, 2)
