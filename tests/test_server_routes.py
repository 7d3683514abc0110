"""The /mwaa routes of the server extension, against the local MWAA emulator (pytest-jupyter's jp_fetch)."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from lab_helpers import mints

from mwaa_magic.core.addresses import parse_webserver_urls

pytest_plugins = ["pytest_jupyter.jupyter_server"]

ROUTES = [
    ("GET", "mwaa/config"),
    ("GET", "mwaa/environments"),
    ("GET", "mwaa/environments/demo-airflow3"),
    ("POST", "mwaa/login-url"),
    ("GET", "mwaa/doctor/demo-airflow3"),
    ("GET", "mwaa/open?environment=demo-airflow3"),
    ("POST", "mwaa/open?environment=demo-airflow3"),
]


@pytest.fixture
def jp_server_config():
    return {"ServerApp": {"jpserver_extensions": {"mwaa_magic.server": True}}}


@pytest.fixture
def emulator(mwaa_env, monkeypatch):
    """The emulator's settings applied to this process (the server runs in it), with no cached clients."""
    yield mwaa_env


async def fetch_json(jp_fetch, path: str, **kwargs) -> tuple[int, dict]:
    response = await jp_fetch(*path.split("/"), raise_error=False, **kwargs)
    return response.code, json.loads(response.body)


def assert_error(status: int, body: dict, expected_status: int, code: str) -> None:
    assert status == expected_status, body
    assert set(body) == {"code", "message"}
    assert body["code"] == code
    assert body["message"] and "\n" not in body["message"]


async def test_config_lists_regions_and_default_region(jp_fetch, emulator):
    status, body = await fetch_json(jp_fetch, "mwaa/config")
    assert status == 200
    assert body["default_region"] == emulator.env["AWS_REGION"]
    assert "us-east-1" in body["regions"] and "eu-west-1" in body["regions"]
    assert isinstance(body["profiles"], list)
    assert body["default_profile"] is None


async def test_environments_lists_status_version_and_access_mode(jp_fetch, emulator):
    status, body = await fetch_json(jp_fetch, "mwaa/environments")
    assert status == 200
    assert body["region"] == "us-east-1"
    envs = {env["name"]: env for env in body["environments"]}
    assert {"demo-airflow3", "demo-airflow2", "staging-updating", "legacy-failed"} <= set(envs)
    assert "eu-reporting" not in envs
    assert envs["demo-airflow3"]["status"] == "AVAILABLE"
    assert envs["demo-airflow3"]["airflow_version"] == "3.0.6"
    assert envs["demo-airflow2"]["airflow_version"].startswith("2.")
    assert envs["staging-updating"]["status"] == "UPDATING"
    assert envs["staging-updating"]["webserver_access_mode"] == "PRIVATE_ONLY"
    assert envs["legacy-failed"]["status"] == "CREATE_FAILED"


async def test_environments_in_another_region(jp_fetch, emulator):
    status, body = await fetch_json(jp_fetch, "mwaa/environments", params={"region": "eu-west-1"})
    assert status == 200
    assert [env["name"] for env in body["environments"]] == ["eu-reporting"]
    assert body["environments"][0]["webserver_access_mode"] == "PUBLIC_AND_PRIVATE"


async def test_environment_details(jp_fetch, emulator):
    status, body = await fetch_json(jp_fetch, "mwaa/environments/demo-airflow3")
    assert status == 200
    assert body["name"] == "demo-airflow3"
    assert body["status"] == "AVAILABLE"
    assert body["airflow_version"] == "3.0.6"
    assert body["arn"].endswith(":environment/demo-airflow3")
    assert body["tags"].get("team") == "data-platform"


async def test_environment_errors(jp_fetch, emulator):
    assert_error(*await fetch_json(jp_fetch, "mwaa/environments/no-such-env"), 404, "EnvironmentNotFound")
    assert_error(*await fetch_json(jp_fetch, "mwaa/environments/1-bad"), 400, "InvalidEnvironmentName")
    assert_error(*await fetch_json(jp_fetch, "mwaa/environments", params={"region": "not a region"}), 400, "InvalidRequest")


