"""A fresh emulator is not empty: the sample DAGs have runs over the last days, successes and failures, with
task logs; Airflow 3 runs a triggerer (no red "Triggerer" badge)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import boto3
import httpx
import pytest

V3, V2 = "demo-airflow3", "demo-airflow2"
ENVIRONMENTS = [V3, pytest.param(V2, marks=pytest.mark.airflow2)]


def logged_in(mwaa_env, name: str) -> httpx.Client:
    """An httpx client of ``name``'s web server, logged in as the default identity (Admin)."""
    token = boto3.client("mwaa").create_web_login_token(Name=name)["WebToken"]
    base = mwaa_env.environment(name)["web_url"]
    v3 = name == V3
    response = httpx.post(base + ("/pluginsv2/aws_mwaa/login" if v3 else "/aws_mwaa/login"), data={"token": token})
    value = response.cookies["_token" if v3 else "session"]
    auth = {"headers": {"Authorization": f"Bearer {value}"}} if v3 else {"cookies": {"session": value}}
    return httpx.Client(base_url=base + ("/api/v2" if v3 else "/api/v1"), timeout=60, **auth)


def parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


@pytest.mark.parametrize("name", ENVIRONMENTS)
def test_sample_dags_have_recent_runs(mwaa_env, name):
    with logged_in(mwaa_env, name) as api:
        runs = {dag: api.get(f"/dags/{dag}/dagRuns", params={"limit": 100}).json()["dag_runs"]
                for dag in ("daily_sales_etl", "hello_world", "flaky_task")}
        assert all(len(found) >= 3 for found in runs.values()), {d: len(r) for d, r in runs.items()}
        # the history's runs are named after their start; runs other tests triggered in this session are not
        seeded = [r for found in runs.values() for r in found
                  if r["start_date"] and r["dag_run_id"] == "manual__" + parse(r["start_date"]).isoformat()]
        now = datetime.now(UTC)
        assert len(seeded) >= 9 and {r["state"] for r in seeded} >= {"success", "failed"}
        assert all(now - timedelta(days=5) < parse(r["start_date"]) < now for r in seeded)
        failed = next(r for r in runs["daily_sales_etl"] if r["state"] == "failed")
        tasks = api.get(f"/dags/daily_sales_etl/dagRuns/{failed['dag_run_id']}/taskInstances").json()
        states = {t["task_id"]: t["state"] for t in tasks["task_instances"]}
        assert states == {"extract": "success", "transform": "failed", "load": "upstream_failed"}
        log = api.get(f"/dags/daily_sales_etl/dagRuns/{failed['dag_run_id']}/taskInstances/transform/logs/1",
                      headers={"Accept": "application/json"})
        assert log.status_code == 200 and "failed on purpose" in log.text


def test_airflow3_runs_a_triggerer(mwaa_env):
    health = mwaa_env.environment(V3)["web_url"] + "/api/v2/monitor/health"
    deadline = time.monotonic() + 60
    while (status := httpx.get(health).json()["triggerer"]["status"]) != "healthy" and time.monotonic() < deadline:
        time.sleep(1)
    assert status == "healthy"
