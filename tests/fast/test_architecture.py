"""The rooms and the one-way flow (docs/ARCHITECTURE.md), checked on the source: no import cycles (function-level
imports and imports for type checking included, a child importing its parent package counted like any other
edge), the core imports no face, the core reaches the local gate only inside functions and the gate imports no
face, the emulator shares only public constants with the core, and no version logic outside the two version tables."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import mwaa_magic

PACKAGE = Path(mwaa_magic.__file__).parent


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py") if "labextension" not in p.parts}


def runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node, except what sits under ``if TYPE_CHECKING:`` (annotations only, never imported at run time)."""
    nodes, todo = [], [tree]
    while todo:
        node = todo.pop()
        nodes.append(node)
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            todo.extend(node.orelse)
            continue
        todo.extend(ast.iter_child_nodes(node))
    return nodes


def imports_of(path: Path, type_checking: bool = False) -> set[str]:
    """Every module ``path`` imports at run time (with ``type_checking``, for annotations too), anywhere in the
    file (absolute names). ``from pkg import mod`` is an edge to ``pkg.mod``; ``from pkg import name`` (a name
    defined in ``pkg/__init__.py``) and ``import pkg`` are edges to ``pkg``: a child that reads its parent
    package's names depends on that package like on any other module."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree) if type_checking else runtime_nodes(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
    return found


def graph(type_checking: bool = False) -> dict[str, set[str]]:
    """Module -> the package's modules it imports."""
    return {name: {m for m in imports_of(path, type_checking) if m in MODULES and m != name} for name, path in MODULES.items()}


def cycles_in(edges: dict[str, set[str]]) -> list[list[str]]:
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for dep in sorted(edges[node]):
            if state.get(dep) == 1:
                cycles.append(stack[stack.index(dep) :] + [dep])
            elif dep not in state:
                visit(dep, stack + [dep])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    return cycles


def test_no_import_cycles():
    assert cycles_in(graph()) == []


def test_no_import_cycles_at_type_level():
    """An import under ``if TYPE_CHECKING:`` is a dependency too: a cycle there is two modules that need each other."""
    assert cycles_in(graph(type_checking=True)) == []


def test_the_cycle_finder_sees_a_child_importing_its_parent():
    edges = {"p": {"p.kernel"}, "p.kernel": set(), "p.core": {"p"}, "p.core.x": set()}
    assert cycles_in(edges) == []
    assert cycles_in({**edges, "p.kernel": {"p.core"}}) == [["p", "p.kernel", "p.core", "p"]]


def test_the_core_stands_alone():
    for name, path in ((module_name(p), p) for p in (PACKAGE / "core").rglob("*.py")):
        imported = imports_of(path)
        faces = {m for m in imported if m.startswith(("mwaa_magic.kernel", "mwaa_magic.server", "mwaa_magic.emulator"))}
        ui = {m for m in imported if m.split(".")[0] in ("IPython", "ipywidgets", "tornado", "jupyter_server")}
        assert not faces and not ui, (name, faces | ui)


def test_the_core_reaches_the_gate_only_inside_functions():
    """The local gate (mwaa_magic/gate/: parse and test on the emulator's Airflow installs) sits between the faces
    and the emulator; the core calls it from inside a function (a deploy, ``test_dag``), never at import time,
    so that importing the core never loads the gate or the emulator's modules."""
    for path in (PACKAGE / "core").rglob("*.py"):
        top_level = [n for n in ast.parse(path.read_text()).body if isinstance(n, (ast.Import, ast.ImportFrom))]
        names = {a.name for n in top_level for a in n.names} | {
            n.module or "" for n in top_level if isinstance(n, ast.ImportFrom)
        }
        assert not any(name.startswith(("gate", "mwaa_magic.gate")) or ".gate" in name for name in names), path.name


