"""GET /mwaa/doctor/<name> (the lab sidebar's "Diagnose"): doctor's data as JSON, behind Jupyter's auth."""

from __future__ import annotations

import json

import pytest

pytest_plugins = ["pytest_jupyter.jupyter_server"]


@pytest.fixture
def jp_server_config():
    return {"ServerApp": {"jpserver_extensions": {"mwaa_magic.server": True}}}


async def test_the_route_gives_doctors_data(jp_fetch, aws, issued):
    response = await jp_fetch("mwaa", "doctor", "fast3", params={"region": "us-east-1"}, raise_error=False)
    body = json.loads(response.body)
    assert response.code == 200 and body["ok"] is True and body["environment"] == "fast3"
    assert [c["check"] for c in body["checks"]][:3] == ["Credentials", "Identity (STS)", "Clock"]
    assert body["airflow_support"]["state"] == "supported" and body["airflow_support"]["version"] == "3.0.6"
    assert any(c["check"] == "Airflow version support" and c["mark"] == "✓" for c in body["checks"])  # the lab's row
    assert [s[:6] for s in issued() if s in response.body.decode()] == []


async def test_a_failing_environment_is_data_not_an_error(jp_fetch, aws):
    response = await jp_fetch("mwaa", "doctor", "elsewhere", raise_error=False)
    body = json.loads(response.body)
    assert response.code == 200 and body["ok"] is False
    assert any(c["status"] == "fail" and "eu-west-1" in c["fix"] for c in body["checks"])


async def test_a_bad_name_is_refused(jp_fetch, aws):
    response = await jp_fetch("mwaa", "doctor", "1bad", raise_error=False)
    assert response.code == 400 and json.loads(response.body)["code"] == "InvalidEnvironmentName"


async def test_the_route_needs_jupyters_auth(jp_fetch, aws):
    response = await jp_fetch("mwaa", "doctor", "fast3", headers={"Authorization": ""}, raise_error=False)
    assert response.code in (302, 403)


@pytest.mark.parametrize(
    "body",
    [
        "[" * 5000 + "]" * 5000,
        '{"a": ' * 5000 + "1" + "}" * 5000,
        json.dumps({"environment": "fast3", "profile": [[[[]]]]}),
        json.dumps({"environment": "x" * 100_000}),
        "\udcff",
        b"\xff\xfe{",
    ],
    ids=["deep-list", "deep-object", "nested-field", "huge", "lone-surrogate", "not-utf8"],
)
async def test_login_url_answers_bad_bodies_with_one_line_400(jp_fetch, aws, body):
    """Issue 17 #16: a 5,000-deep JSON body gave a 500 (RecursionError); bad input is a 400 with one line."""
    data = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    response = await jp_fetch("mwaa", "login-url", method="POST", body=data, raise_error=False)
    answer = json.loads(response.body)
    assert response.code == 400, answer
    assert answer["code"] in ("InvalidRequest", "InvalidEnvironmentName") and "\n" not in answer["message"]
    assert len(answer["message"]) < 300
    assert not aws.admin.calls().get("CreateWebLoginToken")


async def test_the_marks_come_with_the_data(jp_fetch, aws):
    """Issue 18 #3: the sidebar shows the server's marks (✓ ✗ ⚠ skipped) instead of keeping a copy of them."""
    response = await jp_fetch("mwaa", "doctor", "elsewhere", raise_error=False)
    body = json.loads(response.body)
    assert body["marks"] == {"ok": "✓", "warn": "⚠", "fail": "✗", "skipped": "skipped", "n/a": "–"}
    assert all(check["mark"] == body["marks"][check["status"]] for check in body["checks"])
    assert {"check", "status", "found", "fix", "seconds", "mark"} == set(body["checks"][0])
