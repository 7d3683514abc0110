"""The emulator's S3: moto's server on loopback (guarded: s3_front.py), one versioned bucket per environment, and the DAG sync.

- Every environment gets a bucket (``airflow-<name>``), versioning on, public access blocked, holding
  ``dags/`` (the sample DAGs), ``requirements.txt``, ``plugins.zip`` and ``startup.sh``; GetEnvironment
  names them (:meth:`S3World.environment_fields`).
- SigV4 is checked by moto's own IAM authorisation: each configured identity is an IAM user with the
  configured access key, allowed ``s3:*`` except the ``s3:...`` actions in its ``deny`` list.
- :class:`DagSync` copies each bucket's DAG prefix into the DAG folder of the Airflow that backs the
  environment (adds, changes, deletes) every ``sync_interval`` seconds (a knob; ``sync_paused`` stalls it).
  Environments of one Airflow version share one Airflow: their DAG folders are merged (the newest object wins).
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import secrets
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import EmulatorConfig, EnvironmentConfig

DAG_S3_PATH = "dags"
REQUIREMENTS = "requirements.txt"
PLUGINS = "plugins.zip"
STARTUP = "startup.sh"
SAMPLE_REQUIREMENTS = "# the packages this environment installs (applied by UpdateEnvironment)\napache-airflow-providers-amazon\n"
SYNC_USER = "mwaa-emulator-sync"


def bucket_name(env: EnvironmentConfig) -> str:
    """MWAA's buckets must start with ``airflow-``; lower case, no underscores."""
    return f"airflow-{env.name.lower().replace('_', '-')}"[:63].rstrip("-")


def sample_dags() -> Path:
    return Path(__file__).with_name("dags")


@dataclass
class S3Knobs:
    """Run-time knobs of the S3 side (``/_emulator/s3``)."""

    sync_interval: float = 1.0  # seconds between two syncs of the DAG prefixes into the DAG folders
    sync_paused: bool = False  # True: nothing reaches Airflow (a stalled MWAA sync)
    missing_buckets: set[str] = field(default_factory=set)  # environments whose SourceBucketArn names no bucket
    syncs: int = 0  # syncs done since start (tests wait for one more)
    last_sync: float = 0.0  # time.time() of the last sync

    def reset(self) -> None:
        self.sync_interval, self.sync_paused = 1.0, False
        self.missing_buckets.clear()

    def snapshot(self) -> dict[str, Any]:
        return {
            "sync_interval": self.sync_interval,
            "sync_paused": self.sync_paused,
            "missing_buckets": sorted(self.missing_buckets),
            "syncs": self.syncs,
            "last_sync": self.last_sync,
        }


