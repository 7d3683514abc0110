"""requirements.txt, plugins.zip and the startup script: the version the environment runs, and whether S3 holds
a newer one not yet applied (UpdateEnvironment applies it)."""

from __future__ import annotations

import difflib
import io
import zipfile
from typing import TYPE_CHECKING, Any

from .folder import DagFolder, status_of, when

if TYPE_CHECKING:
    from ..environment import Environment


def requirements(environment: Environment, folder: DagFolder, diff: bool = False) -> list[dict]:
    """requirements.txt, plugins.zip and the startup script: the version the environment runs, and
    whether S3 holds a newer one not yet applied (UpdateEnvironment applies it)."""
    info = environment.details(refresh=True)
    bucket = folder.location()[0]
    rows = []
    for what, path_field, version_field, update_field in (
        ("requirements", "RequirementsS3Path", "RequirementsS3ObjectVersion", "--requirements-s3-object-version"),
        ("plugins", "PluginsS3Path", "PluginsS3ObjectVersion", "--plugins-s3-object-version"),
        ("startup script", "StartupScriptS3Path", "StartupScriptS3ObjectVersion", "--startup-script-s3-object-version"),
    ):
        key, applied = info.s3.get(path_field), info.s3.get(version_field)
        row: dict[str, Any] = {
            "file": what,
            "s3_path": key or "",
            "applied_version": applied or "",
            "latest_version": "",
            "status": "not configured",
        }
        if key:
            try:
                head = folder.client.head_object(Bucket=bucket, Key=key)
            except Exception as exc:
                if status_of(exc) != 404:
                    raise folder.error(exc, "GetObject", bucket, key) from None
                head = None
            if head is None:
                row["status"] = f"missing in S3 (s3://{bucket}/{key})"
            else:
                latest = head.get("VersionId") or ""
                row["latest_version"] = latest
                row["last_modified"] = when(head.get("LastModified"))
                if not applied or latest == applied:
                    row["status"] = "applied" if applied else "in S3, version not pinned"
                else:
                    row["status"] = (
                        f"newer version in S3, not applied: aws mwaa update-environment --name "
                        f"{environment.name} {update_field} {latest}"
                    )
                    if diff:
                        row["diff"] = _diff(folder, key, applied, latest)
        rows.append(row)
    return rows


def _diff(folder: DagFolder, key: str, old: str, new: str) -> str:
    before, after = (folder.read_key(key, v) for v in (old, new))
    if key.endswith(".zip"):
        listed = [_zip_names(body) for body in (before, after)]
        for names, which in zip(listed, ("applied", "latest"), strict=True):
            if names is None:
                return f"{key} ({which}) is not a zip file: MWAA cannot apply it."
        before_lines, after_lines = listed[0] or [], listed[1] or []
    else:
        before_lines, after_lines = (b.decode("utf-8", "replace").splitlines() for b in (before, after))
    return "\n".join(difflib.unified_diff(before_lines, after_lines, f"{key} (applied)", f"{key} (latest)", lineterm=""))


def _zip_names(body: bytes) -> list[str] | None:
    """The sorted member names of a zip archive; None when ``body`` is not one."""
    try:
        return sorted(zipfile.ZipFile(io.BytesIO(body)).namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
