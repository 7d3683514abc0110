"""Listing 2,000 DAG runs: ``mwaa.dag_runs()`` (adaptive waves of pages) vs apache-airflow-client paging sequentially.

Goals: with no added latency, at most 1.05x the sequential client's time (never slower than the simple
loop); at 50 ms per request, aim for at most 1.15x the server's own sequential time (its CPU is the floor).

Seeds 2,000 finished runs of ``hello_world`` in demo-airflow3 (Airflow 3.0.6 behind the emulator), logs
in both clients first, then adds 50 ms to every web-server request (``web_latency=0.05``) and times:
- mwaa_magic: ``session.dag_runs("hello_world")`` (first page, then waves of 1, 2, 4 pages while that helps);
- apache-airflow-client: ``DagRunApi.get_dag_runs(dag_id, limit=100, offset=...)`` one page after another
  until ``total_entries`` are fetched, with ``Configuration(host=web_url, access_token=<JWT>)``, the JWT
  being the ``_token`` cookie of a web-token login to ``/pluginsv2/aws_mwaa/login``.
Both ask for 100 runs per page. Median of N runs each, alternating.

    python bench/list_runs.py [N]
"""

from __future__ import annotations

import os
import sys
import time

from _common import emulator, ms, verdict

ENV, DAG, SEEDED, PAGE = "demo-airflow3", "hello_world", 2000, 100


def jwt_for(web_url: str) -> str:
    """The AWS user-guide login: a web login token, POSTed to the Airflow 3 login endpoint."""
    import boto3
    import httpx

    token = boto3.client("mwaa").create_web_login_token(Name=ENV)["WebToken"]
    response = httpx.post(f"{web_url}/pluginsv2/aws_mwaa/login", data={"token": token}, timeout=30)
    return response.cookies["_token"]


def client_pages(api, typed: bool) -> int:
    """Every run of DAG, page after page, through apache-airflow-client; returns how many were fetched."""
    import json

    fetched, offset, total = 0, 0, None
    while total is None or offset < total:
        if typed:
            page = api.get_dag_runs(DAG, limit=PAGE, offset=offset, order_by="-run_after")
            total, count = page.total_entries, len(page.dag_runs)
        else:  # no model deserialization: the raw JSON of each page
            raw = json.loads(api.get_dag_runs_without_preload_content(DAG, limit=PAGE, offset=offset, order_by="-run_after").data)
            total, count = raw["total_entries"], len(raw["dag_runs"])
        fetched += count
        offset += PAGE
        if not count:
            break
    return fetched


def main(n: int = 3) -> None:
    import airflow_client.client as ac

    from mwaa_magic.login import connect

    with emulator() as running:
        started = time.perf_counter()
        running.admin.seed_dag_runs(ENV, DAG, SEEDED)
        print(f"seeded {SEEDED} runs of {DAG} in {time.perf_counter() - started:.1f} s")
        session = connect(ENV)
        web_url = running.environment(ENV)["web_url"]
        with ac.ApiClient(ac.Configuration(host=web_url, access_token=jwt_for(web_url))) as api_client:
            api = ac.DagRunApi(api_client)
            try:
                client_pages(api, typed=True)
                typed = True
            except Exception as exc:  # the 3.3.2 client's models may not fit what the 3.0.6 server answers
                typed = False
                print(
                    f"apache-airflow-client could not deserialize DagRun from Airflow 3.0.6 ({type(exc).__name__}: "
                    f"{str(exc).splitlines()[0][:160]}); timing get_dag_runs_without_preload_content and counting JSON items instead"
                )
            base_ours = min(timed(lambda: session.dag_runs(DAG)) for _ in range(n))
            base_theirs = min(timed(lambda: client_pages(api, typed)) for _ in range(n))
            running.admin.set(web_latency=0.05)
            ours, theirs = [], []
            for _ in range(n):
                ours.append(timed(lambda: session.dag_runs(DAG)))
                theirs.append(timed(lambda: client_pages(api, typed)))
            runs, fetched = session.dag_runs(DAG), client_pages(api, typed)
            assert len(runs) == fetched >= SEEDED, (len(runs), fetched)
        session.close()
        pages = -(-fetched // PAGE)
        kind = "typed DagRun models" if typed else "raw JSON, no models"
        print(f"listing {fetched} runs of {DAG} ({pages} pages of {PAGE}), median of {n} (load average {os.getloadavg()[0]:.1f})")
        print("                                                 +50 ms/request   no added latency")
        print(f"  mwaa_magic session.dag_runs (adaptive waves):     {ms(ours):7.0f} ms      {base_ours * 1000:7.0f} ms")
        print(
            f"  apache-airflow-client, sequential pages:          {ms(theirs):7.0f} ms      {base_theirs * 1000:7.0f} ms  ({kind})"
        )
        at_zero = base_ours / base_theirs
        at_fifty = ms(ours) / (base_theirs * 1000)
        print(f"  no added latency: mwaa_magic / sequential client = {at_zero:.2f}x  (goal <= 1.05x: {verdict(at_zero <= 1.05)})")
        print(
            f"  +50 ms/request:  mwaa_magic / server's own sequential time = {at_fifty:.2f}x  (aim <= 1.15x: "
            f"{verdict(at_fifty <= 1.15)}); sequential client {ms(theirs) / (base_theirs * 1000):.2f}x; "
            f"the server alone spends ~{base_theirs * 1000 / pages:.0f} ms per page"
        )


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
