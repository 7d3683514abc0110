"""Keep executed notebooks for the documentation once no secret the running emulator issued is in them.

    python scripts/_keep_notebooks.py FOLDER TARGET     (scripts/test-quickstart, with the emulator still up)

Scans every file under FOLDER (the notebooks and whatever they wrote) for every token, cookie and JWT the emulator
lists (``EmulatorAdmin().secrets()``, from ``up``'s settings in the environment). On a leak it names the files and
exits 1, keeping nothing; else it copies FOLDER's ``*.ipynb`` into TARGET (emptied first), which ``scripts/docs``
renders.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from mwaa_magic.emulator import EmulatorAdmin
from mwaa_magic.emulator.secret_scan import leaks


def main(folder: Path, target: Path) -> int:
    secrets = EmulatorAdmin().secrets()
    files, size, found = leaks(folder, secrets)
    print(f"    secret scan: {len(secrets)} issued secrets, {files} files ({size / 1e6:.1f} MB): {sum(found.values())} found")
    if not secrets:
        print("    the emulator issued no secret: nothing to scan for, so nothing is kept (did the notebooks log in?)")
        return 1
    if found:
        print(f"    SECRET LEAK in {', '.join(sorted(found))}: the executed notebooks are not kept")
        return 1
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for path in sorted(folder.glob("*.ipynb")):
        shutil.copyfile(path, target / path.name)
    print(f"    kept {len(list(target.glob('*.ipynb')))} executed notebooks in {target} (scripts/docs renders them)")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