async def test_login_url_is_fresh_and_points_at_the_web_server(jp_fetch, emulator):
    urls = parse_webserver_urls(emulator.env.get("MWAA_MAGIC_WEBSERVER_URLS", ""))
    body = json.dumps({"environment": "demo-airflow3", "region": "us-east-1", "profile": None})
    first = await fetch_json(jp_fetch, "mwaa/login-url", method="POST", body=body)
    second = await fetch_json(jp_fetch, "mwaa/login-url", method="POST", body=body)
    assert first[0] == second[0] == 200
    url, url2 = first[1]["url"], second[1]["url"]
    assert url != url2, "every click mints a new token"
    base, _, token = url.partition("#")
    assert base.rstrip("/").endswith("/aws_mwaa/aws-console-sso?login=true")
    if urls:  # the emulator runs Airflow: the link goes to its loopback web server
        assert any(url.startswith(web) for web in urls.values())
    issued = token in emulator.admin.secrets()  # a bool: a failing assert must not print the secrets
    assert issued


async def test_login_url_for_airflow2(jp_fetch, emulator):
    status, body = await fetch_json(jp_fetch, "mwaa/login-url", method="POST", body=json.dumps({"environment": "demo-airflow2"}))
    assert status == 200
    assert "/pluginsv2/" not in body["url"] and "/aws_mwaa/aws-console-sso?login=true#" in body["url"]


async def test_login_url_errors(jp_fetch, emulator, monkeypatch):
    post = lambda body: fetch_json(jp_fetch, "mwaa/login-url", method="POST", body=body)  # noqa: E731
    assert_error(*await post(json.dumps({"environment": "staging-updating"})), 409, "EnvironmentNotAvailable")
    assert_error(*await post(json.dumps({"environment": "nope"})), 404, "EnvironmentNotFound")
    assert_error(*await post(json.dumps({"environment": "<script>"})), 400, "InvalidEnvironmentName")
    assert_error(*await post(json.dumps({})), 400, "InvalidRequest")
    assert_error(*await post("not json"), 400, "InvalidRequest")
    assert_error(*await post(json.dumps(["demo-airflow3"])), 400, "InvalidRequest")
    assert_error(*await post(json.dumps({"environment": "demo-airflow3", "profile": "no-such-profile"})), 400, "ProfileNotFound")
    # An identity with no Airflow role anywhere: AccessDenied, telling which permission is missing.
    for name, value in emulator.identity_env(2).items():
        monkeypatch.setenv(name, value)
    status, body = await post(json.dumps({"environment": "demo-airflow3"}))
    assert_error(status, body, 403, "AccessDenied")
    assert "airflow:CreateWebLoginToken" in body["message"]


async def test_upstream_failure_is_502(jp_fetch, emulator):
    emulator.admin.fail_next("CreateWebLoginToken", count=10)
    status, body = await fetch_json(jp_fetch, "mwaa/login-url", method="POST", body=json.dumps({"environment": "demo-airflow3"}))
    assert_error(status, body, 502, "ServiceError")


async def test_open_redirects_to_the_airflow_ui(jp_fetch, emulator):
    response = await jp_fetch(
        "mwaa", "open", params={"environment": "demo-airflow3", "region": "us-east-1"}, follow_redirects=False, raise_error=False
    )
    assert response.code == 302
    location = response.headers["Location"]
    assert "/aws_mwaa/aws-console-sso?login=true#" in location
    issued = location.partition("#")[2] in emulator.admin.secrets()
    assert issued
    assert response.headers["Cache-Control"] == "no-store"
    if emulator.env.get("MWAA_MAGIC_WEBSERVER_URLS"):
        assert urlsplit(location).hostname == "127.0.0.1"


async def test_open_errors_are_json(jp_fetch, emulator):
    status, body = await fetch_json(jp_fetch, "mwaa/open", params={"environment": "legacy-failed"}, follow_redirects=False)
    assert status in (404, 409) and set(body) == {"code", "message"}
    assert_error(*await fetch_json(jp_fetch, "mwaa/open", follow_redirects=False), 400, "InvalidRequest")


