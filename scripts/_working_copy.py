"""Keep a working copy of the sample notebooks (scripts/quickstart serves it, so the repository stays clean).

    python scripts/_working_copy.py SHIPPED_DIR WORKING_DIR

Copies each shipped file that is missing from WORKING_DIR. A copy the user has not changed follows the shipped
file when that changes; an edited copy is kept, and the change is reported once. What was shipped when each copy
was made (its SHA-256) is recorded in WORKING_DIR/.mwaa-magic-shipped.json.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path

MANIFEST = ".mwaa-magic-shipped.json"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sync(shipped: Path, working: Path) -> list[str]:
    """Bring ``working`` up to date with ``shipped`` without overwriting an edit; return what to tell the user."""
    working.mkdir(parents=True, exist_ok=True)
    manifest_path = working / MANIFEST
    try:
        recorded: dict[str, str] = json.loads(manifest_path.read_text())
    except (OSError, ValueError):
        recorded = {}
    copied, updated, kept = [], [], []
    for source in sorted(p for p in shipped.iterdir() if p.is_file()):
        name, new = source.name, digest(source)
        target = working / name
        if not target.exists():
            shutil.copyfile(source, target)
            copied.append(name)
        elif recorded.get(name) != new:
            mine = digest(target)
            if mine == recorded.get(name):  # untouched since it was copied: follows the shipped one
                shutil.copyfile(source, target)
                updated.append(name)
            elif mine != new:
                kept.append(name)
        recorded[name] = new
    manifest_path.write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n")
    lines = []
    if copied:
        lines.append(f"copied {', '.join(copied)} to {working}")
    if updated:
        lines.append(f"updated {', '.join(updated)} in {working} (changed in the repository, unchanged by you)")
    for name in kept:
        lines.append(
            f"{shipped.name}/{name} changed in the repository; your edited copy {working / name} is kept "
            "(delete or rename it and run the quickstart again to get the new one)"
        )
    return lines


if __name__ == "__main__":
    for line in sync(Path(sys.argv[1]), Path(sys.argv[2])):
        print(f"    {line}")
