"""One slow environment does not stall every link (issue 17 #10).

Twelve ``GET /mwaa/doctor/ENV`` runs hang on a web server that accepts connections and never answers (each
run waits out its login and CLI steps, many seconds). Meanwhile the login card's button (``POST
/mwaa/login-url``) and the sidebar's listing must answer: before, all routes shared one pool of 8 workers, and
the button waited for the doctors (12.7 s in the outside test). The timing bound here is generous on purpose;
the point is that the button answers while every doctor is still running. ``bench/route_pools.py`` times it.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time

import pytest
from tornado.httpclient import AsyncHTTPClient

pytest_plugins = ["pytest_jupyter.jupyter_server"]

DOCTORS = 12


@pytest.fixture
def jp_server_config():
    return {"ServerApp": {"jpserver_extensions": {"mwaa_magic.server": True}}}


@pytest.fixture
def hanging_web_server(aws, monkeypatch):
    """Every web server address points at a socket that accepts connections and never answers; closed after
    (which resets the connections waiting in its backlog, so that the doctors end at once)."""
    server = socket.create_server(("127.0.0.1", 0), backlog=128)
    monkeypatch.setenv("MWAA_MAGIC_WEBSERVER_URLS", f"http://127.0.0.1:{server.getsockname()[1]}")
    yield server
    server.close()


async def test_the_cards_button_answers_while_twelve_doctors_hang(
    jp_serverapp, http_server_client, jp_base_url, jp_auth_header, hanging_web_server
):
    client = AsyncHTTPClient(force_instance=True, max_clients=DOCTORS + 4)  # jp_fetch's client runs 10 at a time
    root = f"http://127.0.0.1:{http_server_client.get_http_port()}{jp_base_url}mwaa/"

    def fetch(path: str, **kwargs):
        return client.fetch(root + path, headers=dict(jp_auth_header), raise_error=False, request_timeout=120, **kwargs)

    try:
        doctors = [asyncio.ensure_future(fetch("doctor/fast3")) for _ in range(DOCTORS)]
        await asyncio.sleep(1.5)  # every doctor past its AWS steps, waiting on the web server
        assert not any(d.done() for d in doctors), "the doctors were meant to hang on the web server"
        started = time.monotonic()
        button = await fetch("login-url", method="POST", body=json.dumps({"environment": "fast3"}))
        seconds = time.monotonic() - started
        listing = await fetch("environments")
        assert button.code == 200 and "#" in json.loads(button.body)["url"]
        assert listing.code == 200
        assert not any(d.done() for d in doctors), f"the button waited for a doctor ({seconds:.1f} s)"
        assert seconds < 5, f"the button took {seconds:.1f} s while the doctors hang"
    finally:
        hanging_web_server.close()  # the doctors' connections are reset: they end now
        results = await asyncio.gather(*doctors)
        client.close()
    assert all(r.code == 200 for r in results)
