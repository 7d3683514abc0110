"""Execute every notebook of a folder top to bottom with nbclient, as Run All would (scripts/test-quickstart).

    python scripts/_run_notebooks.py FOLDER

Each runs in a fresh ``python3`` kernel of this Python, in FOLDER, with this process's environment (the emulator's
settings). A failing cell fails the run, except in cells tagged ``raises-exception`` (the troubleshooting
examples). The executed notebooks are written back into FOLDER, for a look at their outputs.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

CELL_TIMEOUT = 300  # seconds per cell: a DAG run waits for the scheduler


def run(path: Path) -> str | None:
    """Execute ``path`` in place; None when every cell passed, else what failed (one line)."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, startup_timeout=120, kernel_name="python3", allow_errors=False)
    try:
        client.execute(cwd=str(path.parent))
    except CellExecutionError as exc:
        return f"{exc.ename}: {exc.evalue}"
    finally:
        nbformat.write(nb, path)
    return None


def main(folder: Path) -> int:
    failed = 0
    for path in sorted(folder.glob("*.ipynb")):
        started = time.monotonic()
        error = run(path)
        verdict = "ok" if error is None else f"FAILED: {error}"
        print(f"    {path.name}: {verdict} ({time.monotonic() - started:.0f} s)", flush=True)
        failed += error is not None
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
