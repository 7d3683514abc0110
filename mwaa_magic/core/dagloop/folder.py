"""The environment's S3 DAG folder: list, read, a guarded upload (S3's conditional writes), a guarded delete.

The bucket and folder come from GetEnvironment (``SourceBucketArn``, ``DagS3Path``). boto3 is imported on first use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .. import errors
from .names import check_key
from .source import DagSource

if TYPE_CHECKING:
    from ..environment import Environment


class DagFolder:
    """The environment's S3 DAG folder, and the ETag of each file as this session last read or wrote it."""

    def __init__(self, environment: Environment) -> None:
        self.environment = environment
        self.seen: dict[str, str] = {}  # name -> ETag this session last read or wrote
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = self.environment.plane.aws_client("s3")
        return self._client

    def location(self) -> tuple[str, str]:
        """(bucket, prefix) from GetEnvironment; the prefix ends with "/" (or is "" for the bucket's root)."""
        try:
            info = self.environment.details()
        except errors.AccessDenied as exc:
            raise errors.AccessDenied(f"{exc.message} It names the environment's S3 bucket and DAG folder.") from None
        if info.dag_location is None:
            raise errors.BucketNotFound(
                f"GetEnvironment names no S3 bucket for {self.environment.name}: "
                "set the environment's source bucket in the MWAA console."
            )
        return info.dag_location

    def key(self, name: str) -> str:
        return check_key(self.location()[1] + name)

    def list(self) -> list[dict[str, Any]]:
        bucket, prefix = self.location()
        rows = []
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
                for obj in page.get("Contents", []):
                    name = obj["Key"][len(prefix) :]
                    if name and not name.endswith("/"):
                        rows.append(
                            {"name": name, "size": obj["Size"], "last_modified": obj["LastModified"], "etag": obj["ETag"]}
                        )
        except Exception as exc:
            raise self.error(exc, "ListBucket", bucket, prefix) from None
        return rows

    def head(self, name: str) -> dict[str, Any] | None:
        return self.head_key(self.key(name))

    def head_key(self, key: str) -> dict[str, Any] | None:
        """HeadObject of ``key`` in the bucket (any key: requirements.txt too), None when there is none."""
        bucket = self.location()[0]
        try:
            return self.client.head_object(Bucket=bucket, Key=key)
        except Exception as exc:
            if status_of(exc) == 404:
                return None
            raise self.error(exc, "GetObject", bucket, key) from None

    def read(self, name: str, version: str | None = None) -> bytes:
        return self.read_key(self.key(name), version)

    def read_key(self, key: str, version: str | None = None) -> bytes:
        bucket = self.location()[0]
        try:
            answer = self.client.get_object(Bucket=bucket, Key=key, **({"VersionId": version} if version else {}))
        except Exception as exc:
            raise self.error(exc, "GetObject", bucket, key) from None
        if not version and key.startswith(self.location()[1]):
            self.seen[key[len(self.location()[1]) :]] = answer["ETag"]
        return answer["Body"].read()

    def put(self, source: DagSource, force: bool = False) -> bool:
        """Upload unless S3 already holds these bytes; False when nothing changed (see :meth:`plan`)."""
        return self.upload(self.plan(source, force))

    def plan(self, source: DagSource, force: bool = False) -> Upload:
        """The guard, before any upload: refuses to overwrite a file that changed in S3 since this session last
        read or wrote it, or that exists and this session never read (``force`` overrides). The upload then
        carries S3's precondition (create only, or replace only the version seen), so a write in between fails."""
        current = self.head(source.name)
        if current is None:
            return Upload(source, {} if force else {"IfNoneMatch": "*"})
        if current["ETag"].strip('"') == md5_hex(source.body):
            self.seen[source.name] = current["ETag"]
            return Upload(source, {}, changed=False)
        known = self.seen.get(source.name)
        if not force and known != current["ETag"]:
            raise errors.OverwriteRefused(
                f"{source.name} {_why(known)} (last modified {when(current.get('LastModified'))}): not overwritten; read it "
                f"with mwaa.dag_folder.read({source.name!r}), or pass --force (force=True) to overwrite."
            )
        return Upload(source, {} if force else {"IfMatch": current["ETag"]})

    def upload(self, upload: Upload) -> bool:
        """PUT one planned file with its precondition; False when S3 already held these bytes."""
        if not upload.changed:
            return False
        source = upload.source
        answer = self.put_key(
            self.key(source.name),
            source.body,
            upload.condition,
            lambda: _changed_meanwhile(source.name, "not overwritten"),
            "text/x-python" if source.name.endswith(".py") else "application/octet-stream",
        )
        self.seen[source.name] = answer["ETag"]
        return True

    def put_key(
        self,
        key: str,
        body: bytes,
        condition: dict[str, str],
        conflict: Callable[[], Exception],
        content_type: str | None = None,
    ) -> dict[str, Any]:
        """PUT ``body`` at ``key`` (any key of the bucket) with S3's precondition (``IfNoneMatch`` / ``IfMatch``);
        ``conflict()`` is raised when another write got there first; S3's answer (ETag, VersionId)."""
        bucket = self.location()[0]
        try:
            return self.client.put_object(
                Bucket=bucket, Key=key, Body=body, **({"ContentType": content_type} if content_type else {}), **condition
            )
        except Exception as exc:
            if status_of(exc) == 412 or _code(exc) == "NoSuchKey":  # NoSuchKey: IfMatch on a key deleted meanwhile
                raise conflict() from None
            raise self.error(exc, "PutObject", bucket, key) from None

    def delete(self, name: str, force: bool = False) -> None:
        """Remove ``name``; refused (unless ``force``) when this session never read or wrote it, or when it changed
        in S3 since; the DELETE carries S3's precondition (only the version seen)."""
        current = self.head(name)
        if current is None:
            raise errors.DagFileNotFound(f"No file {name} in the DAG folder: see %mwaa dag-files.")
        known = self.seen.get(name)
        if known != current["ETag"] and not force:
            raise errors.OverwriteRefused(
                f"{name} {_why(known)} (last modified {when(current.get('LastModified'))}): not removed; read it with "
                f"mwaa.dag_folder.read({name!r}), or pass --force (force=True) to remove it anyway."
            )
        bucket, key = self.location()[0], self.key(name)
        try:
            self.client.delete_object(Bucket=bucket, Key=key, **({} if force else {"IfMatch": current["ETag"]}))
        except Exception as exc:
            if status_of(exc) == 412:
                raise _changed_meanwhile(name, "not removed") from None
            raise self.error(exc, "DeleteObject", bucket, key) from None
        self.seen.pop(name, None)

    def error(self, exc: Exception, action: str, bucket: str, key: str) -> Exception:
        """``exc`` from S3 in our words (core/aws_errors.py's S3 table), or ``exc`` when no rule knows it."""
        from .. import aws_errors

        plane = self.environment.plane
        context = aws_errors.s3_context(
            action, bucket, key, self.environment.name, region=plane.region, profile=plane.profile, timeouts=plane.timeouts
        )
        return aws_errors.translate(exc, service=context)


@dataclass(frozen=True)
class Upload:
    """One checked file of a deploy: its bytes and S3's precondition for the PUT (none when forced)."""

    source: DagSource
    condition: dict[str, str]
    changed: bool = True


def _why(known: str | None) -> str:
    if known:
        return "changed in S3 since this session last read or wrote it"
    return "already exists in S3 and this session has not read or written it"


def _changed_meanwhile(name: str, what: str) -> errors.OverwriteRefused:
    return errors.OverwriteRefused(
        f"{name} was changed by someone else in S3 while this session wrote it: {what}; read it with "
        f"mwaa.dag_folder.read({name!r}), or pass --force (force=True)."
    )


def _code(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    return str((response or {}).get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""


def status_of(exc: Exception) -> int | None:
    response = getattr(exc, "response", None)
    return (response or {}).get("ResponseMetadata", {}).get("HTTPStatusCode") if isinstance(response, dict) else None


def md5_hex(body: bytes) -> str:
    """S3's ETag of a single-part upload of ``body``."""
    import hashlib

    return hashlib.md5(body, usedforsecurity=False).hexdigest()


def when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if isinstance(value, datetime) else str(value or "?")
