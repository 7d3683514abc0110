"""Which other regions hold an environment of a given name (for "not found here" messages).

GetEnvironment in every region botocore knows for MWAA, concurrently, one short attempt each; answers are
reused for a few seconds so that concurrent not-found errors ask once.
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from .settings import AWS_SETTINGS

REUSE = 5.0  # seconds an answer is reused
TIMEOUT = 2.0  # seconds per region (connect and read); one attempt
REGIONS_VARIABLE = "MWAA_MAGIC_SEARCH_REGIONS"  # comma-separated regions to search instead of botocore's list
_lock = threading.Lock()
_answers: dict[tuple, tuple[float, list[str]]] = {}


def regions_holding(name: str, profile: str | None, here: str, regions: list[str] | None = None) -> list[str]:
    """The MWAA regions other than ``here`` where ``name`` exists (those that answered in time).

    ``regions``: where to look (default ``$MWAA_MAGIC_SEARCH_REGIONS``, else every region botocore knows for MWAA).
    """
    key = (profile, here, name, tuple(regions or ()), os.environ.get(REGIONS_VARIABLE, ""))
    with _lock:
        at, found = _answers.get(key, (0.0, []))
        if time.monotonic() - at < REUSE:
            return found
        found = _search(name, profile, here, regions)
        _answers[key] = (time.monotonic(), found)
        return found


def search_regions(session: Any, regions: list[str] | None = None) -> list[str]:
    """``regions``, else ``$MWAA_MAGIC_SEARCH_REGIONS``, else the regions botocore knows for MWAA."""
    text = os.environ.get(REGIONS_VARIABLE, "")
    if regions is None and text.strip():
        regions = [r.strip() for r in text.split(",") if r.strip()]
    return list(regions) if regions is not None else session.get_available_regions("mwaa")


_clients: dict[tuple, Any] = {}


def _clients_for(profile: str | None, here: str, regions: list[str] | None = None) -> dict[str, Any]:
    """One short-timeout ``mwaa`` client per other region, kept while the AWS settings stay the same."""
    import boto3
    import botocore.config

    key = (profile, here, tuple(regions or ()), os.environ.get(REGIONS_VARIABLE, ""),
           tuple(os.environ.get(name) for name in AWS_SETTINGS))
    if key not in _clients:
        session = boto3.Session(profile_name=profile or None)
        config = botocore.config.Config(connect_timeout=TIMEOUT, read_timeout=TIMEOUT,
                                        retries={"mode": "standard", "total_max_attempts": 1})
        _clients[key] = {region: session.client("mwaa", region_name=region, config=config)
                         for region in search_regions(session, regions) if region != here}
    return _clients[key]


def _search(name: str, profile: str | None, here: str, regions: list[str] | None = None) -> list[str]:
    clients = _clients_for(profile, here, regions)
    regions = list(clients)

    def exists(region: str) -> bool:
        try:
            clients[region].get_environment(Name=name)
            return True
        except Exception:
            return False

    if not regions:
        return []
    with ThreadPoolExecutor(max_workers=min(16, len(regions))) as pool:
        hits = list(pool.map(exists, regions))
    return [region for region, hit in zip(regions, hits, strict=True) if hit]