@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_no_route_answers_without_jupyter_authentication(
    jp_serverapp, http_server_client, jp_base_url, emulator, method, path
):
    response = await http_server_client.fetch(
        jp_base_url + path, method=method, body="{}" if method == "POST" else None, follow_redirects=False, raise_error=False
    )
    location = response.headers.get("Location", "")
    if response.code == 302 and "after_login=1" in location:  # /mwaa/open marks itself first (issue 22 #1)
        assert location.startswith(jp_base_url + "mwaa/open?")
        response = await http_server_client.fetch(location, follow_redirects=False, raise_error=False)
    assert response.code in (401, 403) or (response.code == 302 and "/login" in response.headers["Location"])
    text = response.body.decode(errors="replace")
    assert "demo-airflow3" not in text and "aws-console-sso" not in text
    assert "aws-console-sso" not in response.headers.get("Location", "")
    assert not emulator.admin.calls().get("CreateWebLoginToken")


# --- /mwaa/open and other sites (issue 10 #3) ------------------------------------------------------------
NAVIGATION = {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}
EMBEDDED = [  # never a top-level navigation: refused with JSON, nothing minted, whatever the site
    {"Sec-Fetch-Site": "same-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image"},
    {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "script"},
    {"Sec-Fetch-Site": "same-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "iframe"},
    {"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image"},
    {"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "iframe"},
    {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty", "Origin": "http://evil.example"},
    {"Origin": "http://evil.example"},
    {"Origin": "null"},
]
FROM_ANOTHER_SITE = [  # a link on another page: a confirmation page, nothing minted
    {"Sec-Fetch-Site": "cross-site", **NAVIGATION},
    {"Sec-Fetch-Site": "same-site", **NAVIGATION},  # another port of the same host
    {"Referer": "http://evil.example/page"},  # a browser without Fetch Metadata
    {"Referer": "http://127.0.0.1:1/page"},
]


def console_redirect(response) -> str:
    """The redirect's target without its fragment (the token: a failing assertion must never print it)."""
    base, _, token = response.headers.get("Location", "").partition("#")
    return base + ("#<token>" if token else "")


async def get_open(jp_fetch, headers: dict[str, str], **params: str):
    return await jp_fetch(
        "mwaa",
        "open",
        params={"environment": "demo-airflow3", **params},
        headers=headers,
        follow_redirects=False,
        raise_error=False,
    )


def assert_confirmation_page(response) -> str:
    page = response.body.decode()
    assert response.code == 403
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    assert "Location" not in response.headers
    assert "demo-airflow3" in page and '<form method="post"' in page and 'name="_xsrf"' in page
    assert "aws-console-sso" not in page
    return page


@pytest.mark.parametrize("headers", EMBEDDED, ids=lambda h: ",".join(f"{k}={v}" for k, v in h.items()))
async def test_open_refuses_embedded_and_scripted_requests(jp_fetch, emulator, headers):
    response = await get_open(jp_fetch, headers)
    body = json.loads(response.body)
    assert_error(response.code, body, 403, "CrossSiteRequest")
    assert "Location" not in response.headers
    assert mints(emulator) == 0


@pytest.mark.parametrize("headers", FROM_ANOTHER_SITE, ids=lambda h: ",".join(f"{k}={v}" for k, v in h.items()))
async def test_open_from_another_site_asks_first(jp_fetch, emulator, headers):
    assert_confirmation_page(await get_open(jp_fetch, headers))
    assert mints(emulator) == 0


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "same-origin", **NAVIGATION, "Sec-Fetch-User": "?1"},  # the card's link in Jupyter's page
        {"Sec-Fetch-Site": "none", **NAVIGATION},  # the address bar, a bookmark
        {},  # a client that sends Jupyter's token (jp_fetch's Authorization header) and no browser headers
    ],
    ids=["same-origin", "address-bar", "token-no-metadata"],
)
async def test_open_from_jupyter_mints(jp_fetch, http_server_client, emulator, headers):
    response = await get_open(jp_fetch, headers)
    assert response.code == 302 and "/aws-console-sso?login=true#<token>" in console_redirect(response)
    assert mints(emulator) == 1
    # a same-origin Referer (a browser without Fetch Metadata) too
    referer = {"Referer": f"http://127.0.0.1:{http_server_client.get_http_port()}/lab"}
    assert (await get_open(jp_fetch, {**headers, **referer})).code == 302


