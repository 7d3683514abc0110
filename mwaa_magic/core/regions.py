"""Which other regions hold an environment of a given name (for "not found here" messages).

GetEnvironment in every region botocore knows for MWAA, concurrently, one short attempt each; answers are
reused for a few seconds so that concurrent not-found errors ask once.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from .settings import AWS_SETTINGS

REUSE = 5.0  # seconds an answer is reused
TIMEOUT = 2.0  # seconds per region (connect and read); one attempt
_lock = threading.Lock()
_answers: dict[tuple[str | None, str, str], tuple[float, list[str]]] = {}


def regions_holding(name: str, profile: str | None, here: str) -> list[str]:
    """The MWAA regions other than ``here`` where ``name`` exists (those that answered in time)."""
    key = (profile, here, name)
    with _lock:
        at, found = _answers.get(key, (0.0, []))
        if time.monotonic() - at < REUSE:
            return found
        found = _search(name, profile, here)
        _answers[key] = (time.monotonic(), found)
        return found


_clients: dict[tuple, Any] = {}


def _clients_for(profile: str | None, here: str) -> dict[str, Any]:
    """One short-timeout ``mwaa`` client per other region, kept while the AWS settings stay the same."""
    import os

    import boto3
    import botocore.config

    key = (profile, here, tuple(os.environ.get(name) for name in AWS_SETTINGS))
    if key not in _clients:
        session = boto3.Session(profile_name=profile or None)
        config = botocore.config.Config(connect_timeout=TIMEOUT, read_timeout=TIMEOUT,
                                        retries={"mode": "standard", "total_max_attempts": 1})
        _clients[key] = {region: session.client("mwaa", region_name=region, config=config)
                         for region in session.get_available_regions("mwaa") if region != here}
    return _clients[key]


def _search(name: str, profile: str | None, here: str) -> list[str]:
    clients = _clients_for(profile, here)
    regions = list(clients)

    def exists(region: str) -> bool:
        try:
            clients[region].get_environment(Name=name)
            return True
        except Exception:  # noqa: BLE001 - not there, not allowed, not enabled, not answering: not a hit
            return False

    if not regions:
        return []
    with ThreadPoolExecutor(max_workers=min(16, len(regions))) as pool:
        hits = list(pool.map(exists, regions))
    return [region for region, hit in zip(regions, hits, strict=True) if hit]
