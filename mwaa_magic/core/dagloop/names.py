"""Names in the DAG folder, checked before any call: inside the folder, not hidden, one Unicode spelling (NFC),
within S3's key limit and the POSIX file systems MWAA syncs to; a batch or the bucket holding a file and a folder
of one name, or one DAG id in two files of a deploy."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from .. import errors
from ..text import one_line, shorten

if TYPE_CHECKING:
    from .source import DagSource

MAX_PART = 200  # bytes of one path part: 255 on the file systems MWAA syncs to, less room for the sync's temporary name
MAX_NAME = 1000  # bytes of a whole name: S3 keys take 1,024 bytes, the DAG folder's prefix goes in front
MAX_KEY = 1024  # bytes of an S3 key


def check_name(name: object, dag: bool = True) -> str:
    """``name`` (in NFC) as a path relative to the DAG folder, or :class:`InvalidDagFile` (one line, no call made)."""
    if not isinstance(name, str) or not name.strip():
        raise errors.InvalidDagFile("Give the DAG file a name, e.g. %%mwaa_dag my_dag.py.")
    shown = one_line(shorten(name))
    if any(not ch.isprintable() for ch in name) or "\\" in name:
        raise errors.InvalidDagFile(f"{shown!r} holds control characters or backslashes: use a plain file name.")
    name = unicodedata.normalize("NFC", name)
    if name.startswith("/") or PurePosixPath(name).is_absolute() or (len(name) > 1 and name[1] == ":"):
        raise errors.InvalidDagFile(f"{shown!r} is an absolute path: give a name relative to the DAG folder, e.g. my_dag.py.")
    parts = PurePosixPath(name).parts
    if any(part in ("..", ".") for part in name.split("/")) or not parts:
        raise errors.InvalidDagFile(f"{shown!r} leaves the DAG folder: give a name inside it, e.g. my_dag.py or etl/my_dag.py.")
    if any(part.startswith(".") for part in parts):
        raise errors.InvalidDagFile(f"{shown!r} is a hidden file: Airflow's DAG folder ignores it; drop the leading dot.")
    long = next((part for part in parts if len(part.encode()) > MAX_PART), None)
    if long is not None:
        raise errors.InvalidDagFile(
            f"{shown!r} has a part longer than {MAX_PART} bytes ({len(long.encode())} in UTF-8): the file systems MWAA "
            "copies the DAG folder to cannot hold it; use a shorter name."
        )
    if len(name.encode()) > MAX_NAME:
        raise errors.InvalidDagFile(
            f"{shown!r} is longer than {MAX_NAME} bytes ({len(name.encode())} in UTF-8): S3 keys end at {MAX_KEY}; "
            "use a shorter name."
        )
    if dag and not name.endswith(".py"):
        raise errors.InvalidDagFile(
            f"{shown!r} is not a .py file: Airflow reads DAGs only from Python files; name it {PurePosixPath(name).stem}.py."
        )
    return "/".join(parts)


def check_key(key: str) -> str:
    """A whole S3 key (the folder's prefix and a name) within S3's limit."""
    if len(key.encode()) > MAX_KEY:
        raise errors.InvalidDagFile(f"{shorten(key)} is longer than S3's {MAX_KEY}-byte key limit: use a shorter name.")
    return key


def check_batch(sources: list[DagSource]) -> None:
    """One deploy's files, before any call: no name twice, no file that another file's folder needs, no DAG id in
    two files (Airflow would keep one of them)."""
    names = [s.name for s in sources]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise errors.InvalidDagFile(f"Two files would go to the same name in the DAG folder: {', '.join(twice)}.")
    _check_file_and_folder(names, names, "in this deploy")
    owner: dict[str, str] = {}
    for source in sources:
        for dag_id in source.dag_ids:
            if dag_id in owner:
                raise errors.DagIdClash(
                    f"DAG id {dag_id!r} is defined in both {owner[dag_id]} and {source.name}: rename one of them; "
                    "nothing was uploaded."
                )
            owner[dag_id] = source.name


def check_against_folder(sources: list[DagSource], existing: Iterable[str]) -> None:
    """The files against what the DAG folder already holds: a file where a folder is (or the other way), or
    another Unicode spelling of the same name."""
    present = list(existing)
    _check_file_and_folder([s.name for s in sources], present, "in the DAG folder")
    spelled = {unicodedata.normalize("NFC", name): name for name in present if unicodedata.normalize("NFC", name) != name}
    for source in sources:
        if source.name in spelled:
            raise errors.InvalidDagFile(
                f"{source.name} exists in the DAG folder in another spelling ({spelled[source.name]!a}, Unicode NFD): "
                "they would look identical; undeploy that one first or pick another name."
            )


def _check_file_and_folder(names: list[str], others: list[str], where: str) -> None:
    files = set(others)
    folders = {"/".join(n.split("/")[:i]) for n in others for i in range(1, n.count("/") + 1)}
    for name in names:
        if name in folders:
            inner = next(o for o in others if o.startswith(name + "/"))
            raise errors.InvalidDagFile(
                f"{name} is a folder {where} ({inner}): a file cannot have its name; rename it (nothing was uploaded)."
            )
        parent = next((p for p in _parents(name) if p in files), None)
        if parent is not None:
            raise errors.InvalidDagFile(
                f"{parent} is a file {where}: {name} cannot go inside it; rename one of them (nothing was uploaded)."
            )


def _parents(name: str) -> list[str]:
    parts = name.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]
