"""Every JSON ``/mwaa`` route answers Jupyter's own page only: a request another page causes calls no AWS API.

Issue 17 #9: ``GET /mwaa/doctor/ENV`` shaped like an ``<img>`` (cookie only, ``Sec-Fetch-Site: cross-site``)
minted a web login token and a CLI token. Each shape below is something another origin's page can make a
browser send (an embedding, a link, a form, a script's fetch); the emulator's call counters must not move.
"""

from __future__ import annotations

import json

import pytest

pytest_plugins = ["pytest_jupyter.jupyter_server"]

ROUTES = [
    ("GET", "mwaa/config"),
    ("GET", "mwaa/environments"),
    ("GET", "mwaa/environments/fast3"),
    ("GET", "mwaa/doctor/fast3"),
    ("POST", "mwaa/login-url"),
]
CROSS_SITE = [
    {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image"},  # <img>
    {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "script"},  # <script>
    {"Sec-Fetch-Site": "same-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image"},  # another loopback port
    {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "iframe"},
    {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"},  # a link, a form
    {"Sec-Fetch-Site": "same-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"},
    {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty", "Origin": "http://evil.example"},
    {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "empty", "Origin": "null"},
    {"Origin": "http://evil.example"},  # a browser without Fetch Metadata
    {"Origin": "null"},
    {"Referer": "http://evil.example/page"},
    {"Referer": "http://127.0.0.1:1/page"},
    {"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image"},  # a notebook's output
    {"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "script"},
    {"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "iframe"},
]
LOGIN_BODY = json.dumps({"environment": "fast3"})


@pytest.fixture
def jp_server_config():
    return {"ServerApp": {"jpserver_extensions": {"mwaa_magic.server": True}}}


def counters(aws, stub) -> tuple[dict[str, int], int, int]:
    """The emulator's calls (token mints included), the stub web server's requests and the secrets it issued."""
    return aws.admin.calls(), len(stub.state.requests), len(stub.state.issued)


def send(jp_fetch, method: str, path: str, headers: dict[str, str]):
    body = LOGIN_BODY if method == "POST" else None
    return jp_fetch(*path.split("/"), method=method, body=body, headers=dict(headers), follow_redirects=False, raise_error=False)


def label(headers: dict[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in headers.items())


@pytest.mark.parametrize("headers", CROSS_SITE, ids=label)
@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[p for _, p in ROUTES])
async def test_a_request_from_another_page_is_refused_before_any_call(jp_fetch, aws, stub, method, path, headers):
    before = counters(aws, stub)
    response = await send(jp_fetch, method, path, headers)
    body = json.loads(response.body)
    assert response.code == 403 and body["code"] == "CrossSiteRequest", body
    assert set(body) == {"code", "message"} and "\n" not in body["message"]
    assert counters(aws, stub) == before


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty"},  # JupyterLab's fetch
        {"Sec-Fetch-Site": "none", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"},  # the address bar
        {},  # a script with Jupyter's token and no browser headers
    ],
    ids=["lab-fetch", "address-bar", "token-no-metadata"],
)
@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[p for _, p in ROUTES])
async def test_jupyters_own_page_is_answered(jp_fetch, aws, method, path, headers):
    response = await send(jp_fetch, method, path, headers)
    assert response.code == 200, response.body


async def test_doctor_shaped_like_an_img_with_the_cookie_alone(jp_serverapp, http_server_client, jp_base_url, aws, stub):
    """The issue's own request: Jupyter's login cookie, no token, ``Sec-Fetch-Site: cross-site``; and the same
    cookie with no page information at all (an old browser): refused. With Lab's XSRF header: answered."""
    fetch = lambda path, **kw: http_server_client.fetch(jp_base_url + path, follow_redirects=False, raise_error=False, **kw)  # noqa: E731
    login = await fetch(f"api/status?token={jp_serverapp.identity_provider.token}")
    jar = {h.split("=", 1)[0]: h.split("=", 1)[1].split(";")[0] for h in login.headers.get_list("Set-Cookie")}
    cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
    before = counters(aws, stub)
    for headers in (
        {"Cookie": cookie, "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image"},
        {"Cookie": cookie},
    ):
        response = await fetch("mwaa/doctor/fast3", headers=headers)
        assert response.code == 403 and json.loads(response.body)["code"] == "CrossSiteRequest", headers
    assert counters(aws, stub) == before
    page = await fetch("lab", headers={"Cookie": cookie})  # Jupyter sets its _xsrf cookie on its pages
    xsrf = dict(h.split(";")[0].split("=", 1) for h in page.headers.get_list("Set-Cookie")).get("_xsrf")
    assert xsrf, "Jupyter set its _xsrf cookie"
    lab_fetch = await fetch("mwaa/environments/fast3", headers={"Cookie": f"{cookie}; _xsrf={xsrf}", "X-XSRFToken": xsrf})
    assert lab_fetch.code == 200, lab_fetch.body