async def test_open_post_is_for_the_confirmation_page_only(jp_fetch, emulator):
    def post(headers):
        return jp_fetch(
            "mwaa",
            "open",
            method="POST",
            body="environment=demo-airflow3",
            headers=headers,
            follow_redirects=False,
            raise_error=False,
        )

    for headers in (
        {"Sec-Fetch-Site": "cross-site", **NAVIGATION},
        {"Sec-Fetch-Site": "same-site", **NAVIGATION},
        {"Origin": "http://evil.example"},
        {"Referer": "http://evil.example/"},
    ):
        response = await post(headers)
        assert response.code == 403 and "Location" not in response.headers, headers
    assert mints(emulator) == 0
    response = await post({"Sec-Fetch-Site": "same-origin", **NAVIGATION})
    assert response.code == 303 and "/aws-console-sso?login=true#<token>" in console_redirect(response)
    assert mints(emulator) == 1


def cookies_of(response) -> dict[str, str]:
    found = {}
    for header in response.headers.get_list("Set-Cookie"):
        name, _, rest = header.partition("=")
        found[name] = rest.split(";")[0]
    return found


async def test_cookie_only_request_without_origin_headers_needs_the_confirmation(
    jp_serverapp, http_server_client, jp_base_url, emulator
):
    """A browser that sends neither Fetch Metadata nor Referer (old browser, plain http, the card's noreferrer
    link) with Jupyter's login cookie: a confirmation page; its form (XSRF token + cookie) mints; a forged POST does not."""
    fetch = lambda path, **kw: http_server_client.fetch(jp_base_url + path, follow_redirects=False, raise_error=False, **kw)  # noqa: E731
    login = await fetch(f"api/status?token={jp_serverapp.identity_provider.token}")
    cookies = cookies_of(login)
    assert cookies, "Jupyter set its login cookie"
    jar = "; ".join(f"{k}={v}" for k, v in cookies.items())
    page = await fetch("mwaa/open?environment=demo-airflow3&region=us-east-1", headers={"Cookie": jar})
    text = assert_confirmation_page(page)
    assert mints(emulator) == 0
    xsrf_cookie = cookies_of(page)["_xsrf"]
    xsrf_field = text.split('name="_xsrf" value="')[1].split('"')[0]
    jar_with_xsrf = f"{jar}; _xsrf={xsrf_cookie}"
    form = {"Cookie": jar_with_xsrf, "Content-Type": "application/x-www-form-urlencoded"}
    forged = await fetch("mwaa/open", method="POST", body="environment=demo-airflow3", headers=form)
    assert forged.code == 403 and mints(emulator) == 0
    confirmed = await fetch(
        "mwaa/open", method="POST", headers=form, body=f"_xsrf={xsrf_field}&environment=demo-airflow3&region=us-east-1"
    )
    assert confirmed.code == 303, confirmed.body
    assert "/aws-console-sso?login=true#<token>" in console_redirect(confirmed)
    assert mints(emulator) == 1


async def test_open_ignores_redirect_targets_and_addresses_in_the_request(jp_fetch, emulator):
    response = await get_open(
        jp_fetch,
        {},
        next="http://evil.example/",
        url="http://evil.example/",
        webserver_urls="http://evil.example",
        redirect="http://evil.example/",
    )
    assert response.code == 302
    assert "evil" not in console_redirect(response)


async def test_login_url_refuses_fields_it_does_not_know(jp_fetch, emulator):
    for field in ("webserver_urls", "url", "redirect"):
        status, body = await fetch_json(
            jp_fetch,
            "mwaa/login-url",
            method="POST",
            body=json.dumps({"environment": "demo-airflow3", field: "http://evil.example"}),
        )
        assert_error(status, body, 400, "InvalidRequest")
        assert "evil" not in body["message"]
    assert mints(emulator) == 0
