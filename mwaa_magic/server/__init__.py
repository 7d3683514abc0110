"""Jupyter server extension: authenticated JSON routes under ``/mwaa`` for the JupyterLab extension, and the
server's base URL told to the kernels it starts (their token-free links point under it)."""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import tornado.web


class ServerApp(Protocol):
    """What the extension uses of Jupyter's ``ServerApp``."""

    web_app: tornado.web.Application
    log: logging.Logger


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "mwaa_magic.server"}]


def _load_jupyter_server_extension(server_app: ServerApp) -> None:
    """Register the ``/mwaa`` handlers on the running Jupyter server; tell its kernels its base URL."""
    from ..settings_traits import JUPYTER_BASE_URL_VARIABLE
    from .config import MwaaMagicServer
    from .routes import setup_handlers

    setup_handlers(server_app.web_app, MwaaMagicServer(parent=server_app))
    # Every kernel manager copies the server's environment into a kernel's (a gateway's only with
    # c.GatewayClient.allowed_envs naming it); this one value replaces what a parent server may have set.
    os.environ[JUPYTER_BASE_URL_VARIABLE] = server_app.web_app.settings["base_url"]
    server_app.log.info("mwaa_magic: /mwaa routes registered")


# Older notebook-server name, harmless for jupyter-server.
load_jupyter_server_extension = _load_jupyter_server_extension
