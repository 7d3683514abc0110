"""requirements.txt before UpdateEnvironment: resolved here in seconds against the environment's Airflow release,
MWAA's constraints for it and MWAA's essential constraints (``uv pip compile``, for MWAA's Python and Linux),
instead of failing after 20-30 minutes of UPDATING.

The answer: each conflict in one line naming the requirement that causes it, the packages that would change
against the requirements the environment runs now, and the time it took. uv's cache answers first (offline);
the package registry is asked when the cache lacks a package (or with ``refresh``).
"""

from __future__ import annotations

import re
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core import errors

if TYPE_CHECKING:
    from ..emulator.releases import Release

COMPILE_TIMEOUT = 300.0  # seconds for one resolution (a slow registry)
PLATFORM = "linux"  # MWAA's containers: x86_64 Linux
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;]+)")


class RequirementsRefused(errors.InvalidInput):
    """A requirements.txt that cannot be checked: a missing file, a line MWAA treats differently (-e, a URL, an index)."""


class RequirementsConflict(errors.InvalidInput):
    """A requirements.txt that does not resolve on the environment's release: the line naming the package."""


@dataclass(frozen=True)
class Resolution:
    """What a requirements.txt resolves to on a release: every package's version, and how long it took."""

    packages: dict[str, str]
    seconds: float
    registry: bool  # the package registry was asked (else uv's cache answered)


@dataclass
class CheckResult:
    """``%mwaa requirements --check``: the release, the file, what would change, the time."""

    version: str
    source: str
    resolution: Resolution
    changes: list[dict[str, str]] = field(default_factory=list)  # package, running, new
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        where = "the package registry" if self.resolution.registry else "uv's cache"
        moved = f"{len(self.changes)} package(s) would change" if self.changes else "no package would change"
        lines = [
            f"{self.source} resolves on Airflow {self.version} with MWAA's constraints and essential constraints: "
            f"{len(self.resolution.packages)} packages, {moved} ({self.seconds:.1f} s, from {where})."
        ]
        return "\n".join([*lines, *self.notes])

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "source": self.source,
            "packages": dict(self.resolution.packages),
            "changes": list(self.changes),
            "seconds": round(self.seconds, 2),
            "notes": list(self.notes),
        }


def release_of(airflow_version: str) -> tuple[Release, list[str]]:
    """The release whose constraints a check uses for an environment announcing ``airflow_version``, and a note
    when it is not that release (MWAA's constraints for it are not bundled here)."""
    from ..emulator.releases import RELEASES, release_for

    if airflow_version in RELEASES:
        return RELEASES[airflow_version], []
    try:
        release = release_for(airflow_version)
    except (KeyError, ValueError):
        raise RequirementsRefused(
            f"No MWAA constraints here for Airflow {airflow_version}: the check knows {', '.join(RELEASES)}."
        ) from None
    return release, [f"MWAA's constraints for Airflow {airflow_version} are not bundled: checked with {release.version}'s."]


def resolve(release: Release, text: str, refresh: bool = False, uv: str | None = None) -> Resolution:
    """``text`` (a requirements.txt) with ``release``'s Airflow and providers, resolved with MWAA's constraints
    files (the release's pins as overrides) for MWAA's Python; one line for a line that cannot be checked, a
    conflict or a package that does not exist. ``uv``: its executable (found here when None; not in threads:
    its lookup is not thread-safe)."""
    from ..emulator.install import essential_pins, find_uv, uv_offline_first
    from ..emulator.requirements_file import RequirementsError, one_line, requirement_lines

    try:
        lines = requirement_lines(text, release.version)
    except RequirementsError as exc:
        raise RequirementsRefused(str(exc)) from None
    uv = uv or find_uv()
    if not uv:
        raise errors.Unavailable("The requirements check resolves with uv: pip install uv")
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mwaa-requirements-") as tmp:
        wanted, pins, out = (Path(tmp) / name for name in ("requirements.in", "pins.txt", "resolved.txt"))
        wanted.write_text("\n".join([*release.requirements, *(line.text for line in lines)]) + "\n")
        pins.write_text("\n".join(release.pins) + "\n")
        argv = [uv, "pip", "compile", "--quiet", "--no-header", "--no-annotate", str(wanted), "-o", str(out)]
        argv += ["--python-platform", PLATFORM]
        if release.python:  # the full version: markers compare it (python_full_version < '3.11.3')
            argv += ["--python-version", release.python]
        argv += [arg for path in release.constraints for arg in ("--constraint", str(path))]
        argv += ["--override", str(pins)] if release.pins else []
        try:
            done, registry = uv_offline_first(argv, refresh, COMPILE_TIMEOUT)
        except RequirementsError as exc:  # out of time
            raise errors.Unavailable(f"{exc}: try again.") from None
        if done.returncode != 0:
            raise RequirementsConflict(str(one_line(done.stderr or done.stdout, lines, essential_pins(release))))
        packages = _pins(out.read_text())
    return Resolution(packages, time.monotonic() - start, registry)


def _pins(text: str) -> dict[str, str]:
    from ..emulator.requirements_file import canonical

    found = {}
    for line in text.splitlines():
        match = _PIN.match(line.strip())
        if match:
            found[canonical(match.group(1))] = match.group(2)
    return found


def check(airflow_version: str, text: str, running: str | None, source: str, refresh: bool = False) -> CheckResult:
    """Resolve ``text`` (and ``running``, the requirements.txt the environment runs now, None: none) on the
    release behind ``airflow_version``; the packages whose version would change. Both resolve at once."""
    from ..emulator.install import find_uv
    from ..emulator.requirements_file import RequirementsError, requirement_lines

    start = time.monotonic()
    release, notes = release_of(airflow_version)
    try:
        requirement_lines(text, release.version)  # a bad line fails now, before any resolution
    except RequirementsError as exc:
        raise RequirementsRefused(str(exc)) from None
    uv = find_uv()
    with ThreadPoolExecutor(max_workers=2) as pool:
        new = pool.submit(resolve, release, text, refresh, uv)
        now = pool.submit(_running, release, running or "", refresh, uv)
        resolution, (current, note) = new.result(), now.result()
    if note:
        notes.append(note)
    result = CheckResult(release.version, source, resolution, _changes(current, resolution.packages), notes)
    result.seconds = time.monotonic() - start
    return result


def _running(release: Release, text: str, refresh: bool, uv: str | None) -> tuple[dict[str, str], str]:
    """The packages the environment runs now (its current requirements.txt resolved); when that file does not
    resolve here, the release's own packages and a note saying so."""
    try:
        return resolve(release, text, refresh, uv).packages, ""
    except (RequirementsRefused, RequirementsConflict) as exc:
        base = resolve(release, "", refresh, uv).packages
        return base, f"The environment's current requirements.txt does not resolve here ({exc}): compared with the release alone."


def _changes(before: dict[str, str], after: dict[str, str]) -> list[dict[str, str]]:
    return [
        {"package": name, "running": before.get(name, "-"), "new": after.get(name, "-")}
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    ]


def read_file(path: str) -> str:
    """A local requirements.txt's text; one line when it is missing or unreadable."""
    file = Path(path).expanduser()
    if not file.is_file():
        raise RequirementsRefused(f"No file {path}: give the path of a requirements.txt.")
    try:
        return file.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise RequirementsRefused(f"Cannot read {path}: {exc}.") from None
