"""The parse gate: Airflow's own DagBag import of DAG files, here, in the venv of the release an environment runs,
in a subprocess with a time limit (a throwaway AIRFLOW_HOME; DAG ids per file, import errors with Airflow's
traceback). ``parse_files`` takes paths on disk; ``parse_sources`` takes files as a DAG folder would hold them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..core import errors
from ..core.table import Table
from ..core.text import shorten
from .release import requirements_venv

CHILD = Path(__file__).with_name("_parse_child.py")
TIMEOUT = 60.0  # seconds for one parse (Airflow's own per-file limit, dagbag_import_timeout, is 30 s)
QUIET = {
    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    "AIRFLOW__LOGGING__LOGGING_LEVEL": "ERROR",
    "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
}


class ParseFailed(errors.Unavailable):
    """The parse itself did not finish (time limit, a crash of Airflow before any file was imported)."""


@dataclass(frozen=True)
class FileParse:
    """One file as Airflow's DagBag saw it: the DAG ids it defines, or Airflow's traceback."""

    path: str
    dag_ids: tuple[str, ...] = ()
    error: str = ""  # Airflow's traceback ("" when it imported)

    @property
    def error_line(self) -> str:
        lines = [line.strip() for line in self.error.splitlines() if line.strip()]
        return lines[-1] if lines else ""


@dataclass(frozen=True)
class ParseReport:
    """What Airflow ``version`` made of the files: one :class:`FileParse` each, and how long it took."""

    version: str
    files: tuple[FileParse, ...]
    seconds: float
    requirements: bool = False  # parsed with the environment's requirements.txt installed

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def failures(self) -> list[FileParse]:
        return [f for f in self.files if f.error]

    @property
    def dag_ids(self) -> list[str]:
        return sorted({dag_id for f in self.files for dag_id in f.dag_ids})

    def table(self) -> Table:
        rows = [
            {"file": f.path, "ok": "✗" if f.error else "✓", "dag_ids": ", ".join(f.dag_ids), "error": f.error_line}
            for f in self.files
        ]
        title = f"Parsed here by Airflow {self.version} in {self.seconds:.1f} s" + (
            " (with requirements.txt)" if self.requirements else ""
        )
        return Table(rows, ["file", "ok", "dag_ids", "error"], title=title)

    def raise_for_errors(self, say: Callable[[str], None] = print, uploaded: bool = False) -> None:
        # uploaded=True: no deploy around this check (``%mwaa check``), so no word about uploads
        """Show Airflow's traceback of each failing file (one ``say``), then fail with one line (:class:`DagImportError`)."""
        if self.ok:
            return
        say(
            "\n".join(
                f"{f.path}: Airflow {self.version} could not import it (checked here):\n{f.error.rstrip()}" for f in self.failures
            )
        )
        first = self.failures[0]
        more = f" (and {len(self.failures) - 1} more file(s))" if len(self.failures) > 1 else ""
        tail = "" if uploaded else "; nothing was uploaded; fix it, or skip this local check with --no-local-check"
        raise errors.DagImportError(
            f"Airflow {self.version} could not import {first.path}{more}: {shorten(first.error_line, 200)} "
            f"(traceback above{tail}).",
            first.path,
            first.error,
        )


def parse_files(
    version: str,
    paths: Sequence[str | Path],
    *,
    requirements: str | None = None,
    timeout: float = TIMEOUT,
    say: Callable[[str], None] = print,
) -> ParseReport:
    """Parse DAG files and folders with Airflow ``version``'s DagBag (the release installed on first use); with
    ``requirements`` (a requirements.txt's text), in a venv that has it installed. Files are reported by the path
    given (files inside a folder: that folder's path joined with their path inside it)."""
    resolved = [existing_path(p) for p in paths]
    if not resolved:
        raise errors.InvalidPath("Nothing to check: give DAG files or folders.")
    python, installed = _python(version, requirements, say)
    root = _common_folder(resolved)
    shown = {str(p.resolve()): str(given) for p, given in zip(resolved, paths, strict=True)}
    raw, seconds = _run(python, [str(p.resolve()) for p in resolved], root, timeout)
    return _report(version, raw, seconds, installed, lambda path: _shown_path(path, shown))


