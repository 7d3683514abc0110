"""Jupyter server extension: authenticated JSON routes under ``/mwaa`` for the JupyterLab extension."""

from __future__ import annotations

from typing import Any


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "mwaa_magic.server"}]


def _load_jupyter_server_extension(server_app: Any) -> None:
    """Register the ``/mwaa`` handlers on the running Jupyter server."""
    from .config import MwaaMagicServer
    from .routes import setup_handlers

    setup_handlers(server_app.web_app, MwaaMagicServer(parent=server_app))
    server_app.log.info("mwaa_magic: /mwaa routes registered")


# Older notebook-server name, harmless for jupyter-server.
load_jupyter_server_extension = _load_jupyter_server_extension
