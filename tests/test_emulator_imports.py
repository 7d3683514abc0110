"""The emulator's modules import one another without cycles (imports inside functions count) and never
import another module's private names."""

from __future__ import annotations

import ast
from pathlib import Path

import mwaa_magic.emulator

PACKAGE = Path(mwaa_magic.emulator.__file__).parent


def relative_imports(path: Path) -> list[tuple[str, str]]:
    """(module, name) for every ``from .module import name`` / ``from . import module`` anywhere in ``path``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            for alias in node.names:
                found.append((node.module, alias.name) if node.module else (alias.name, ""))
    return found


def import_graph() -> dict[str, set[str]]:
    modules = {p.stem for p in PACKAGE.glob("*.py")}
    return {p.stem: {m for m, _ in relative_imports(p) if m in modules and m != p.stem} for p in PACKAGE.glob("*.py")}


def test_no_import_cycle():
    graph = import_graph()
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        assert module not in path, "import cycle: " + " -> ".join([*path, module])
        if module not in done:
            for target in graph.get(module, ()):
                visit(target, [*path, module])
            done.add(module)

    for module in graph:
        visit(module, [])


def test_no_private_name_imported():
    private = [(p.name, m, n) for p in PACKAGE.glob("*.py") for m, n in relative_imports(p) if n.startswith("_")]
    assert not private
