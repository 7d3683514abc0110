"""The upgrade check: DAG files (given here, or an environment's S3 DAG folder) through ruff's Airflow 3 migration
rules (:mod:`.ruff_rules`), ruff's fixes written to copies in a local folder with their unified diff (never an
upload), then the parse gate (:mod:`.parse`) on the target Airflow 3 release.

Findings are advice, not errors; a file the target release cannot import is one (:meth:`UpgradeReport.raise_for_errors`).

    from mwaa_magic.gate.upgrade import check, sample_dags
    report = check([sample_dags()], to="3.3.1", fix_to="airflow3_dags", unsafe_fixes=True)
"""

from __future__ import annotations

import difflib
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core import errors
from ..core.table import Table
from ..core.text import shorten
from .ruff_rules import UNUSED, Finding, describe, lint, ruff_binary, ruff_version, selection

COLUMNS = ["file", "check", "rule", "line", "finding", "fix"]


class UpgradeParseFailed(errors.DagImportError):
    """A DAG file the target Airflow 3 release cannot import (the table above says which, and why)."""


def sample_dags() -> Path:
    """The folder of Airflow 2 sample DAGs this package ships (what the upgrade check flags and fixes)."""
    return Path(__file__).with_name("airflow2_dags")


def target_release(version: object = None) -> str:
    """The Airflow 3 release to check against: ``version`` when the emulator installs it, else the newest Airflow 3
    release it installs (MWAA's); anything else is one line naming them."""
    from ..emulator.releases import AIRFLOW_3, RELEASES

    offered = [v for v, release in RELEASES.items() if release.line is AIRFLOW_3]  # newest first
    if version is None:
        return offered[0]
    if isinstance(version, str) and version.strip() in offered:
        return version.strip()
    raise errors.InvalidArgument(
        f"--to {shorten(repr(version), 40)}: upgrade to one of MWAA's Airflow 3 releases the emulator installs: "
        f"{', '.join(offered)}."
    )


def _release_tuple(version: str) -> tuple[int, int]:
    first, second = version.split(".")[:2]
    return int(first), int(second)


@dataclass(frozen=True)
class FileCheck:
    """One file: ruff's findings, what is left of them in the fixed copy (with ``--fix``), the diff of the copy, and
    the target release's parse of it (DAG ids, or the last line of Airflow's traceback)."""

    name: str
    findings: tuple[Finding, ...] = ()
    left: tuple[Finding, ...] | None = None  # None: not fixed
    diff: str = ""
    dag_ids: tuple[str, ...] = ()
    parse_error: str = ""  # Airflow's traceback ("" when it imported, or when not parsed)

    def rows(self, target: str, parsed: bool) -> list[dict[str, Any]]:
        rows = [self._row(finding) for finding in self.findings]
        rows += [self._unused_row(finding) for finding in self.left or () if finding.code == "F401"]
        if self.parse_error:
            last = [line.strip() for line in self.parse_error.splitlines() if line.strip()]
            return [*rows, self._parse_row("✗", f"Airflow {target}: {last[-1] if last else 'import failed'}")]
        if parsed:
            ids = f": {', '.join(self.dag_ids)}" if self.dag_ids else " (no DAG in it)"
            return [*rows, self._parse_row("✓", f"Airflow {target} imports it{ids}")]
        return rows or [{"file": self.name, "check": "✓", "rule": "", "line": "", "finding": "", "fix": ""}]

    def _row(self, finding: Finding) -> dict[str, Any]:
        still = self.left is None or any((f.code, f.message) == (finding.code, finding.message) for f in self.left)
        fixed = self.left is not None and not still
        return {
            "file": self.name,
            "check": "fixed" if fixed else "⚠",
            "rule": finding.code or "syntax",
            "line": finding.line,
            "finding": finding.message,
            "fix": finding.fix_text,
            "url": finding.url,
        }

    def _unused_row(self, finding: Finding) -> dict[str, Any]:
        return {
            "file": self.name,
            "check": "⚠",
            "rule": finding.code,
            "line": finding.line,
            "finding": f"{finding.message} (in the fixed copy)",
            "fix": "the fixes left it unused, next to other unused imports: remove it by hand",
        }

    def _parse_row(self, mark: str, text: str) -> dict[str, Any]:
        return {"file": self.name, "check": mark, "rule": "parse", "line": "", "finding": text, "fix": ""}


