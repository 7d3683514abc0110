"""DAG files before any call: names inside the DAG folder, code that compiles, the DAG ids found statically,
and files and folders on disk (links checked) as DAG-folder files."""

from __future__ import annotations

import ast
import errno
import os
import posixpath
from pathlib import Path

from .. import errors
from ..text import one_line, shorten
from .names import check_name
from .source import DagSource

SKIPPED_PARTS = ("__pycache__", ".ipynb_checkpoints", ".git")
MAX_FILE = 50 * 1024 * 1024  # bytes of one file uploaded with a single PUT here


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


def dag_source(name: object, body: bytes | str, dag: bool = True) -> DagSource:
    """A checked file: a valid name, and for Python files, code that compiles (DAG ids found statically)."""
    checked = check_name(name, dag=dag)
    data = body.encode() if isinstance(body, str) else bytes(body)
    if len(data) > MAX_FILE:
        raise errors.InvalidDagFile(f"{checked} has {len(data):,} bytes: upload files of at most {MAX_FILE:,} bytes here.")
    if not checked.endswith(".py"):
        return DagSource(checked, data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise errors.InvalidDagFile(f"{checked} is not UTF-8 text: save it as UTF-8.") from None
    ids = find_dag_ids(text, checked)
    lowered = text.lower()
    return DagSource(checked, data, ids, is_dag=bool(ids) or ("airflow" in lowered and "dag" in lowered))


def sources_from_paths(paths: list[str | Path]) -> list[DagSource]:
    """Files and folders on disk as DAG-folder files: a folder goes with its name and everything in it
    (helper modules, SQL, configs) except caches and hidden files; every Python file must compile.

    Inside a folder, a link to a file in the same folder goes up as a copy of that file; a link out of the
    folder, to a folder, or to nothing is refused (one line naming it) before anything is read or uploaded.
    """
    sources: list[DagSource] = []
    for given in paths:
        shown = shorten(str(given))
        try:
            sources.extend(_sources_from(Path(given).expanduser(), given))
        except RuntimeError:  # ~nosuchuser
            raise errors.InvalidDagFile(f"{shown!r} names no user's home folder: give paths on this machine.") from None
        except OSError as exc:
            why = "the name is too long" if exc.errno == errno.ENAMETOOLONG else (exc.strerror or type(exc).__name__)
            raise errors.InvalidDagFile(f"Cannot read {shown!r}: {why.lower()} (nothing was uploaded).") from None
    return sources


def _sources_from(path: Path, given: str | Path) -> list[DagSource]:
    if path.is_dir():
        return [dag_source(name, file.read_bytes(), dag=False) for name, file in _folder_files(path, given)]
    if path.is_file():
        return [dag_source(path.name, path.read_bytes(), dag=True)]
    raise errors.InvalidDagFile(f"No file or folder {shorten(str(given))!r} here: give paths on this machine.")


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


def deploy_input(path_or_source: object, filename: object = None) -> list[DagSource]:
    """What ``mwaa.deploy()`` accepts: DAG source text or UTF-8 bytes (with ``filename``, or named after its
    DAG), a path, or a list of paths; anything else is one line."""
    if isinstance(path_or_source, (list, tuple)):
        return sources_from_paths(list(path_or_source))
    if isinstance(path_or_source, Path) or (isinstance(path_or_source, str) and _is_path(path_or_source)):
        sources = sources_from_paths([path_or_source])
        if filename is not None and len(sources) == 1:
            sources = [dag_source(filename, sources[0].body)]
        return sources
    if not isinstance(path_or_source, (str, bytes)):
        raise errors.InvalidDagFile("deploy() takes DAG source text, a path, or a list of paths.")
    try:
        text = path_or_source.decode() if isinstance(path_or_source, bytes) else path_or_source
    except UnicodeDecodeError:
        raise errors.InvalidDagFile("The DAG source is not UTF-8 text: pass str, or bytes in UTF-8.") from None
    return [dag_source(source_name(text) if filename is None else filename, text)]


def _is_path(text: str) -> bool:
    """True when ``text`` (one line) names a file or folder here; text that cannot be a path is source."""
    if "\n" in text:
        return False
    try:
        return Path(text).expanduser().exists()
    except (OSError, RuntimeError, ValueError):
        return False


def source_name(text: str) -> str:
    """A file name for DAG source given without one: ``<first DAG id>.py``."""
    ids = find_dag_ids(text, "the cell")
    if not ids:
        raise errors.InvalidDagFile(
            "No DAG id found in the code: name the file, e.g. %%mwaa_dag my_dag.py (or mwaa.deploy(code, filename='my_dag.py'))."
        )
    name = "".join(ch if ch.isalnum() or ch in "_-." else "_" for ch in ids[0])
    return f"{name}.py"
