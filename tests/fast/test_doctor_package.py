"""The doctor's structure (issue 18 #3): one table of checks, small modules, no import cycle even for types."""

from __future__ import annotations

import ast
from pathlib import Path

from mwaa_magic.core import doctor as doctor_module
from mwaa_magic.core.doctor import table as doctor_table
from mwaa_magic.core.doctor.outcome import ok

PACKAGE = Path(doctor_module.__file__).parent


def sibling_imports(path: Path) -> set[str]:
    """The doctor modules ``path`` imports, ``if TYPE_CHECKING:`` blocks included."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found.update([node.module] if node.module else [alias.name for alias in node.names])
    return found


def test_no_import_cycle_between_the_doctor_modules_not_even_for_types():
    edges = {p.stem: sibling_imports(p) for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    assert not any("__init__" in deps for deps in edges.values())
    order: list[str] = []
    while edges:
        ready = sorted(m for m, deps in edges.items() if not deps & set(edges))
        assert ready, f"an import cycle among {sorted(edges)}"
        order += ready
        for module in ready:
            del edges[module]
    assert order.index("table") < order.index("runner")


def test_every_doctor_module_is_under_400_lines():
    sizes = {p.name: len(p.read_text().splitlines()) for p in PACKAGE.glob("*.py")}
    assert max(sizes.values()) < 400, sizes


def test_the_table_is_consistent():
    keys = [check.key for check in doctor_module.CHECKS]
    assert len(keys) == len(set(keys)) == 17  # + the DAG folder (S3) row, + the Airflow version support row
    for check in doctor_module.CHECKS:
        assert set(check.needs + check.after) <= set(keys) - {check.key}, check.key
        assert check.timeout > 0 and check.title


def test_adding_a_check_is_one_entry_and_its_function(aws, monkeypatch):
    def airflow_pools(run, limit):
        return ok(f"{run.name}: the web login worked, so pools could be read")

    extra = doctor_module.Check("pools", "Pools", airflow_pools, needs=("login",), timeout=1.0)
    monkeypatch.setattr(doctor_table, "CHECKS", (*doctor_table.CHECKS, extra))
    diagnosis = doctor_module.doctor("fast3")
    assert diagnosis[-1]["check"] == "Pools" and diagnosis[-1]["status"] == "ok" and diagnosis.ok
    assert diagnosis.to_json()["checks"][-1]["mark"] == "✓"