class S3World:
    """moto's S3 server with MWAA's buckets; ``start()``, ``url``, ``environment_fields(env)``, ``stop()``."""

    def __init__(self, config: EmulatorConfig, host: str = "127.0.0.1", port: int = 0, admin_secret: str = "") -> None:
        self.config = config
        self.host, self.port = host, port
        self.admin_secret = admin_secret or secrets.token_urlsafe(32)  # opens moto's own API (s3_front.py)
        self.url = ""
        self.knobs = S3Knobs()
        self.versions: dict[tuple[str, str], dict[str, str]] = {}  # (region, env) -> object key -> applied version
        self.initial_versions: dict[tuple[str, str], dict[str, str]] = {}  # the same at start (a reset goes back)
        self._server: Any = None
        self._sync_key = ("AKIA" + secrets.token_hex(8).upper(), secrets.token_urlsafe(30))

    # --- life cycle ----------------------------------------------------------------------------
    def start(self) -> None:
        from moto import settings

        from .s3_front import GuardedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log on the console
        self._server = GuardedMotoServer(self.host, self.port, self.admin_secret, self.config.allowed_hosts)
        self._server.start()  # OSError when the port is taken
        self.url = self._server.url
        self._create_identities()
        settings.INITIAL_NO_AUTH_ACTION_COUNT = 0  # from now on every request is authenticated (SigV4) and authorised
        for env in self.config.environments:
            self._create_bucket(env)

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def client(self, region: str | None = None) -> Any:
        """A boto3 S3 client of the emulator itself (an IAM user allowed everything)."""
        import boto3
        import botocore.config

        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.url,
            region_name=region or self.config.region,
            aws_access_key_id=self._sync_key[0],
            aws_secret_access_key=self._sync_key[1],
            config=botocore.config.Config(retries={"max_attempts": 2}, connect_timeout=5, read_timeout=30),
        )

    # --- world ----------------------------------------------------------------------------------
    def _create_identities(self) -> None:
        from moto.iam.models import iam_backends

        iam = iam_backends[self.config.account_id]["aws"]
        users: list[tuple[str, str, str, list[str]]] = [(SYNC_USER, *self._sync_key, [])]
        for number, identity in enumerate(self.config.identities):
            name = identity.iam_identity.rsplit("/", 1)[-1] or f"identity{number}"
            users.append(
                (
                    f"{name}-{number}",
                    identity.access_key_id,
                    identity.secret_access_key,
                    [a for a in identity.deny if a.startswith("s3:")],
                )
            )
        for name, key_id, secret, denied in users:
            iam.create_user(self.config.region, name)
            key = iam.create_access_key(name)
            iam.access_keys.pop(key.physical_resource_id, None)
            key.access_key_id, key.secret_access_key = key_id, secret
            iam.access_keys[key.physical_resource_id] = key
            statements: list[dict[str, Any]] = [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]
            if denied:
                statements.append({"Effect": "Deny", "Action": denied, "Resource": "*"})
            iam.put_user_policy(name, "mwaa-emulator-s3", json.dumps({"Version": "2012-10-17", "Statement": statements}))

    def _create_bucket(self, env: EnvironmentConfig) -> None:
        s3, bucket = self.client(env.region), bucket_name(env)
        where = {} if env.region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": env.region}}
        s3.create_bucket(Bucket=bucket, **where)
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        s3.put_public_access_block(
            Bucket=bucket,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
        for path in sorted(sample_dags().glob("*.py")):
            s3.put_object(Bucket=bucket, Key=f"{DAG_S3_PATH}/{path.name}", Body=path.read_bytes())
        applied = {}
        for key, body in (
            (REQUIREMENTS, SAMPLE_REQUIREMENTS.encode()),
            (PLUGINS, _empty_zip()),
            (STARTUP, b"#!/bin/sh\nexport ENVIRONMENT_STAGE=dev\n"),
        ):
            applied[key] = s3.put_object(Bucket=bucket, Key=key, Body=body)["VersionId"]
        self.versions[(env.region, env.name)] = applied
        self.initial_versions[(env.region, env.name)] = dict(applied)

    def environment_fields(self, env: EnvironmentConfig) -> dict[str, Any]:
        """GetEnvironment's S3 fields of ``env`` (the versions last applied by an update)."""
        bucket = bucket_name(env)
        if env.name in self.knobs.missing_buckets:
            bucket += "-deleted"
        applied = self.versions.get((env.region, env.name), {})
        fields: dict[str, Any] = {"SourceBucketArn": f"arn:aws:s3:::{bucket}", "DagS3Path": DAG_S3_PATH}
        for name, path_field, version_field in (
            (REQUIREMENTS, "RequirementsS3Path", "RequirementsS3ObjectVersion"),
            (PLUGINS, "PluginsS3Path", "PluginsS3ObjectVersion"),
            (STARTUP, "StartupScriptS3Path", "StartupScriptS3ObjectVersion"),
        ):
            if name in applied:
                fields[path_field], fields[version_field] = name, applied[name]
        return fields


class DagSync:
    """Copies DAG prefixes into Airflow DAG folders, in a thread, until ``stop()``.

    ``targets`` maps a DAG folder to the environments whose buckets feed it. Only files the sync wrote
    are ever deleted; a file is written atomically (rename) so Airflow never parses half a file.
    """

    def __init__(self, world: S3World, targets: dict[Path, list[EnvironmentConfig]]) -> None:
        self.world, self.targets = world, targets
        self._written: dict[Path, dict[str, str]] = {folder: {} for folder in targets}  # folder -> rel path -> ETag
        self.skipped: dict[tuple[Path, str], str] = {}  # (folder, rel path) -> ETag it could not write
        self._stop = threading.Event()
        self._lock = threading.Lock()  # one sync at a time; targets change between syncs only (``retarget``)
        self._thread = threading.Thread(target=self._run, name="mwaa-emulator-dag-sync", daemon=True)
        self._client = world.client()

    def start(self) -> None:
        for folder in self.targets:
            folder.mkdir(parents=True, exist_ok=True)
        self.sync_once()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(10)

    def _run(self) -> None:
        while not self._stop.wait(max(0.05, self.world.knobs.sync_interval)):
            if self.world.knobs.sync_paused:
                continue
            try:
                self.sync_once()
            except Exception as exc:
                logging.getLogger(__name__).warning("DAG sync failed: %s", exc)

    def retarget(self, env: EnvironmentConfig, folder: Path) -> None:
        """Feed ``folder`` from ``env``'s bucket from now on (an environment moving to an Airflow of its own, or
        back): ``env`` leaves the folder it fed (its files leave it at the next sync, unless another bucket
        has them); a folder no bucket feeds any more is no longer synced (the Airflow reading it is stopped)."""
        with self._lock:
            for old, envs in list(self.targets.items()):
                if env in envs:
                    envs.remove(env)
                if not envs and old != folder:
                    del self.targets[old]
            self.targets.setdefault(folder, []).append(env)
            self._written.setdefault(folder, {})
            folder.mkdir(parents=True, exist_ok=True)

    def sync_once(self) -> None:
        with self._lock:
            self._sync_targets()
        self.world.knobs.syncs += 1
        self.world.knobs.last_sync = time.time()

    def _sync_targets(self) -> None:
        from botocore.exceptions import ClientError

        for folder, envs in self.targets.items():
            wanted: dict[str, tuple[float, str, str]] = {}  # rel path -> (modified, etag, bucket)
            for env in envs:
                for obj in self._objects(bucket_name(env)):
                    rel = obj["Key"][len(DAG_S3_PATH) + 1 :]
                    if not rel or rel.endswith("/") or not _safe(rel):
                        continue
                    stamp = obj["LastModified"].timestamp()
                    if rel not in wanted or stamp > wanted[rel][0]:
                        wanted[rel] = (stamp, obj["ETag"], bucket_name(env))
            written = self._written[folder]
            for rel, (_, etag, bucket) in wanted.items():
                if written.get(rel) != etag and self.skipped.get((folder, rel)) != etag:
                    try:
                        self._write(folder, rel, bucket)
                    except (OSError, ClientError) as exc:  # a name no folder holds, a key deleted meanwhile
                        self._skip(folder, rel, etag, bucket, exc)
                        continue
                    written[rel] = etag
            for rel in [r for r in written if r not in wanted]:
                (folder / rel).unlink(missing_ok=True)
                del written[rel]

    def _write(self, folder: Path, rel: str, bucket: str) -> None:
        body = self._client.get_object(Bucket=bucket, Key=f"{DAG_S3_PATH}/{rel}")["Body"].read()
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.sync")
        try:
            temporary.write_bytes(body)
            os.replace(temporary, target)
        finally:
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)

    def _skip(self, folder: Path, rel: str, etag: str, bucket: str, exc: Exception) -> None:
        """One key this round cannot write: said once per version, the rest of the folder syncs on."""
        self.skipped[(folder, rel)] = etag
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        logging.getLogger(__name__).warning("DAG sync skipped s3://%s/%s/%s: %s", bucket, DAG_S3_PATH, rel, why)

    def _objects(self, bucket: str) -> list[dict]:
        pages = self._client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=DAG_S3_PATH + "/")
        return [obj for page in pages for obj in page.get("Contents", [])]


def _safe(rel: str) -> bool:
    """A key below the prefix that stays inside the DAG folder."""
    parts = rel.split("/")
    return not rel.startswith("/") and ".." not in parts and "" not in parts and not any(p.startswith(".") for p in parts)


def _empty_zip() -> bytes:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("README.txt", "plugins of this environment\n")
    return data.getvalue()
