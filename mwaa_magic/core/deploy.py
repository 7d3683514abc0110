"""The DAG development loop: check a DAG file here, put it in the environment's S3 DAG folder, wait until
Airflow has parsed this version of it (or show its import error), trigger it; list, remove, requirements.

The bucket and folder come from GetEnvironment (``SourceBucketArn``, ``DagS3Path``). MWAA copies the folder
to its schedulers, workers and web server on its own (about every 30 s), then Airflow parses. Every Airflow
difference is read from the flavour table. boto3 is imported on first use.
"""

from __future__ import annotations

import ast
import difflib
import io
import os
import posixpath
import time
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from . import errors
from .text import first_line, one_line, shorten

if TYPE_CHECKING:
    from .session import AirflowSession

PARSE_TIMEOUT = 300.0  # seconds to wait for a parse: MWAA's sync (~30 s) + parsing, with room
POLL = 1.0  # seconds between two looks at Airflow while waiting
SKIPPED_PARTS = ("__pycache__", ".ipynb_checkpoints", ".git")
MAX_FILE = 50 * 1024 * 1024  # bytes of one file uploaded with a single PUT here


# --- local checks (no call) --------------------------------------------------------------------------
@dataclass(frozen=True)
class DagSource:
    """A file to deploy: its name in the DAG folder, its bytes, the DAG ids found statically."""

    name: str
    body: bytes
    dag_ids: tuple[str, ...] = ()
    is_dag: bool = False  # Airflow will look for DAGs in it (a .py file mentioning both "airflow" and "dag")

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def check_name(name: object, dag: bool = True) -> str:
    """``name`` as a path relative to the DAG folder, or :class:`InvalidDagFile` (one line, no call made)."""
    if not isinstance(name, str) or not name.strip():
        raise errors.InvalidDagFile("Give the DAG file a name, e.g. %%mwaa_dag my_dag.py.")
    shown = one_line(shorten(name))
    if any(not ch.isprintable() for ch in name) or "\\" in name:
        raise errors.InvalidDagFile(f"{shown!r} holds control characters or backslashes: use a plain file name.")
    if name.startswith("/") or PurePosixPath(name).is_absolute() or (len(name) > 1 and name[1] == ":"):
        raise errors.InvalidDagFile(f"{shown!r} is an absolute path: give a name relative to the DAG folder, e.g. my_dag.py.")
    parts = PurePosixPath(name).parts
    if any(part in ("..", ".") for part in name.split("/")) or not parts:
        raise errors.InvalidDagFile(f"{shown!r} leaves the DAG folder: give a name inside it, e.g. my_dag.py or etl/my_dag.py.")
    if any(part.startswith(".") for part in parts):
        raise errors.InvalidDagFile(f"{shown!r} is a hidden file: Airflow's DAG folder ignores it; drop the leading dot.")
    if dag and not name.endswith(".py"):
        raise errors.InvalidDagFile(
            f"{shown!r} is not a .py file: Airflow reads DAGs only from Python files; name it {PurePosixPath(name).stem}.py."
        )
    return "/".join(parts)


def find_dag_ids(text: str, filename: str = "<dag>") -> tuple[str, ...]:
    """The DAG ids ``text`` defines, found without running it; a syntax error is :class:`InvalidDagFile`.

    Finds ``DAG("id")``/``DAG(dag_id="id")`` (``with`` or assigned) and ``@dag``-decorated functions (their
    ``dag_id`` or their name). Ids computed at run time cannot be found: Airflow's answer then decides.
    """
    try:
        tree = ast.parse(text, filename)
        compile(tree, filename, "exec")
    except SyntaxError as exc:
        where = f"line {exc.lineno}" + (f", column {exc.offset}" if exc.offset else "")
        code = f": {one_line(shorten(exc.text.strip(), 60))}" if exc.text and exc.text.strip() else ""
        raise errors.InvalidDagFile(f"{filename} does not compile ({exc.msg}, {where}{code}); nothing was uploaded.") from None
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _called(node.func) in ("DAG", "dag"):
            dag_id = _dag_id_argument(node)
            if dag_id:
                found.append(dag_id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for decorator in node.decorator_list:
                if _called(decorator) == "dag":
                    given = _dag_id_argument(decorator) if isinstance(decorator, ast.Call) else None
                    found.append(given or node.name)
    return tuple(dict.fromkeys(found))


def _called(node: ast.AST) -> str:
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _dag_id_argument(call: ast.Call) -> str | None:
    for keyword in call.keywords:
        if keyword.arg == "dag_id" and isinstance(keyword.value, ast.Constant) and isinstance(keyword.value.value, str):
            return keyword.value.value
    if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str) and _called(call) == "DAG":
        return call.args[0].value
    return None


