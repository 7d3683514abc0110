"""Where the token-free link of the login card and the picker points: under the Jupyter server's base URL (issue 22 #2).

``jupyter lab --ServerApp.base_url=/foo/`` left the card's ``<a href>`` at ``/mwaa/open?…`` (a 404). The server
extension now tells the kernels it starts its base URL (``$MWAA_MAGIC_JUPYTER_BASE_URL``). Precedence: the
kernel's ``%config MwaaMagics.jupyter_base_url`` > the server's variable > ``$JUPYTERHUB_SERVICE_PREFIX`` > ``/``.
"""

from __future__ import annotations

import os

import pytest

from mwaa_magic.core.session import LoginInfo
from mwaa_magic.kernel.display import LoginCard, open_route

pytest_plugins = ["pytest_jupyter.jupyter_server"]

SERVER_VARIABLE = "MWAA_MAGIC_JUPYTER_BASE_URL"  # documented in docs/team.md: a contract, spelled out here
HUB_VARIABLE = "JUPYTERHUB_SERVICE_PREFIX"
QUERY = "mwaa/open?environment=fast3&region=us-east-1"


@pytest.mark.parametrize(
    ("setting", "server", "hub", "expected"),
    [
        ("/set/", "/server/", "/user/alice/", f"/set/{QUERY}"),
        (None, "/server/", "/user/alice/", f"/server/{QUERY}"),
        ("", "/server/", None, f"/server/{QUERY}"),  # an empty setting is no setting
        (None, None, "/user/alice/", f"/user/alice/{QUERY}"),
        (None, "", "/user/alice/", f"/user/alice/{QUERY}"),
        (None, None, None, f"/{QUERY}"),
        ("/set", None, None, f"/set/{QUERY}"),  # with or without the trailing slash
    ],
    ids=["setting-wins", "server-over-hub", "empty-setting", "hub", "empty-server", "root", "no-trailing-slash"],
)
def test_open_route_precedence(monkeypatch, setting, server, hub, expected):
    for name, value in ((SERVER_VARIABLE, server), (HUB_VARIABLE, hub)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert open_route("fast3", "us-east-1", None, setting) == expected


def card_href(jupyter_base_url: str | None) -> str:
    info = LoginInfo("fast3", "us-east-1", None, "web.example", "", "admin", "3.0.6", None, 0.0)
    html = LoginCard(info, "mwaa", jupyter_base_url, served=True)._repr_mimebundle_()["text/html"]
    return html.split("href='", 1)[1].split("'", 1)[0]


def test_card_link_follows_the_server_unless_set(monkeypatch):
    monkeypatch.setenv(SERVER_VARIABLE, "/some/prefix/")
    monkeypatch.setenv(HUB_VARIABLE, "/user/alice/")
    assert card_href(None) == f"/some/prefix/{QUERY}".replace("&", "&amp;")
    assert card_href("/gateway/") == f"/gateway/{QUERY}".replace("&", "&amp;")


@pytest.fixture
def jp_base_url() -> str:
    return "/some/prefix/"


@pytest.fixture
def jp_server_config():
    return {"ServerApp": {"jpserver_extensions": {"mwaa_magic.server": True}}}


@pytest.fixture
def no_inherited_base_url(monkeypatch):
    monkeypatch.setenv(SERVER_VARIABLE, "/from/a/parent/server/")  # a server started from another one's terminal


def test_server_tells_its_kernels_its_base_url(no_inherited_base_url, jp_serverapp):
    """The environment the server starts a kernel with (its session manager's) holds the server's own base URL."""
    assert jp_serverapp.base_url == "/some/prefix/"
    assert jp_serverapp.session_manager.get_kernel_env("notebook.ipynb")[SERVER_VARIABLE] == "/some/prefix/"
    assert os.environ[SERVER_VARIABLE] == "/some/prefix/"
