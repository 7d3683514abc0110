"""No secret in the Jupyter server's logs, even at DEBUG (issue 10 #1, server part).

Every ``/mwaa`` route is exercised against the emulator with the root, tornado, ServerApp, botocore, urllib3,
httpx and httpcore loggers at DEBUG and a capturing handler; none of the secrets the emulator issued (web and
CLI tokens, session cookies, JWTs) may appear in what was logged, nor may the minted links.
"""

from __future__ import annotations

import json
import logging

import pytest

pytest_plugins = ["pytest_jupyter.jupyter_server"]

LOGGERS = ["", "tornado", "tornado.access", "tornado.application", "tornado.general", "ServerApp", "mwaa_magic",
           "botocore", "boto3", "urllib3", "httpx", "httpcore"]
THIRD_PARTY = ("botocore", "boto3", "urllib3", "httpx", "httpcore", "s3transfer")


@pytest.fixture
def jp_server_config():
    return {"ServerApp": {"jpserver_extensions": {"mwaa_magic.server": True}}}


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def text(self, keep=lambda record: True) -> str:
        return "\n".join(self.format(record) for record in self.records if keep(record))


@pytest.fixture
def debug_logs(jp_serverapp, mwaa_env):
    """Every logger of interest at DEBUG into one capturing handler (the server app's own logger too)."""
    capture = Capture()
    loggers = [logging.getLogger(name) for name in LOGGERS] + [jp_serverapp.log]
    saved = [(logger, logger.level) for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.addHandler(capture)
    yield capture
    for logger, level in saved:
        logger.setLevel(level)
        logger.removeHandler(capture)


async def exercise_every_route(jp_fetch, emulator) -> list[str]:
    """Call each route, successes and failures; return the links minted."""
    links = []
    get = lambda *path, **kw: jp_fetch("mwaa", *path, raise_error=False, follow_redirects=False, **kw)  # noqa: E731
    assert (await get("config")).code == 200
    assert (await get("environments")).code == 200
    assert (await get("environments", "demo-airflow3")).code == 200
    assert (await get("environments", "no-such-env")).code == 404
    for environment in ("demo-airflow3", "demo-airflow2"):
        response = await get("login-url", method="POST", body=json.dumps({"environment": environment}))
        assert response.code == 200
        links.append(json.loads(response.body)["url"])
        response = await get("open", params={"environment": environment})
        assert response.code == 302
        links.append(response.headers["Location"])
    navigation = {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}
    assert (await get("open", params={"environment": "demo-airflow3"}, headers={"Sec-Fetch-Site": "cross-site", **navigation})).code == 403
    response = await get("open", method="POST", body="environment=demo-airflow3", headers={"Sec-Fetch-Site": "same-origin", **navigation})
    assert response.code == 303
    links.append(response.headers["Location"])
    assert (await get("open", params={"environment": "staging-updating"})).code == 409
    emulator.admin.fail_next("CreateWebLoginToken", count=10)
    assert (await get("login-url", method="POST", body=json.dumps({"environment": "demo-airflow3"}))).code == 502
    return links


def leaked(text: str, secrets: list[str]) -> int:
    """How many of the secrets are in the text (a count: a failing assertion must not print them)."""
    return sum(1 for secret in secrets if secret and secret in text)


async def test_server_and_access_logs_hold_no_secret(jp_fetch, mwaa_env, debug_logs):
    """Tornado's access log, Jupyter's log and ours: no token, no minted link."""
    links = await exercise_every_route(jp_fetch, mwaa_env)
    secrets = mwaa_env.admin.secrets()
    assert len(secrets) >= 5
    ours = debug_logs.text(lambda record: not record.name.startswith(THIRD_PARTY))
    assert "/mwaa/open" in ours, "the access log lines were captured"
    assert leaked(ours, secrets) == 0, "a secret in the Jupyter server's own log"
    assert leaked(ours, links) == 0, "a minted link in the Jupyter server's own log"
    assert "aws-console-sso?login=true#" not in ours


async def test_no_logger_at_debug_holds_a_secret(jp_fetch, mwaa_env, debug_logs):
    await exercise_every_route(jp_fetch, mwaa_env)
    secrets = mwaa_env.admin.secrets()
    everything = debug_logs.text()
    assert "CreateWebLoginToken" in everything or "webtoken" in everything, "botocore's DEBUG lines were captured"
    count = leaked(everything, secrets)
    assert count == 0, f"{count} secret(s) in the DEBUG log"
