"""Find the secrets an emulator issued (``EmulatorAdmin().secrets()``) in files: saved notebooks, logs, a built site.

``leaks(folder, EmulatorAdmin().secrets())`` gives (files scanned, bytes scanned, {file: secrets found}).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

CANDIDATE = re.compile(rb"[A-Za-z0-9_\-.~+/=]{12,}")  # how every issued secret looks: split text into these
SKIPPED_SUFFIXES = (".png", ".db", ".sqlite")


def leaks(root: Path, secrets: Iterable[str]) -> tuple[int, int, dict[str, int]]:
    """(files scanned, bytes scanned, {file: secrets found}) for every file under ``root``."""
    wanted = {s.encode() for s in secrets if len(s) >= 12}
    files = size = 0
    found: dict[str, int] = {}
    for path in root.rglob("*"):
        if not path.is_file() or path.is_symlink() or path.suffix in SKIPPED_SUFFIXES:
            continue
        data = path.read_bytes()
        files, size = files + 1, size + len(data)
        hits = {m for m in CANDIDATE.findall(data) if m in wanted}
        hits |= {s for s in wanted if b"." in s and s in data} if b"eyJ" in data else set()  # JWTs split oddly
        if hits:
            found[str(path.relative_to(root))] = len(hits)
    return files, size, found
