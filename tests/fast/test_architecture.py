"""The rooms and the one-way flow (docs/ARCHITECTURE.md), checked on the source: no import cycles (function-level
imports included), the core imports no face, the emulator shares only public constants with the core."""

from __future__ import annotations

import ast
from pathlib import Path

import mwaa_magic

PACKAGE = Path(mwaa_magic.__file__).parent


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


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


def imports_of(path: Path) -> set[str]:
    """Every module ``path`` imports at run time, anywhere in the file (absolute names)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in runtime_nodes(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py") if "labextension" not in p.parts}
    return {name: {m for m in imports_of(path) if m in modules and m != name} for name, path in modules.items()}


def test_no_import_cycles():
    edges = graph()
    # packages import their children only for re-export; a child importing its package's names is the cycle we check
    edges = {m: {d for d in deps if not m.startswith(d + ".")} for m, deps in edges.items()}
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
    assert cycles == []


def test_the_core_stands_alone():
    for name, path in ((module_name(p), p) for p in (PACKAGE / "core").rglob("*.py")):
        imported = imports_of(path)
        faces = {m for m in imported if m.startswith(("mwaa_magic.kernel", "mwaa_magic.server", "mwaa_magic.emulator"))}
        ui = {m for m in imported if m.split(".")[0] in ("IPython", "ipywidgets", "tornado", "jupyter_server")}
        assert not faces and not ui, (name, faces | ui)


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
