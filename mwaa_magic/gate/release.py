"""The venv of the Airflow release a check runs on: the emulator's install of it, installed on first use (with
progress), or one line saying how to install it (offline, or a release the emulator cannot install)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from ..core import errors

INSTALL = "python -m mwaa_magic.emulator install --versions {version}"
OFFLINE_VARIABLES = ("UV_OFFLINE", "PIP_NO_INDEX", "MWAA_MAGIC_OFFLINE")


class ReleaseNotAvailable(errors.InvalidInput):
    """A release the emulator cannot install (not one of MWAA's releases in its table)."""


class RequirementsNotInstallable(errors.InvalidInput):
    """The requirements.txt the check should install does not install on that release."""


class ReleaseNotInstalled(errors.Unavailable):
    """The release is not installed here and cannot be now (offline, or the install failed)."""


def known_releases() -> list[str]:
    """The releases the emulator installs (MWAA's), newest first."""
    from ..emulator.releases import RELEASES

    return list(RELEASES)


def check_version(version: object) -> str:
    """``version`` as a release the emulator can install (one of its table, or one installed here), else one line."""
    from ..emulator.install import is_installed

    text = str(version).strip() if isinstance(version, str) else ""
    if text in known_releases() or (text and _installed(text, is_installed)):
        return text
    shown = repr(version) if not isinstance(version, str) else text or "''"
    raise ReleaseNotAvailable(
        f"Airflow {shown} cannot be installed here for the local check: the emulator installs MWAA's releases "
        f"{', '.join(known_releases())} (pass one with --version, or skip the check with --no-local-check)."
    )


def _installed(version: str, is_installed: Callable[[str], bool]) -> bool:
    try:
        return is_installed(version)
    except (KeyError, ValueError):  # a major without a line, or no version at all
        return False


def release_venv(version: str, say: Callable[[str], None] = print) -> Path:
    """The venv of ``version`` (checked with :func:`check_version`), installed now if it is not yet."""
    from ..emulator.airflow_env import venv_dir
    from ..emulator.install import install, is_installed

    version = check_version(version)
    if is_installed(version):
        return venv_dir(version)
    command = INSTALL.format(version=version)
    offline = next((name for name in OFFLINE_VARIABLES if os.environ.get(name, "").strip() not in ("", "0")), None)
    if offline:
        raise ReleaseNotInstalled(
            f"Airflow {version} is not installed here and {offline} is set (offline): run `{command}` where PyPI is reachable."
        )
    say(f"Airflow {version} is not installed here: installing it once for the local check (a few minutes; `{command}`)")
    try:
        return install([version])[version]
    except (RuntimeError, OSError) as exc:
        last = str(exc).strip().splitlines()[:1]
        raise ReleaseNotInstalled(
            f"Could not install Airflow {version} here ({(last or ['failed'])[0][:120]}): run `{command}` where PyPI is reachable."
        ) from None


def requirements_venv(version: str, requirements: str | None, say: Callable[[str], None] = print) -> tuple[Path, bool]:
    """The venv to check with, and whether ``requirements`` (a requirements.txt's text) is installed in it: the
    release's venv plus those packages as MWAA installs them (the emulator's per-environment venvs, built from
    uv's cache, cached by content), else the release's own venv."""
    from ..emulator.install import environment_venv
    from ..emulator.requirements_file import RequirementsError

    venv = release_venv(version, say)
    if requirements is None or not requirements.strip():
        return venv, False
    try:
        return environment_venv(version, requirements, say=say), True
    except RequirementsError as exc:
        raise RequirementsNotInstallable(f"requirements.txt for Airflow {version}: {exc}") from None