@dataclass
class UpgradeReport:
    """What the upgrade check found, per file, for the Airflow 3 release ``target``."""

    target: str
    files: list[FileCheck]
    ruff: str
    seconds: float
    fixed_to: str | None = None
    parsed: bool = False  # the parse gate ran on the target release
    rules: str = ""  # which of ruff's rules ran, in words

    @property
    def findings(self) -> list[Finding]:
        return [finding for file in self.files for finding in file.findings]

    @property
    def failures(self) -> list[FileCheck]:
        return [file for file in self.files if file.parse_error]

    @property
    def ok(self) -> bool:
        """True unless the target release could not import a file (findings alone are advice)."""
        return not self.failures

    @property
    def changed(self) -> list[str]:
        """The files ruff's fixes changed (their copies under ``fixed_to``)."""
        return [file.name for file in self.files if file.diff]

    @property
    def diff(self) -> str:
        return "".join(file.diff for file in self.files)

    def table(self) -> Table:
        rows = [row for file in self.files for row in file.rows(self.target, self.parsed)]
        what = "parsed by" if self.parsed else "not parsed (--no-parse) by"
        fixed = f"; fixed copies in {self.fixed_to}" if self.fixed_to else ""
        title = (
            f"Upgrade check for Airflow {self.target}: {len(self.findings)} finding(s) of {self.ruff} "
            f"({self.rules}), {what} Airflow {self.target}{fixed}, in {self.seconds:.1f} s"
        )
        return Table(rows, COLUMNS, title=title)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        table = self.table()
        return {"text/plain": repr(table), "text/html": table._repr_html_()}

    def raise_for_errors(self) -> None:
        """One line when the target release could not import a file (each file's error is in the table)."""
        if self.ok:
            return
        first = self.failures[0]
        more = f" (and {len(self.failures) - 1} more file(s))" if len(self.failures) > 1 else ""
        last = [line.strip() for line in first.parse_error.splitlines() if line.strip()]
        hint = "fix what the table shows, then check again" if self.fixed_to else "try --fix DIR for ruff's fixes"
        raise UpgradeParseFailed(
            f"Airflow {self.target} could not import {first.name}{more}: {shorten(last[-1] if last else '', 200)} "
            f"({hint}; nothing was uploaded)."
        )


def check(
    paths: Iterable[str | Path] | None = None,
    *,
    session: Any = None,
    to: str | None = None,
    fix_to: str | Path | None = None,
    unsafe_fixes: bool = False,
    parse: bool = True,
    say: Callable[[str], None] = print,
) -> UpgradeReport:
    """The upgrade check of DAG files and folders here (``paths``), else of ``session``'s S3 DAG folder: ruff's AIR3
    rules, with ``fix_to`` ruff's fixes written to copies there (``unsafe_fixes``: ruff's unsafe ones too), then with
    ``parse`` the parse gate on the Airflow 3 release ``to`` (default: the newest one) of the copies, or of the
    files when not fixing. Uploads nothing; raises nothing for findings (see :meth:`UpgradeReport.raise_for_errors`)."""
    target = target_release(to)
    out = _fix_folder(fix_to, paths) if fix_to is not None else None
    files = _files_of(paths, session)
    started = time.monotonic()
    binary = ruff_binary()
    rules = selection(binary, _release_tuple(target))
    python = sorted(name for name in files if name.endswith(".py"))
    with tempfile.TemporaryDirectory(prefix="mwaa-upgrade-") as tmp:
        folder = _write(Path(tmp), files)
        findings = _by_file(lint(folder, python, rules))
        left: dict[str, list[Finding]] | None = None
        fixed = dict(files)
        if out is not None:
            left = _fix(folder, python, rules, unsafe_fixes)
            fixed = {name: (folder / name).read_bytes() for name in files}
            _write(out, fixed)
    parsed = _parse(target, fixed, say) if parse and python else {}
    checks = [
        FileCheck(
            name,
            tuple(findings.get(name, [])),
            None if left is None else tuple(left.get(name, [])),
            _diff(name, files[name], fixed[name]),
            *parsed.get(name, ((), "")),
        )
        for name in sorted(files)
        if name.endswith(".py") or name in parsed
    ]
    how = describe(rules) + (", unsafe fixes too" if out is not None and unsafe_fixes else "")
    seconds = round(time.monotonic() - started, 2)
    return UpgradeReport(
        target, checks, ruff_version(binary), seconds, str(out) if out is not None else None, bool(parse and python), how
    )


