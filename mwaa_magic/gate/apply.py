"""Apply a checked requirements.txt or plugins.zip: upload it (a conditional S3 write), UpdateEnvironment with its
new object version, then wait through UPDATING until AVAILABLE; UPDATE_FAILED is MWAA's ``LastUpdate.Error`` in
one line."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from ..core import errors
from ..core.polling import poll_until

if TYPE_CHECKING:
    from ..core.dagloop.folder import DagFolder
    from ..core.dagloop.loop import Reporter
    from ..core.environment import Environment

UPDATE_TIMEOUT = 3600.0  # seconds to wait for an update (MWAA takes 20-30 minutes)
POLL = 5.0  # seconds between two GetEnvironment calls while UPDATING
FINAL = ("AVAILABLE", "UPDATE_FAILED", "UNAVAILABLE", "CREATE_FAILED")


class UpdateFailed(errors.MwaaError):
    """UpdateEnvironment ended in UPDATE_FAILED (or the environment became unavailable): MWAA's LastUpdate.Error."""


class UpdateTimedOut(errors.MwaaError):
    """The environment was still updating when the wait ended."""


class Session(Protocol):
    """What applying needs of a logged-in session (:class:`~mwaa_magic.core.session.AirflowSession`)."""

    @property
    def environment(self) -> Environment: ...

    @property
    def dag_folder(self) -> DagFolder: ...

    @property
    def progress_factory(self) -> Callable[[], Reporter]: ...


@dataclass(frozen=True)
class File:
    """One of the files UpdateEnvironment applies: its GetEnvironment fields and where it goes by default."""

    what: str
    path_field: str
    version_field: str
    default_key: str


REQUIREMENTS = File("requirements.txt", "RequirementsS3Path", "RequirementsS3ObjectVersion", "requirements.txt")
PLUGINS = File("plugins.zip", "PluginsS3Path", "PluginsS3ObjectVersion", "plugins.zip")


def current(session: Session, file: File, applied: bool = True) -> tuple[str | None, bytes | None]:
    """(S3 key, bytes) of ``file`` as the environment runs it (``applied``) or as S3 holds it now; (key or None,
    None) when the environment names none or S3 lacks it."""
    info = session.environment.details(refresh=True)
    key = info.s3.get(file.path_field)
    if not key:
        return None, None
    version = info.s3.get(file.version_field) if applied else None
    folder = session.dag_folder
    if folder.head_key(key) is None and not version:
        return key, None
    return key, folder.read_key(key, version)


def apply(
    session: Session, file: File, body: bytes, confirm: Callable[[str], bool], timeout: float | None = None
) -> dict[str, Any]:
    """Upload ``body`` as ``file`` (after ``confirm`` said yes), UpdateEnvironment with the new version, wait.

    Returns what happened (``status``, ``version``, ``seconds``); UpdateFailed in one line on UPDATE_FAILED."""
    environment, folder = session.environment, session.dag_folder
    info = environment.details(refresh=True)
    key = info.s3.get(file.path_field) or file.default_key
    question = (
        f"Upload {file.what} to s3://{folder.location()[0]}/{key} and run UpdateEnvironment on {environment.name}? "
        "MWAA keeps it UPDATING for 20-30 minutes (the DAGs keep running)."
    )
    if not confirm(question):
        return {"status": "not applied", "file": file.what}
    version = _upload(folder, key, body)
    if version == info.s3.get(file.version_field):
        return {"status": "already applied", "file": file.what, "version": version}
    started = time.time()
    environment.plane.update_environment(environment.name, **{file.path_field: key, file.version_field: version})
    return {"file": file.what, "version": version, **wait(session, started, timeout)}


def _upload(folder: DagFolder, key: str, body: bytes) -> str:
    """``body`` at ``key`` (S3's precondition: replace only the version just looked at); its VersionId. When S3
    holds these bytes already, that version's id (nothing written)."""
    from ..core.dagloop.folder import md5_hex

    bucket = folder.location()[0]
    head = folder.head_key(key)
    if head is not None and head["ETag"].strip('"') == md5_hex(body):
        version = head.get("VersionId")
    else:
        condition = {"IfMatch": head["ETag"]} if head is not None else {"IfNoneMatch": "*"}
        version = folder.put_key(
            key,
            body,
            condition,
            lambda: errors.OverwriteRefused(
                f"s3://{bucket}/{key} was changed by someone else while this session wrote it: run the cell again."
            ),
        ).get("VersionId")
    if not version or version == "null":
        raise errors.InvalidInput(
            f"s3://{bucket} keeps no object versions: MWAA applies a version of {key}; turn on S3 versioning for the bucket."
        )
    return str(version)


def wait(session: Session, started: float, timeout: float | None = None) -> dict[str, Any]:
    """Through UPDATING until a final status; ``{"status", "seconds"}``, or UpdateFailed / UpdateTimedOut."""
    environment, progress = session.environment, session.progress_factory()
    seen_update = False

    def look(elapsed: float) -> Any:
        nonlocal seen_update
        info = environment.details(refresh=True)
        created = info.last_update.get("CreatedAt")
        stamp = created.timestamp() if isinstance(created, datetime) else float(created or 0)
        seen_update = seen_update or info.status not in FINAL or stamp >= started - 60
        if info.status in FINAL and seen_update:
            return info
        progress.update(f"{environment.name}: {info.status} ({elapsed:.0f} s)")
        return None

    info, elapsed = poll_until(look, timeout=timeout or UPDATE_TIMEOUT, interval=POLL)
    if info is None:
        progress.close(f"{environment.name}: still updating after {elapsed:.0f} s")
        raise UpdateTimedOut(
            f"{environment.name} is still updating after {elapsed:.0f} s: see %mwaa requirements (or the MWAA console)."
        )
    last = info.last_update
    if info.status == "AVAILABLE" and last.get("Status") != "FAILED":
        progress.close(f"{environment.name}: AVAILABLE after {elapsed:.0f} s")
        return {"status": "AVAILABLE", "seconds": round(elapsed, 1)}
    progress.close(f"{environment.name}: {info.status} after {elapsed:.0f} s")
    error = last.get("Error") or {}
    message = " ".join(str(error.get("ErrorMessage") or "no error message").split())
    raise UpdateFailed(
        f"UpdateEnvironment of {environment.name} ended {info.status} ({error.get('ErrorCode', 'no code')}): {message[:400]}"
    )
