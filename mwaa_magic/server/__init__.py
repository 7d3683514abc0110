"""Jupyter server extension: authenticated JSON routes under ``/mwaa`` for the JupyterLab extension."""

from __future__ import annotations

import logging
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
    """Register the ``/mwaa`` handlers on the running Jupyter server."""
    from .config import MwaaMagicServer
    from .routes import setup_handlers

    setup_handlers(server_app.web_app, MwaaMagicServer(parent=server_app))
    server_app.log.info("mwaa_magic: /mwaa routes registered")


# Older notebook-server name, harmless for jupyter-server.
load_jupyter_server_extension = _load_jupyter_server_extension
