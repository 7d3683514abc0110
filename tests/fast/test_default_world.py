"""The emulator's default world looks like MWAA: a public web server has no private-endpoint (``-vpce``) hostname."""

from __future__ import annotations

import pytest

from mwaa_magic.emulator.config import EmulatorConfig

pytestmark = pytest.mark.fast


@pytest.mark.parametrize("env", EmulatorConfig.default().environments, ids=lambda e: e.name)
def test_a_public_web_server_has_no_private_endpoint_hostname(env):
    if env.webserver_access_mode != "PRIVATE_ONLY":
        assert "-vpce" not in env.hostname.split(".")[0], (env.webserver_access_mode, env.hostname)
