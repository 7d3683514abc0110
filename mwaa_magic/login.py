"""``from mwaa_magic.login import connect``: the documented Python entry point (see :mod:`mwaa_magic.core.connect`)."""

from __future__ import annotations

from .core.connect import connect

__all__ = ["connect"]