def dag_source(name: str, body: bytes | str, dag: bool = True) -> DagSource:
    """A checked file: a valid name, and for Python files, code that compiles (DAG ids found statically)."""
    name = check_name(name, dag=dag)
    data = body.encode() if isinstance(body, str) else bytes(body)
    if len(data) > MAX_FILE:
        raise errors.InvalidDagFile(f"{name} has {len(data):,} bytes: upload files of at most {MAX_FILE:,} bytes here.")
    if not name.endswith(".py"):
        return DagSource(name, data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise errors.InvalidDagFile(f"{name} is not UTF-8 text: save it as UTF-8.") from None
    ids = find_dag_ids(text, name)
    lowered = text.lower()
    return DagSource(name, data, ids, is_dag=bool(ids) or ("airflow" in lowered and "dag" in lowered))


def sources_from_paths(paths: list[str | Path]) -> list[DagSource]:
    """Files and folders on disk as DAG-folder files: a folder goes with its name and everything in it
    (helper modules, SQL, configs) except caches and hidden files; every Python file must compile.

    Inside a folder, a link to a file in the same folder goes up as a copy of that file; a link out of the
    folder, to a folder, or to nothing is refused (one line naming it) before anything is read or uploaded.
    """
    sources: list[DagSource] = []
    for given in paths:
        path = Path(given).expanduser()
        if path.is_dir():
            files = _folder_files(path, given)
            for name, file in files:
                sources.append(dag_source(name, file.read_bytes(), dag=False))
        elif path.is_file():
            sources.append(dag_source(path.name, path.read_bytes(), dag=True))
        else:
            raise errors.InvalidDagFile(f"No file or folder {shorten(str(given))!r} here: give paths on this machine.")
    names = [s.name for s in sources]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise errors.InvalidDagFile(f"Two files would go to the same name in the DAG folder: {', '.join(twice)}.")
    return sources


def _skipped(part: str) -> bool:
    return part in SKIPPED_PARTS or part.startswith(".")


def _folder_files(path: Path, given: str | Path) -> list[tuple[str, Path]]:
    """(DAG-folder name, file) of every file a folder deploy takes, links checked (none followed out)."""
    root = path.resolve()
    found: list[tuple[str, Path]] = []
    for here, folders, files in os.walk(root):  # never descends into a linked folder
        folders[:] = sorted(f for f in folders if not _skipped(f))
        for entry in [*folders, *sorted(f for f in files if not _skipped(f))]:
            file = Path(here, entry)
            name = posixpath.join(root.name, *file.relative_to(root).parts)
            if file.is_symlink():
                _check_link(file, root, name)
            elif entry in folders:
                continue
            found.append((name, file))
    if not found:
        raise errors.InvalidDagFile(f"The folder {shorten(str(given))} holds no file to deploy.")
    return sorted(found)


def _check_link(link: Path, root: Path, name: str) -> None:
    """A link inside a deployed folder: only a link to a file inside the same folder may go (as a copy)."""
    target = link.resolve()
    if not target.exists():
        raise errors.InvalidDagFile(f"{name} is a link to nothing ({shorten(str(target))}): remove it (nothing was uploaded).")
    if not target.is_relative_to(root) or any(_skipped(part) for part in target.relative_to(root).parts):
        raise errors.InvalidDagFile(
            f"{name} is a link to {shorten(str(target))} outside {root.name} (or to a file it keeps home): links never "
            "take files out of the folder; copy the file in or remove the link (nothing was uploaded)."
        )
    if target.is_dir():
        raise errors.InvalidDagFile(
            f"{name} is a link to a folder inside {root.name}: folder links are not followed; remove the link "
            "(nothing was uploaded)."
        )


# --- the S3 DAG folder ---------------------------------------------------------------------------------
class DagFolder:
    """The environment's S3 DAG folder, and the ETag of each file as this session last read or wrote it."""

    def __init__(self, session: AirflowSession) -> None:
        self.session = session
        self.environment = session.environment
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
        arn = info.s3.get("SourceBucketArn", "")
        if not arn.startswith("arn:") or ":::" not in arn:
            raise errors.BucketNotFound(
                f"GetEnvironment names no S3 bucket for {self.environment.name}: "
                "set the environment's source bucket in the MWAA console."
            )
        prefix = info.s3.get("DagS3Path", "dags").strip("/")
        return arn.split(":::", 1)[1].split("/", 1)[0], f"{prefix}/" if prefix else ""

    def key(self, name: str) -> str:
        return self.location()[1] + name

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
        bucket, key = self.location()[0], self.key(name)
        try:
            return self.client.head_object(Bucket=bucket, Key=key)
        except Exception as exc:
            if _status(exc) == 404:
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
        if current["ETag"].strip('"') == _md5(source.body):
            self.seen[source.name] = current["ETag"]
            return Upload(source, {}, changed=False)
        known = self.seen.get(source.name)
        if not force and known != current["ETag"]:
            raise errors.OverwriteRefused(
                f"{source.name} {_why(known)} (last modified {_when(current.get('LastModified'))}): not overwritten; read it "
                f"with mwaa.dag_folder.read({source.name!r}), or pass --force (force=True) to overwrite."
            )
        return Upload(source, {} if force else {"IfMatch": current["ETag"]})

    def upload(self, upload: Upload) -> bool:
        """PUT one planned file with its precondition; False when S3 already held these bytes."""
        if not upload.changed:
            return False
        source = upload.source
        bucket, key = self.location()[0], self.key(source.name)
        try:
            answer = self.client.put_object(
                Bucket=bucket,
                Key=key,
                Body=source.body,
                ContentType="text/x-python" if source.name.endswith(".py") else "application/octet-stream",
                **upload.condition,
            )
        except Exception as exc:
            if _status(exc) == 412 or _code(exc) == "NoSuchKey":  # NoSuchKey: IfMatch on a key deleted meanwhile
                raise _changed_meanwhile(source.name, "not overwritten") from None
            raise self.error(exc, "PutObject", bucket, key) from None
        self.seen[source.name] = answer["ETag"]
        return True

    def delete(self, name: str, force: bool = False) -> None:
        """Remove ``name``; refused (unless ``force``) when this session never read or wrote it, or when it changed
        in S3 since; the DELETE carries S3's precondition (only the version seen)."""
        current = self.head(name)
        if current is None:
            raise errors.DagFileNotFound(f"No file {name} in the DAG folder: see %mwaa dag-files.")
        known = self.seen.get(name)
        if known != current["ETag"] and not force:
            raise errors.OverwriteRefused(
                f"{name} {_why(known)} (last modified {_when(current.get('LastModified'))}): not removed; read it with "
                f"mwaa.dag_folder.read({name!r}), or pass --force (force=True) to remove it anyway."
            )
        bucket, key = self.location()[0], self.key(name)
        try:
            self.client.delete_object(Bucket=bucket, Key=key, **({} if force else {"IfMatch": current["ETag"]}))
        except Exception as exc:
            if _status(exc) == 412:
                raise _changed_meanwhile(name, "not removed") from None
            raise self.error(exc, "DeleteObject", bucket, key) from None
        self.seen.pop(name, None)

    def error(self, exc: Exception, action: str, bucket: str, key: str) -> Exception:
        import botocore.exceptions as bx

        if isinstance(exc, bx.ClientError):
            code = exc.response.get("Error", {}).get("Code", "")
            if code == "NoSuchBucket":
                return errors.BucketNotFound(
                    f"The DAG bucket {bucket} of {self.environment.name} does not exist (GetEnvironment's SourceBucketArn): "
                    "ask the environment's admin to restore it or to point the environment at an existing bucket."
                )
            if code in ("AccessDenied", "403", "AllAccessDisabled"):
                resource = f"arn:aws:s3:::{bucket}" if action == "ListBucket" else f"arn:aws:s3:::{bucket}/{key}"
                return errors.AccessDenied(
                    f"Access denied: your AWS identity needs IAM permission s3:{action} on {resource} "
                    "(the DAG loop needs s3:ListBucket, s3:GetObject, s3:PutObject and s3:DeleteObject on the DAG folder)."
                )
            if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken"):
                return errors.NoCredentials(
                    f"S3 rejected your AWS credentials ({code}): check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or your profile."
                )
            if code in ("ExpiredToken", "RequestExpired"):
                return errors.ExpiredCredentials(
                    "Your AWS credentials have expired: refresh them (e.g. `aws sso login`) and try again."
                )
            message = first_line(exc.response.get("Error", {}).get("Message", ""), 200)
            return errors.ServiceError(f"S3 refused {action} on {bucket}/{shorten(key)} ({shorten(code, 40)}): {message}")
        if isinstance(exc, bx.NoCredentialsError):
            return errors.NoCredentials(
                "No AWS credentials found: run `aws configure` or `aws sso login`, set AWS_PROFILE, or pass --profile."
            )
        if isinstance(exc, (bx.EndpointConnectionError, bx.ConnectTimeoutError, bx.ReadTimeoutError, bx.ConnectionClosedError)):
            return errors.ControlPlaneUnreachable(
                f"Cannot reach S3 ({type(exc).__name__}): check your network, proxy or AWS_ENDPOINT_URL_S3."
            )
        return exc


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


def _status(exc: Exception) -> int | None:
    response = getattr(exc, "response", None)
    return (response or {}).get("ResponseMetadata", {}).get("HTTPStatusCode") if isinstance(response, dict) else None


def _md5(body: bytes) -> str:
    import hashlib

    return hashlib.md5(body, usedforsecurity=False).hexdigest()


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if isinstance(value, datetime) else str(value or "?")


def _time(value: Any) -> float | None:
    """An Airflow timestamp (ISO 8601) as seconds since the epoch."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()


def file_of(path: str | None, names: list[str]) -> str | None:
    """The DAG-folder name Airflow's ``path`` (absolute on Airflow 2, relative on 3) stands for: the longest
    name it ends with; else what follows its last ``/dags/``."""
    if not path:
        return None
    best = max((n for n in names if path == n or path.endswith("/" + n)), key=len, default=None)
    if best:
        return best
    return path.rsplit("/dags/", 1)[1] if "/dags/" in path else path.lstrip("/")


# --- the loop --------------------------------------------------------------------------------------------
class DagLoop:
    """What ``mwaa.deploy()``, ``%%mwaa_dag`` and the DAG-folder subcommands do, for one session."""

    def __init__(self, session: AirflowSession) -> None:
        self.session = session
        self.folder = DagFolder(session)

    @property
    def flavour(self) -> Any:
        return self.session.flavour

    # --- Airflow's view ------------------------------------------------------------------------------
    def all_dags(self) -> list[dict]:
        """Every DAG Airflow knows, stale ones too (to tell where each id lives)."""
        return self.session.paged("/dags", "dags", **self.flavour.dags_with_stale)

    def import_errors(self) -> list[dict]:
        """Current import errors: file, when, the error's last line, Airflow's traceback."""
        rows = []
        for item in self.session.paged("/importErrors", "import_errors"):
            trace = item.get("stack_trace") or item.get("stacktrace") or ""
            lines = [line for line in trace.strip().splitlines() if line.strip()]
            rows.append(
                {
                    "filename": item.get("filename"),
                    "timestamp": item.get("timestamp"),
                    "error": lines[-1].strip() if lines else "",
                    "stack_trace": trace,
                    "bundle_name": item.get("bundle_name"),
                }
            )
        return rows

    def _dag_file(self, dag: dict, names: list[str]) -> str | None:
        return file_of(dag.get(self.flavour.dag_file_field) or dag.get("fileloc"), names)

    def _source_of(self, dag: dict) -> str | None:
        key = dag.get(self.flavour.dag_source_key)
        if not key:
            return None
        try:
            data = self.session.get(f"/dagSources/{quote(str(key), safe='')}")
        except errors.AirflowApiError:
            return None
        return data.get("content") if isinstance(data, dict) else str(data)

    # --- deploy --------------------------------------------------------------------------------------
    def deploy(
        self,
        sources: list[DagSource],
        trigger: bool = False,
        conf: dict | None = None,
        wait: bool = True,
        force: bool = False,
        timeout: float | None = None,
    ) -> list[dict]:
        """Upload ``sources`` (checked already), wait until Airflow parsed each DAG file, trigger if asked."""
        if not sources:
            raise errors.InvalidDagFile("Nothing to deploy.")
        if trigger and not wait:
            raise errors.InvalidDagFile("--trigger needs the parse to finish first: drop --no-wait.")
        self._check_clashes(sources)
        uploads = [self.folder.plan(source, force=force) for source in sources]  # every guard before any upload
        results: list[dict[str, Any]] = []
        for upload in uploads:
            started = time.time()
            try:
                changed = self.folder.upload(upload)
            except errors.MwaaError as exc:
                raise _part_way(exc, [r["name"] for r in results if r["uploaded"]]) from None
            results.append(
                {
                    "name": upload.source.name,
                    "dag_ids": list(upload.source.dag_ids),
                    "uploaded": changed,
                    "uploaded_at": started,
                    "state": "uploaded" if changed else "unchanged",
                }
            )
        if wait:
            for result, source in zip(results, sources, strict=True):
                if source.is_dag:
                    result["dag_ids"] = self.wait_parsed(
                        source, result["uploaded_at"], result["uploaded"], PARSE_TIMEOUT if timeout is None else timeout
                    )
                    result["state"] = "parsed"
        if trigger:
            for result in results:
                for dag_id in result["dag_ids"]:
                    if self.session.dag(dag_id).get("is_paused"):
                        self.session.unpause(dag_id)
                        self.session.progress_factory().close(f"{dag_id} was paused: unpaused it so that the run can start.")
                    run = self.session.trigger(dag_id, conf=conf, wait=True)
                    result.setdefault("runs", []).append(run)
                    result["state"] = f"run {run.get('state')}"
        return results

    def _check_clashes(self, sources: list[DagSource]) -> None:
        """A DAG id that a file other than its own already defines: Airflow would keep one of them."""
        ids = {dag_id: source.name for source in sources for dag_id in source.dag_ids}
        if not ids:
            return
        names = [s.name for s in sources]
        for dag in self.all_dags():
            dag_id = dag.get("dag_id")
            if dag_id in ids and not self.flavour.is_stale(dag):
                where = self._dag_file(dag, names + [row["name"] for row in self._listing_cache()])
                if where and where != ids[dag_id]:
                    raise errors.DagIdClash(
                        f"DAG id {dag_id!r} is already defined in {where}: rename the DAG in {ids[dag_id]} "
                        f"(or undeploy {where} first); nothing was uploaded."
                    )

    def _listing_cache(self) -> list[dict]:
        try:
            return self.folder.list()
        except errors.MwaaError:
            return []

    def wait_parsed(self, source: DagSource, uploaded_at: float, changed: bool, timeout: float) -> list[str]:
        """Wait until Airflow has parsed this version of ``source``: its DAGs show this code (or were parsed
        after the upload); raise :class:`DagImportError` with Airflow's traceback if it failed to import."""
        progress = self.session.progress_factory()
        started = time.monotonic()
        while True:
            elapsed = time.monotonic() - started
            failure = self._import_error(source.name, uploaded_at, changed)
            if failure is not None:
                trace = failure["stack_trace"].rstrip()
                progress.close(f"{source.name}: Airflow could not import it ({elapsed:.0f}s):\n{trace}")
                raise errors.DagImportError(
                    f"Airflow could not import {source.name}: {shorten(failure['error'], 200)} "
                    "(traceback above; fix the file and deploy it again).",
                    source.name,
                    trace,
                )
            parsed = self._parsed_ids(source, uploaded_at, changed)
            if parsed is not None:
                progress.close(f"{source.name}: parsed by Airflow in {elapsed:.0f}s: {', '.join(parsed) or 'no DAG'}")
                return parsed
            if elapsed > timeout:
                progress.close(f"{source.name}: not parsed after {timeout:.0f}s.")
                raise errors.ParseTimeout(
                    f"Airflow has not parsed {source.name} within {timeout:.0f}s of the upload (it is in S3): MWAA syncs "
                    "the DAG folder about every 30 s, then parses; check %mwaa import-errors and %mwaa dag-files, "
                    "or wait longer with --timeout."
                )
            stage = "waiting for MWAA to sync and Airflow to parse it"
            progress.update(f"{source.name}: uploaded; {stage} ({elapsed:.0f}s)")
            time.sleep(POLL)

    def _import_error(self, name: str, uploaded_at: float, changed: bool) -> dict | None:
        for failure in self.import_errors():
            if file_of(failure["filename"], [name]) == name:
                at = _time(failure["timestamp"])
                if not changed or (at is not None and at >= uploaded_at):
                    return failure
        return None

    def _parsed_ids(self, source: DagSource, uploaded_at: float, changed: bool) -> list[str] | None:
        """The DAG ids Airflow parsed from this version of ``source``; None while it has not."""
        mine = [d for d in self.all_dags() if self._dag_file(d, [source.name]) == source.name and not self.flavour.is_stale(d)]
        if source.dag_ids and not set(source.dag_ids) <= {d["dag_id"] for d in mine}:
            return None
        if not mine:
            return None
        for dag in mine:
            parsed_at = _time(dag.get("last_parsed_time"))
            fresh = not changed or (parsed_at is not None and parsed_at > uploaded_at)
            if not fresh and self._source_of(dag) != source.text:
                return None
        return sorted(d["dag_id"] for d in mine)

    # --- folder ----------------------------------------------------------------------------------------
    def dag_files(self) -> list[dict]:
        """The DAG folder: name, size, last modified, the DAG ids Airflow parsed from each, its import error."""
        rows = self.folder.list()
        names = [row["name"] for row in rows]
        ids: dict[str, list[str]] = {}
        for dag in self.all_dags():
            if not self.flavour.is_stale(dag):
                ids.setdefault(self._dag_file(dag, names) or "?", []).append(dag["dag_id"])
        failing = {file_of(f["filename"], names): f["error"] for f in self.import_errors()}
        for row in rows:
            row["dag_ids"] = sorted(ids.get(row["name"], []))
            row["import_error"] = failing.get(row["name"], "")
            row["last_modified"] = _when(row["last_modified"])
        return rows

    def undeploy(self, name: str, wait: bool = True, force: bool = False, timeout: float | None = None) -> list[str]:
        """Remove ``name`` from the DAG folder; wait until Airflow no longer has its DAGs."""
        name = check_name(name, dag=False)
        before = [d["dag_id"] for d in self.all_dags() if self._dag_file(d, [name]) == name and not self.flavour.is_stale(d)]
        self.folder.delete(name, force=force)
        if not wait or not before:
            return before
        progress, started = self.session.progress_factory(), time.monotonic()
        limit = PARSE_TIMEOUT if timeout is None else timeout
        while True:
            elapsed = time.monotonic() - started
            left = [d["dag_id"] for d in self.all_dags() if d["dag_id"] in before and not self.flavour.is_stale(d)]
            if not left:
                progress.close(f"{name}: removed; Airflow no longer has {', '.join(before)} ({elapsed:.0f}s)")
                return before
            if elapsed > limit:
                progress.close(f"{name}: removed from S3; Airflow still has {', '.join(left)}.")
                raise errors.ParseTimeout(
                    f"{name} is gone from S3, but after {limit:.0f}s Airflow still has {', '.join(left)}: MWAA syncs the "
                    "DAG folder about every 30 s; look again with %mwaa dag-files in a minute."
                )
            progress.update(f"{name}: removed from S3; waiting for Airflow to drop {', '.join(left)} ({elapsed:.0f}s)")
            time.sleep(POLL)

    # --- requirements and plugins ----------------------------------------------------------------------
    def requirements(self, diff: bool = False) -> list[dict]:
        """requirements.txt, plugins.zip and the startup script: the version the environment runs, and
        whether S3 holds a newer one not yet applied (UpdateEnvironment applies it)."""
        info = self.session.environment.details(refresh=True)
        bucket = self.folder.location()[0]
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
                    head = self.folder.client.head_object(Bucket=bucket, Key=key)
                except Exception as exc:
                    if _status(exc) != 404:
                        raise self.folder.error(exc, "GetObject", bucket, key) from None
                    head = None
                if head is None:
                    row["status"] = f"missing in S3 (s3://{bucket}/{key})"
                else:
                    latest = head.get("VersionId") or ""
                    row["latest_version"] = latest
                    row["last_modified"] = _when(head.get("LastModified"))
                    if not applied or latest == applied:
                        row["status"] = "applied" if applied else "in S3, version not pinned"
                    else:
                        row["status"] = (
                            f"newer version in S3, not applied: aws mwaa update-environment --name "
                            f"{self.session.environment.name} {update_field} {latest}"
                        )
                        if diff:
                            row["diff"] = self._diff(key, applied, latest)
            rows.append(row)
        return rows

    def _diff(self, key: str, old: str, new: str) -> str:
        before, after = (self.folder.read_key(key, v) for v in (old, new))
        if key.endswith(".zip"):
            before_lines, after_lines = (sorted(zipfile.ZipFile(io.BytesIO(b)).namelist()) for b in (before, after))
        else:
            before_lines, after_lines = (b.decode("utf-8", "replace").splitlines() for b in (before, after))
        return "\n".join(difflib.unified_diff(before_lines, after_lines, f"{key} (applied)", f"{key} (latest)", lineterm=""))


def _part_way(exc: errors.MwaaError, uploaded: list[str]) -> errors.MwaaError:
    """``exc`` from an upload, saying which files of the deploy went up before it (when any did)."""
    if uploaded:
        exc.message = f"{exc.message.rstrip('.')}; uploaded before it: {', '.join(uploaded)} (the rest was not)."
        exc.args = (exc.message,)
    return exc


def deploy_input(path_or_source: Any, filename: str | None = None) -> list[DagSource]:
    """What ``mwaa.deploy()`` accepts: DAG source text (with ``filename``, or named after its DAG), a path,
    or a list of paths."""
    if isinstance(path_or_source, (list, tuple)):
        return sources_from_paths(list(path_or_source))
    if isinstance(path_or_source, Path) or (
        isinstance(path_or_source, str) and "\n" not in path_or_source and Path(path_or_source).expanduser().exists()
    ):
        sources = sources_from_paths([path_or_source])
        if filename and len(sources) == 1:
            sources = [dag_source(filename, sources[0].body)]
        return sources
    if not isinstance(path_or_source, (str, bytes)):
        raise errors.InvalidDagFile("deploy() takes DAG source text, a path, or a list of paths.")
    text = path_or_source.decode() if isinstance(path_or_source, bytes) else path_or_source
    if filename is None:
        filename = source_name(text)
    return [dag_source(filename, text)]


def source_name(text: str) -> str:
    """A file name for DAG source given without one: ``<first DAG id>.py``."""
    ids = find_dag_ids(text, "the cell")
    if not ids:
        raise errors.InvalidDagFile(
            "No DAG id found in the code: name the file, e.g. %%mwaa_dag my_dag.py (or mwaa.deploy(code, filename='my_dag.py'))."
        )
    name = "".join(ch if ch.isalnum() or ch in "_-." else "_" for ch in ids[0])
    return f"{name}.py"
