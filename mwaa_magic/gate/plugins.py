"""plugins.zip before UpdateEnvironment: built from a folder (or a zip taken as it is), checked here (no member
outside the zip's folder, every Python file compiles), then applied like requirements.txt (:mod:`.apply`).

MWAA unpacks plugins.zip into ``/usr/local/airflow/plugins`` on every container; its modules are importable
from DAGs and Airflow loads the plugins they define.
"""

from __future__ import annotations

import io
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..core import errors

SKIPPED = ("__pycache__", ".ipynb_checkpoints", ".git", ".venv")  # never shipped: caches, checkouts, venvs
_STAMP = (1980, 1, 1, 0, 0, 0)  # every member's time: the same folder gives the same bytes (and S3 version)


class PluginsRefused(errors.InvalidInput):
    """A plugins folder or zip MWAA would refuse or could not use: the member and why."""


@dataclass(frozen=True)
class PluginsCheck:
    """A checked plugins.zip: its bytes, its members, how many Python files compiled, the time it took."""

    body: bytes
    names: list[str]
    python_files: int
    source: str
    seconds: float

    def summary(self) -> str:
        return (
            f"plugins.zip from {self.source}: {len(self.names)} file(s), {self.python_files} Python file(s) compile, "
            f"{len(self.body) / 1024:.1f} KiB ({self.seconds:.1f} s)."
        )


def build(path: str) -> PluginsCheck:
    """The plugins.zip of ``path`` (a folder: zipped; a .zip file: taken as it is), checked."""
    start, source = time.monotonic(), Path(path).expanduser()
    if source.is_dir():
        body = _zip_folder(source)
    elif source.is_file() and source.suffix == ".zip":
        body = source.read_bytes()
    else:
        raise PluginsRefused(f"No folder or .zip file {path}: give the folder to zip as plugins.zip, or a plugins.zip.")
    names, python_files = check(body)
    return PluginsCheck(body, names, python_files, path, time.monotonic() - start)


def _zip_folder(root: Path) -> bytes:
    """The files below ``root`` as a zip (members relative to it, sorted, fixed times); a link leading outside
    ``root`` is refused (MWAA would get the file it points to, or nothing)."""
    data, top = io.BytesIO(), root.resolve()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(root.rglob("*")):
            relative = path.relative_to(root)
            if any(part in SKIPPED for part in relative.parts) or path.suffix == ".pyc" or path.is_dir():
                continue
            if not path.resolve().is_relative_to(top):
                raise PluginsRefused(f"{relative} links outside {root}: copy the file in instead.")
            info = zipfile.ZipInfo(relative.as_posix(), _STAMP)
            info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            archive.writestr(info, path.read_bytes())
    return data.getvalue()


def check(body: bytes) -> tuple[list[str], int]:
    """(member names, Python files) of a plugins.zip; PluginsRefused for a file that is not a zip, a member
    outside its folder, or a Python file that does not compile (file and line)."""
    from ..emulator.plugins_zip import outside

    try:
        archive = zipfile.ZipFile(io.BytesIO(body))
    except zipfile.BadZipFile:
        raise PluginsRefused("plugins.zip is not a zip file.") from None
    with archive:
        names = archive.namelist()
        bad = outside(names)
        if bad:
            raise PluginsRefused(
                f"plugins.zip holds {bad[0]}, a path outside its folder: MWAA refuses it; keep every file inside."
            )
        sources = [name for name in names if name.endswith(".py")]
        for name in sources:
            try:
                compile(archive.read(name), name, "exec", dont_inherit=True)
            except SyntaxError as exc:
                raise PluginsRefused(f"{name} line {exc.lineno}: {exc.msg} (it would not import on MWAA).") from None
            except ValueError as exc:  # null bytes
                raise PluginsRefused(f"{name}: {exc}.") from None
    return [n for n in names if not n.endswith("/")], len(sources)
