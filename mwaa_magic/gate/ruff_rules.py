"""Ruff's Airflow 3 migration rules (``AIR3xx``), run by the ``ruff`` package's own binary on files in a folder:
findings as JSON, each with ruff's fix (its message, whether it is safe, its edits), and ``--fix`` in place.

The rules are ruff's, selected by prefix with ``--preview`` (so ruff's newest ones come along, e.g. AIR321 for what
moved in Airflow 3.1), minus the rules for a later Airflow 3 release than the target (named ``airflow3N-…``).
``--isolated``: a DAG folder's own ruff settings neither add rules nor hide files here."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..core import errors
from ..core.text import shorten

SELECT = "AIR3"
UNUSED = ["--select", "F401"]  # pyflakes' unused import: what a fix that moved an import leaves behind
PYTHON = "py312"  # the Python of MWAA's Airflow 3 images (ruff's fixes may use its syntax)
LATER_RELEASE = re.compile(r"airflow3(\d)-")  # a rule for what changed in Airflow 3.N (N > 0)
TIMEOUT = 120.0


class RuffMissing(errors.InvalidInput):
    """The ``ruff`` package is not installed in this Python."""


@dataclass(frozen=True)
class Finding:
    """One finding of ruff: the rule, where (1-based line and column), its message, and its fix when it has one."""

    path: str
    code: str
    message: str
    line: int
    column: int
    fix: str = ""  # ruff's message for the fix ("" when ruff has none to say)
    applicability: str = ""  # "safe", "unsafe", "display-only"; "" when ruff cannot fix it
    edits: tuple[dict[str, Any], ...] = ()
    url: str = ""

    @property
    def fix_text(self) -> str:
        """The fix as the table shows it."""
        if not self.applicability:
            return f"{self.fix} (no automatic fix: edit by hand)" if self.fix else "no automatic fix: edit by hand"
        unsafe = " (unsafe fix: applied with --unsafe-fixes; review the diff)" if self.applicability != "safe" else ""
        return (self.fix or "ruff can fix it") + unsafe


def ruff_binary() -> str:
    """The binary of the installed ``ruff`` package, else one line saying how to install it."""
    try:
        from ruff.__main__ import find_ruff_bin
    except ImportError:
        raise RuffMissing(
            "The upgrade check runs ruff's Airflow 3 rules and needs the ruff package: pip install 'mwaa_magic[emulator]' "
            "(or pip install ruff)."
        ) from None
    return str(find_ruff_bin())


@lru_cache(maxsize=4)
def ruff_version(binary: str) -> str:
    """``ruff 0.x.y`` as the binary reports it."""
    return _run([binary, "--version"], Path.cwd()).strip()


@lru_cache(maxsize=4)
def _later_rules(binary: str) -> tuple[tuple[str, tuple[int, int]], ...]:
    """(code, release it is about) of every AIR3 rule ruff names after a later Airflow 3 release (``airflow31-…``)."""
    rules = json.loads(_run([binary, "rule", "--all", "--output-format", "json"], Path.cwd()))
    found = []
    for rule in rules:
        code, name = rule.get("code") or "", rule.get("name") or ""
        matched = LATER_RELEASE.match(name)
        if code.startswith(SELECT) and matched and matched.group(1) != "0":
            found.append((code, (3, int(matched.group(1)))))
    return tuple(found)


def selection(binary: str, target: tuple[int, int]) -> list[str]:
    """ruff's options choosing the rules for an upgrade to the Airflow 3 release ``target`` (its (3, minor))."""
    ignored = [code for code, release in _later_rules(binary) if release > target]
    return ["--select", SELECT, "--preview", *(["--ignore", ",".join(ignored)] if ignored else [])]


def describe(rules: list[str]) -> str:
    """The rules chosen by :func:`selection`, in words (``AIR3 (preview) without AIR321``)."""
    ignored = rules[rules.index("--ignore") + 1] if "--ignore" in rules else ""
    return f"{SELECT} (preview)" + (f" without {ignored.replace(',', ', ')}" if ignored else "")


def lint(folder: Path, names: list[str], rules: list[str], fix: bool = False, unsafe_fixes: bool = False) -> list[Finding]:
    """Ruff's findings on ``names`` (paths inside ``folder``); with ``fix``, after fixing the files in place."""
    if not names:
        return []
    binary = ruff_binary()
    command = [binary, "check", "--isolated", "--no-cache", "--exit-zero", "--output-format", "json"]
    command += ["--target-version", PYTHON, *rules]
    if fix:
        command += ["--fix", *(["--unsafe-fixes"] if unsafe_fixes else [])]
    raw = json.loads(_run([*command, "--", *names], folder) or "[]")
    return sorted((_finding(item, folder) for item in raw), key=lambda f: (f.path, f.line, f.column, f.code))


def _finding(item: dict[str, Any], folder: Path) -> Finding:
    fix = item.get("fix") or {}
    location = item.get("location") or {}
    filename = item.get("filename") or ""
    try:
        path = Path(filename).resolve().relative_to(folder.resolve()).as_posix()
    except ValueError:
        path = filename
    return Finding(
        path=path,
        code=item.get("code") or "",
        message=item.get("message") or "",
        line=int(location.get("row") or 0),
        column=int(location.get("column") or 0),
        fix=fix.get("message") or "",
        applicability=(fix.get("applicability") or "") if fix.get("edits") else "",
        edits=tuple(fix.get("edits") or ()),
        url=item.get("url") or "",
    )


def _run(command: list[str], cwd: Path) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, cwd=cwd, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        raise errors.Unavailable(f"ruff took longer than {TIMEOUT:.0f} s on the DAG files (stopped).") from None
    if done.returncode != 0:
        lines = [line for line in (done.stderr or done.stdout).splitlines() if line.strip()]
        raise errors.Unavailable(f"ruff failed: {shorten((lines or ['no output'])[-1], 200)}")
    return done.stdout
