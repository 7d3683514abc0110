"""The emulator's web front reads every difference between Airflow majors from releases.py (no Airflow runs)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
import tornado.httputil

from mwaa_magic.emulator import webserver
from mwaa_magic.emulator.airflow_backend import AirflowBackend
from mwaa_magic.emulator.config import EmulatorConfig, EnvironmentConfig
from mwaa_magic.emulator.knobs import Knobs
from mwaa_magic.emulator.releases import LINES, RELEASES
from mwaa_magic.emulator.tokens import TokenSigner

pytestmark = pytest.mark.fast

EMULATOR = Path(webserver.__file__).parent
VERSION_LOGIC = re.compile(r"major\s*(>=|<=|>|<|==)|/api/v\d|flavour_for\(\s*['\"\d]|\.v3\b")


def test_no_version_logic_outside_the_release_table():
    found = [
        f"{path.name}:{number}: {line.strip()}"
        for path in sorted(EMULATOR.rglob("*.py"))
        if path.name != "releases.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if VERSION_LOGIC.search(line)
    ]
    assert not found


def handler_of(app, method: str, path: str) -> type:
    start = tornado.httputil.RequestStartLine(method, path, "HTTP/1.1")
    headers = tornado.httputil.HTTPHeaders({"Host": "127.0.0.1:8951"})
    request = tornado.httputil.HTTPServerRequest(start_line=start, headers=headers)
    return app.find_handler(request).handler_class


def web_app(version: str, tmp_path: Path, **front: object):
    backend = AirflowBackend(version, tmp_path)
    line = backend.release.line
    backend.release = replace(backend.release, line=replace(line, front=replace(line.front, **front)))
    return webserver.make_web_app(EnvironmentConfig("e", version), backend, TokenSigner(), Knobs())


@pytest.mark.parametrize("version", ["3.0.6", "2.10.3"])
def test_the_web_front_serves_its_lines_paths(version, tmp_path):
    front = RELEASES[version].line.front
    app = web_app(version, tmp_path)
    assert handler_of(app, "POST", front.login_path) is webserver.LoginHandler
    for path in front.sso_paths:
        assert handler_of(app, "GET", path) is webserver.SsoPageHandler
    assert handler_of(app, "GET", "/login/") is webserver.LoginRedirectHandler
    assert handler_of(app, "POST", "/aws_mwaa/cli") is webserver.CliHandler
    other = next(line.front for line in LINES.values() if line.front.login_path != front.login_path)
    assert handler_of(app, "POST", other.login_path) is webserver.ProxyHandler  # the other major's login is not here


def test_a_new_front_is_one_table_entry(tmp_path):
    app = web_app("3.0.6", tmp_path, login_path="/v9/login", sso_paths=("/v9/sso",), login_redirects=(r"/v9/auth/?",))
    assert handler_of(app, "POST", "/v9/login") is webserver.LoginHandler
    assert handler_of(app, "GET", "/v9/sso") is webserver.SsoPageHandler
    assert handler_of(app, "GET", "/v9/auth") is webserver.LoginRedirectHandler
    assert handler_of(app, "POST", "/pluginsv2/aws_mwaa/login") is webserver.ProxyHandler


def test_hostnames_come_from_the_line():
    config = EmulatorConfig.from_dict(
        {"environments": [{"name": "a", "airflow_version": "3.0.6"}, {"name": "b", "airflow_version": "2.10.3"}]}
    )
    three, two = config.environments
    assert three.hostname.endswith(".us-east-1.airflow.on.aws")
    assert re.fullmatch(r"[0-9a-f-]{36}-vpce\.c\d{1,2}\.us-east-1\.airflow\.amazonaws\.com", two.hostname)