def test_the_gate_imports_no_face_and_the_emulator_no_gate():
    for path in (PACKAGE / "gate").rglob("*.py"):
        faces = {m for m in imports_of(path) if m.startswith(("mwaa_magic.kernel", "mwaa_magic.server"))}
        ui = {m for m in imports_of(path) if m.split(".")[0] in ("IPython", "ipywidgets", "tornado", "jupyter_server")}
        assert not faces and not ui, (path.name, faces | ui)
    for path in (PACKAGE / "emulator").rglob("*.py"):
        assert not {m for m in imports_of(path) if m.startswith("mwaa_magic.gate")}, path.name


def test_the_emulator_shares_only_public_constants_with_the_core():
    for path in (PACKAGE / "emulator").rglob("*.py"):
        shared = {m for m in imports_of(path) if m.startswith(("mwaa_magic.core", "mwaa_magic.kernel", "mwaa_magic.server"))}
        assert shared <= {"mwaa_magic.core.addresses", "mwaa_magic.core.addresses.WEBSERVER_URLS_VARIABLE"}, (path.name, shared)


def test_heavy_libraries_load_on_first_use_only():
    for path in PACKAGE.rglob("*.py"):
        if "emulator" in path.parts or "server" in path.parts or "labextension" in path.parts:
            continue
        top_level = [n for n in ast.parse(path.read_text()).body if isinstance(n, (ast.Import, ast.ImportFrom))]
        names = {a.name for n in top_level for a in n.names} | {
            n.module or "" for n in top_level if isinstance(n, ast.ImportFrom)
        }
        assert not {m.split(".")[0] for m in names} & {"boto3", "botocore", "httpx"}, path.name


# --- version logic lives in the two tables ---------------------------------------------------------
VERSION_TABLES = {"mwaa_magic.core.flavours", "mwaa_magic.emulator.releases"}
ORDERING = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)


def _named_major(node: ast.AST) -> bool:
    name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""
    return "major" in name.lower()


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the docstring nodes (text about versions is no version logic)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                found.add(id(first.value))
    return found


def version_logic(source: str) -> list[str]:
    """What in ``source`` branches on an Airflow version: a ``major`` compared by order or with a number, a
    ``flavour_for(<literal>)``, an ``/api/v`` literal (docstrings aside)."""
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            numbers = any(isinstance(o, ast.Constant) and isinstance(o.value, (int, float)) for o in operands)
            if any(_named_major(o) for o in operands) and (any(isinstance(op, ORDERING) for op in node.ops) or numbers):
                found.append(f"line {node.lineno}: {ast.unparse(node)}")
        elif isinstance(node, ast.Call):
            func = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if func == "flavour_for" and node.args and isinstance(node.args[0], (ast.Constant, ast.Tuple)):
                found.append(f"line {node.lineno}: {ast.unparse(node)}")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and "/api/v" in node.value
            and id(node) not in docstrings
        ):
            found.append(f"line {node.lineno}: {node.value!r}")
    return found


@pytest.mark.parametrize("module", sorted(set(MODULES) - VERSION_TABLES))
def test_no_version_logic_outside_the_two_tables(module: str):
    """Every Airflow-version difference is data in core/flavours.py (client) or emulator/releases.py (emulator)."""
    assert version_logic(MODULES[module].read_text()) == []


def test_the_version_logic_finder():
    source = '''
"""Docs may say /api/v1."""
def f(session, backend, env):
    if env.airflow_major >= 3: pass
    v3 = backend.major >= 3
    if session.major == 2: pass
    flavour = flavour_for(3)
    other = flavours.flavour_for("2.10.3")
    path = "/api/v2/dags"
    root = f"/api/v{session.major}"
    fine = flavour_for(info.airflow_version)
    ok = int(client.__version__.split(".")[0]) != flavour.client_major
'''
    assert [line.split(":")[0] for line in version_logic(source)] == [
        "line 4",
        "line 5",
        "line 6",
        "line 7",
        "line 8",
        "line 9",
        "line 10",
    ]
