"""The server extension's settings: ``c.MwaaMagicServer.*`` in ``jupyter_server_config.py`` or ``--MwaaMagicServer.*=``.

The same settings as the kernel's ``%config MwaaMagics.*`` (one definition: :mod:`mwaa_magic.settings_traits`),
with the same defaults. A request may pick a profile and region; it never sets the web-server address or
where to redirect.
"""

from __future__ import annotations

from traitlets.config import Configurable

from ..core.validation import REGION_PATTERN
from ..settings_traits import PROFILE_PATTERN, SharedSettings

__all__ = ["PROFILE_PATTERN", "REGION_PATTERN", "MwaaMagicServer"]


class MwaaMagicServer(Configurable, SharedSettings):
    """Settings of the ``/mwaa`` routes of the Jupyter server."""