def parse_sources(
    version: str,
    files: Mapping[str, bytes],
    *,
    requirements: str | None = None,
    timeout: float = TIMEOUT,
    say: Callable[[str], None] = print,
) -> ParseReport:
    """Parse files given as a DAG folder holds them (``{"sub/my_dag.py": b"..."}``: folder-relative names), in a
    temporary DAG folder, so that their imports of each other work as in the environment. Reported by name."""
    python, installed = _python(version, requirements, say)
    with tempfile.TemporaryDirectory(prefix="mwaa-gate-dags-") as tmp:
        root = Path(tmp).resolve()
        write_folder(root, files)
        raw, seconds = _run(python, [str(root)], root, timeout)
    names = {str(root / name): name for name in files}
    return _report(version, raw, seconds, installed, lambda path: names.get(path, _relative(path, root)))


def existing_path(path: object) -> Path:
    """``path`` (a non-empty str or Path) on this machine, or one line naming what is wrong."""
    if not isinstance(path, (str, Path)) or not str(path).strip():
        raise errors.InvalidPath(f"A path is a non-empty str or Path, not {shorten(repr(path), 40)}.")
    found = Path(path).expanduser()
    if not found.exists():
        raise errors.InvalidPath(f"No file or folder {shorten(str(path))!r} here: give paths on this machine.")
    return found


def write_folder(root: Path, files: Mapping[str, bytes]) -> None:
    """Lay ``files`` (DAG-folder names: ``{"sub/my_dag.py": b"..."}``) out under ``root`` as the folder holds them."""
    for name, body in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(body)


def _python(version: str, requirements: str | None, say: Callable[[str], None]) -> tuple[Path, bool]:
    """The interpreter to parse with, and whether it has ``requirements`` installed."""
    venv, installed = requirements_venv(version, requirements, say)
    return venv / "bin" / "python", installed


def _common_folder(paths: list[Path]) -> Path:
    """The DAG folder the files sit in (Airflow puts it on sys.path): the deepest folder holding them all."""
    folders = [str(p.resolve() if p.is_dir() else p.resolve().parent) for p in paths]
    return Path(os.path.commonpath(folders))


def _run(python: Path, paths: list[str], dags_folder: Path, timeout: float) -> tuple[dict, float]:
    from ..emulator.airflow_env import base_env

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mwaa-gate-home-") as home:
        out = Path(home) / "result.json"
        env = {
            **base_env(),
            **QUIET,
            "PATH": f"{python.parent}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "AIRFLOW_HOME": home,
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder),
        }
        try:
            done = subprocess.run(
                [str(python), str(CHILD), str(out), *paths], capture_output=True, text=True, env=env, timeout=timeout, cwd=home
            )
        except subprocess.TimeoutExpired:
            raise ParseFailed(
                f"The local parse took longer than {timeout:.0f} s (stopped): a DAG file doing slow work at import "
                "time? MWAA stops it after 30 s too (or skip this check with --no-local-check)."
            ) from None
        if done.returncode != 0 or not out.is_file():
            lines = [line for line in (done.stderr or done.stdout).strip().splitlines() if line.strip()]
            raise ParseFailed(
                f"The local parse failed before any file was imported: {shorten((lines or ['no output'])[-1], 200)}"
            )
        return json.loads(out.read_text()), time.monotonic() - started


def _report(version: str, raw: dict, seconds: float, requirements: bool, name: Callable[[str], str]) -> ParseReport:
    found: dict[str, FileParse] = {}
    for path, ids in raw["files"].items():
        found[path] = FileParse(name(path), tuple(sorted(set(ids))))
    for path, trace in raw["errors"].items():
        found[path] = FileParse(name(path), found.get(path, FileParse(path)).dag_ids, trace)
    files = tuple(sorted(found.values(), key=lambda f: f.path))
    return ParseReport(version, files, round(seconds, 2), requirements)


def _relative(path: str, root: Path) -> str:
    try:
        return str(Path(path).relative_to(root))
    except ValueError:
        return path


def _shown_path(path: str, given: dict[str, str]) -> str:
    """``path`` as the user named it: a given file itself, or a given folder's name joined with the rest."""
    if path in given:
        return given[path]
    for real, shown in given.items():
        if path.startswith(real + os.sep):
            return os.path.join(shown, os.path.relpath(path, real))
    return path


if __name__ == "__main__":  # python -m mwaa_magic.gate.parse VERSION PATH...
    try:
        report = parse_files(sys.argv[1], sys.argv[2:])
    except errors.MwaaError as exc:
        sys.exit(f"{exc.code}: {exc}")
    print(repr(report.table()))
    sys.exit(0 if report.ok else 1)
