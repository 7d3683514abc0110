"""``GET /mwaa/open`` from a browser without Jupyter's login cookie (issue 22 #1).

It got ``403 {"message": "Forbidden"}`` (jupyter-server's ``APIHandler`` answers a missing login so). Now the
browser goes through the server's normal login (JupyterHub's OAuth under a hub) and comes back to the same
link marked as "after a login", which always shows the same-origin confirmation page: a link from another
site never mints right after a login. Embedded or scripted requests still get a plain 403.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

pytest_plugins = ["pytest_jupyter.jupyter_server"]

LINK = "mwaa/open?environment=fast3&region=us-east-1"
NAVIGATION = {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}


@pytest.fixture
def jp_server_config():
    return {"ServerApp": {"jpserver_extensions": {"mwaa_magic.server": True}}}


@pytest.fixture
def fetch(http_server_client, jp_base_url):
    """A browser's request: no Jupyter token unless the test adds a cookie, redirects not followed."""
    return lambda path, **kw: http_server_client.fetch(jp_base_url + path, follow_redirects=False, raise_error=False, **kw)


def mints(aws) -> int:
    return aws.admin.calls().get("CreateWebLoginToken", 0)


def cookie_jar(*responses) -> str:
    jar = {}
    for response in responses:
        for header in response.headers.get_list("Set-Cookie"):
            name, _, rest = header.partition("=")
            jar[name] = rest.split(";")[0]
    return "; ".join(f"{k}={v}" for k, v in jar.items())


@pytest.mark.parametrize("site", ["cross-site", "none", None], ids=["link-from-another-site", "address-bar", "no-metadata"])
async def test_without_the_cookie_log_in_then_confirm(jp_serverapp, jp_base_url, fetch, aws, stub, site):
    headers = {**NAVIGATION, "Sec-Fetch-Site": site} if site else {}
    first = await fetch(LINK, headers=headers)
    assert first.code == 302, first.body
    marked = first.headers["Location"]
    assert urlsplit(marked).path == f"{jp_base_url}mwaa/open"
    assert parse_qs(urlsplit(marked).query) == {"environment": ["fast3"], "region": ["us-east-1"], "after_login": ["1"]}

    to_login = await fetch(marked.removeprefix(jp_base_url), headers=headers)
    assert to_login.code == 302
    login = urlsplit(to_login.headers["Location"])
    assert login.path == f"{jp_base_url}login" and parse_qs(login.query)["next"] == [marked]
    assert mints(aws) == 0 and not stub.state.issued

    # Logged in (the login page's form, or Jupyter's token once), the login page sends the browser to `next`:
    # a same-origin navigation, which alone would mint. After a login it shows the confirmation page instead.
    logged_in = await fetch(f"api/status?token={jp_serverapp.identity_provider.token}")
    jar = cookie_jar(logged_in)
    page = await fetch(marked.removeprefix(jp_base_url), headers={"Cookie": jar, "Sec-Fetch-Site": "same-origin", **NAVIGATION})
    text = page.body.decode()
    assert page.code == 403 and page.headers["Content-Type"].startswith("text/html"), text
    assert "just logged in" in text and '<form method="post"' in text and "after_login" not in text
    assert page.headers["X-Frame-Options"] == "DENY" and "Location" not in page.headers
    assert mints(aws) == 0

    xsrf = text.split('name="_xsrf" value="')[1].split('"')[0]
    confirmed = await fetch(
        "mwaa/open",
        method="POST",
        body=f"_xsrf={xsrf}&environment=fast3&region=us-east-1",
        headers={
            "Cookie": cookie_jar(logged_in, page),
            "Content-Type": "application/x-www-form-urlencoded",
            "Sec-Fetch-Site": "same-origin",
            **NAVIGATION,
        },
    )
    assert confirmed.code == 303, confirmed.body
    assert "/aws-console-sso?login=true#" in confirmed.headers["Location"]
    assert mints(aws) == 1


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image"},
        {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "iframe"},
        {"Origin": "http://evil.example"},
    ],
    ids=["img", "iframe", "script-fetch"],
)
async def test_without_the_cookie_an_embedding_gets_403(fetch, aws, headers):
    for link in (LINK, LINK + "&after_login=1"):
        response = await fetch(link, headers=headers)
        assert response.code in (403, 404) and "Location" not in response.headers  # 404: Jupyter's own origin check
    assert mints(aws) == 0


async def test_logged_in_the_marked_link_confirms_and_the_plain_one_mints(jp_fetch, aws):
    """``after_login`` only ever adds the confirmation step; the card's link (no mark) still mints at once."""
    navigate = {"Sec-Fetch-Site": "same-origin", **NAVIGATION}
    marked = await jp_fetch(
        "mwaa",
        "open",
        params={"environment": "fast3", "after_login": "1"},
        headers=navigate,
        follow_redirects=False,
        raise_error=False,
    )
    assert marked.code == 403 and b'<form method="post"' in marked.body
    assert mints(aws) == 0
    plain = await jp_fetch(
        "mwaa", "open", params={"environment": "fast3"}, headers=navigate, follow_redirects=False, raise_error=False
    )
    assert plain.code == 302 and "/aws-console-sso?login=true#" in plain.headers["Location"]
    assert mints(aws) == 1