def _fix(folder: Path, python: list[str], rules: list[str], unsafe_fixes: bool) -> dict[str, list[Finding]]:
    """Apply ruff's fixes in ``folder``; then remove the imports those fixes left unused (ruff's F401 fix), in the
    files that had no unused import before (elsewhere they stay, as findings). The findings left, per file."""
    before = _by_file(lint(folder, python, UNUSED))
    left = _by_file(lint(folder, python, rules, fix=True, unsafe_fixes=unsafe_fixes))
    after = _by_file(lint(folder, python, UNUSED))
    clean = [name for name in after if name not in before]
    lint(folder, clean, UNUSED, fix=True)
    for name, unused in after.items():
        if name in before:
            known = {f.message for f in before[name]}
            left.setdefault(name, []).extend(f for f in unused if f.message not in known)
    return left


def _files_of(paths: Iterable[str | Path] | None, session: Any) -> dict[str, bytes]:
    """{name in the DAG folder: bytes}: the files and folders given (named as a deploy names them), else the
    session's S3 DAG folder."""
    if paths is not None:
        from ..core.dagloop import sources_from_paths

        given = _given(paths)
        if not given:
            raise errors.InvalidDagFile(
                "Nothing to check: give DAG files or folders (or none, for the environment's DAG folder)."
            )
        return {source.name: source.body for source in sources_from_paths(given)}
    if session is None:
        raise errors.NoSession("Give DAG files or folders to check, or log in to the environment whose DAG folder to check.")
    folder = session.dag_folder
    found = {row["name"]: folder.read(row["name"]) for row in folder.list()}
    if not found:
        bucket, prefix = folder.location()
        raise errors.InvalidDagFile(f"s3://{bucket}/{prefix} holds no file: nothing to check.")
    return found


def _given(paths: Iterable[str | Path] | str | Path | None) -> list[str | Path]:
    return [paths] if isinstance(paths, (str, Path)) else list(paths or [])


def _fix_folder(fix_to: str | Path, paths: Iterable[str | Path] | None) -> Path:
    """The folder for the fixed copies (a file's copy goes to FOLDER/its name in the DAG folder); never one where a
    copy would replace a file checked, nor one inside a folder checked."""
    if not isinstance(fix_to, (str, Path)) or not str(fix_to).strip():
        raise errors.InvalidArgument(f"--fix takes a folder for the fixed copies, not {shorten(repr(fix_to), 40)}.")
    out = Path(fix_to).expanduser()
    if out.exists() and not out.is_dir():
        raise errors.InvalidArgument(f"--fix {shorten(str(fix_to))}: that is a file; give a folder for the fixed copies.")
    resolved = out.resolve()
    for path in _given(paths):
        real = Path(path).expanduser().resolve()
        if resolved == real.parent or (real.is_dir() and resolved.is_relative_to(real)):
            raise errors.InvalidArgument(
                f"--fix {shorten(str(fix_to))}: the fixed copies would replace (or land among) the files checked; "
                "give another folder."
            )
    return out


def _write(folder: Path, files: Mapping[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, body in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
    return folder.resolve()


def _by_file(findings: list[Finding]) -> dict[str, list[Finding]]:
    found: dict[str, list[Finding]] = {}
    for finding in findings:
        found.setdefault(finding.path, []).append(finding)
    return found


def _diff(name: str, before: bytes, after: bytes) -> str:
    if before == after:
        return ""
    old = before.decode("utf-8", errors="replace").splitlines(keepends=True)
    new = after.decode("utf-8", errors="replace").splitlines(keepends=True)
    return "".join(difflib.unified_diff(old, new, f"a/{name}", f"b/{name}"))


def _parse(target: str, files: Mapping[str, bytes], say: Callable[[str], None]) -> dict[str, tuple[tuple[str, ...], str]]:
    """{name: (DAG ids, Airflow's traceback)} of the files the target release parsed (the parse gate: one Airflow
    process for all of them, allowed the gate's time limit plus 2 s a file)."""
    from .parse import TIMEOUT, ParseFailed, parse_sources

    try:
        report = parse_sources(target, dict(files), say=say, timeout=TIMEOUT + 2.0 * len(files))
    except ParseFailed as exc:  # the gate's hint names the deploy's option; here it is --no-parse
        raise ParseFailed(exc.message.replace("--no-local-check", "--no-parse")) from None
    return {f.path: (f.dag_ids, f.error) for f in report.files}
