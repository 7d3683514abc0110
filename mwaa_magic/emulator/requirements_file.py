"""A requirements.txt as MWAA installs it: its lines checked one by one, and uv's verdict in one line.

MWAA runs ``pip install -r requirements.txt`` on its containers with Airflow's constraints for the release
(unless the file names its own ``-c``) and its "essential" constraints (never overridden). Here the same file is
resolved by uv against the same files (``releases.Release.constraints``). Lines that would reach something
other than the package registry (``-e``, URLs, other indexes, other files) are refused with what MWAA does
with them: they cannot be checked here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# How MWAA treats what this check refuses (AWS's MWAA user guide, "Managing Python dependencies in
# requirements.txt" and "Installing Python dependencies"): pip runs on MWAA's containers, with MWAA's constraints.
_PRIVATE = (
    "MWAA's pip reaches another index only from a network that can (public network, or a VPC endpoint for it); "
    "without one, put the wheels in plugins.zip and use --no-index and --find-links /usr/local/airflow/plugins; "
    "this check resolves against the package registry only"
)
_REFUSED = {
    "-e": "an editable install (-e) does not exist on MWAA's containers: build a wheel, put it in plugins.zip "
    "and require it by name with --find-links /usr/local/airflow/plugins",
    "-r": "MWAA reads one requirements.txt: another file (-r) is not on its containers; put its lines here",
    "url": "a URL or path: MWAA's pip fetches it from its containers (a private network often cannot); "
    "this check resolves names from the package registry only: require the package by name and version",
}
_INDEX_OPTIONS = ("-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--no-index", "--trusted-host")
_CONSTRAINT = re.compile(r"/constraints-(?P<version>[0-9][0-9a-z.]*)/constraints-3\.[0-9]+\.txt$")
_HASH = re.compile(r"\s--hash[= ]\S+")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*")


class RequirementsError(ValueError):
    """What is wrong with a requirements.txt, in one line (``package``: the requirement's name, when one is)."""

    def __init__(self, message: str, package: str = "") -> None:
        super().__init__(message)
        self.package = package


@dataclass(frozen=True)
class Line:
    """One requirement of the file: its number (first physical line), the text uv gets, the package's name."""

    number: int
    text: str
    name: str


def requirement_lines(text: str, version: str) -> list[Line]:
    """The requirements of ``text`` (a requirements.txt for Airflow ``version``), checked: RequirementsError
    naming the line for one that cannot be checked here (``-e``, URLs, indexes, other files, other constraints,
    not a requirement)."""
    from packaging.requirements import InvalidRequirement, Requirement

    lines = []
    for number, line in _logical_lines(text):
        line = _HASH.sub("", line).strip()
        if line.startswith("-"):
            _check_option(number, line, version)
            continue
        if "://" in line or line.startswith((".", "/", "~")) or line.endswith((".whl", ".zip", ".tar.gz")):
            raise RequirementsError(f"line {number} ({line}): {_REFUSED['url']}", _name(line))
        try:
            requirement = Requirement(line)
        except InvalidRequirement as exc:
            raise RequirementsError(f"line {number} ({line}): not a requirement: {str(exc).splitlines()[0]}") from None
        if requirement.url:
            raise RequirementsError(f"line {number} ({line}): {_REFUSED['url']}", requirement.name)
        lines.append(Line(number, line, canonical(requirement.name)))
    return lines


def canonical(name: str) -> str:
    """A package name as PyPI compares them (PEP 503): ``Flask_AppBuilder`` is ``flask-appbuilder``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """(first line number, text) of each non-empty line: comments dropped, ``\\`` continuations joined."""
    out: list[tuple[int, str]] = []
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = re.sub(r"(^|\s)#.*$", "", raw).rstrip()
        if not pending:
            start = number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = (pending + line).strip(), ""
        if line:
            out.append((start, line))
    if pending.strip():
        out.append((start, pending.strip()))
    return out


def _check_option(number: int, line: str, version: str) -> None:
    """An option line: ``-c`` of Airflow's own constraints for ``version`` passes (MWAA's default); the rest
    is refused with how MWAA treats it."""
    option = line[:2] if not line.startswith("--") else re.split(r"[=\s]", line, maxsplit=1)[0]
    value = line[len(option) :].lstrip(" =").strip().strip("\"'")
    where = f"line {number} ({line})"
    if option in ("-c", "--constraint"):
        found = _CONSTRAINT.search(value)
        if found and found["version"] == version:
            return
        raise RequirementsError(
            f"{where}: only Airflow's own constraints for {version} can be checked here (MWAA would use this file "
            "instead of them, its essential constraints still apply): remove the line to check against Airflow's"
        )
    if option in ("-e", "--editable"):
        raise RequirementsError(f"{where}: {_REFUSED['-e']}", _name(value.rsplit("=", 1)[-1]))
    if option in ("-r", "--requirement"):
        raise RequirementsError(f"{where}: {_REFUSED['-r']}")
    if option in _INDEX_OPTIONS:
        raise RequirementsError(f"{where}: {_PRIVATE}")
    raise RequirementsError(f"{where}: the option {option} cannot be checked here: remove it, or apply without a check")


def _name(text: str) -> str:
    """A package name guessed from a URL or path (``#egg=NAME``, else the last path part's name), or ""."""
    egg = re.search(r"#egg=([A-Za-z0-9._-]+)", text)
    if egg:
        return canonical(egg.group(1))
    found = _NAME.match(text.rstrip("/").rsplit("/", 1)[-1])
    return canonical(found.group(0).split("-")[0]) if found else ""


def pins(path: Path) -> dict[str, str]:
    """``name==version`` lines of a constraints file by canonical name (``{"flask-appbuilder": "Flask-AppBuilder==4.6.3"}``)."""
    found = {}
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if "==" in line:
            found[canonical(line.split("==", 1)[0].split("[", 1)[0].strip())] = line.split(";", 1)[0].strip()
    return found


def one_line(output: str, lines: list[Line], essential: dict[str, str] | None = None) -> RequirementsError:
    """uv's failure (``output``: its stderr) in one line, naming the requirement of ``lines`` that causes it
    (and the pin of MWAA's ``essential`` constraints it contradicts, when one does)."""
    text = " ".join(output.split())
    cause = re.search(r"(?:cause|×|╰─▶)\s*:?\s*(Because .*?)(?:\s+hint:|$)", text)
    message = cause.group(1) if cause else _last_error(output)
    names = {line.name: line for line in lines}
    mentioned = [canonical(m) for m in re.findall(r"(?<![\w.-])([A-Za-z0-9][A-Za-z0-9._-]*)(?=[=<>!~ ,]|$)", message)]
    culprit = next((names[m] for m in mentioned if m in names), None)
    if re.search(r"not found in the package registry|No matching distribution|was not found", message):
        missing = re.search(r"Because ([A-Za-z0-9._-]+) was not found", message)
        name = canonical(missing.group(1)) if missing else (culprit.name if culprit else "")
        line = names.get(name)
        where = f"line {line.number} ({line.text}): " if line else ""
        return RequirementsError(f"{where}{name or 'a package'} does not exist in the package registry", name)
    if culprit is None:
        return RequirementsError(f"does not resolve: {message}")
    where = f"line {culprit.number} ({culprit.text})"
    for name in [culprit.name, *mentioned]:
        if name in (essential or {}) and (essential or {})[name].split("==")[1] not in culprit.text:
            pin = (essential or {})[name]
            return RequirementsError(
                f"{where} conflicts with MWAA's essential constraint {pin} (no requirements.txt overrides it): {message}",
                culprit.name,
            )
    return RequirementsError(f"{where} conflicts: {message}", culprit.name)


def _last_error(output: str) -> str:
    """The most telling line of a failure's output (uv's ``error:`` line, else its last line)."""
    rows = [row.strip() for row in output.splitlines() if row.strip()]
    errors = [row for row in rows if row.startswith(("error:", "×"))]
    return (errors or rows or ["no output"])[-1].removeprefix("error:").strip()
