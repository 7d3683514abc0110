"""What a plugins.zip may hold: MWAA unpacks it into /usr/local/airflow/plugins, so every member stays inside."""

from __future__ import annotations

from pathlib import PurePosixPath


def outside(names: list[str]) -> list[str]:
    """The member names of a zip that would land outside the folder it is unpacked in (absolute, ``..``, a
    drive or a backslash path)."""
    found = []
    for name in names:
        path = PurePosixPath(name.replace("\\", "/"))
        if name.startswith(("/", "\\")) or ".." in path.parts or (len(name) > 1 and name[1] == ":"):
            found.append(name)
    return found
