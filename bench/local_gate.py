"""The local gate's numbers (issue 21), median of N rounds with warm caches, on Airflow 3 and 2 (3.0.6, 2.10.3):

- parse gate: one DAG file parsed here by Airflow's DagBag in the release venv (goal <= 5 s);
- ``%mwaa test``: ``airflow dags test`` of the sample ETL DAG (daily_sales_etl, 3 tasks) here (goal <= 20 s);
- for comparison: the same import error found the MWAA way, through the emulator's S3, its DAG sync and
  Airflow's parse (``deploy(local_check=False)`` until DagImportError), and MWAA's own (its documentation:
  a sync about every 30 s, a new file seen by the next DAG-folder rescan, up to 300 s by default).

    python bench/local_gate.py [N] [--no-emulator]

Then ``requirements --check`` of a 10-package file (bench/local_gate_requirements.py, goal <= 30 s) and
``upgrade-check`` of the bundled DAGs plus 20 generated Airflow 2 DAGs (bench/local_gate_upgrade.py, goal <= 15 s),
each also runnable alone.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from _common import emulator, verdict

VERSIONS = {3: "3.0.6", 2: "2.10.3"}
ENVS = {3: "demo-airflow3", 2: "demo-airflow2"}
PARSE_GOAL, TEST_GOAL = 5.0, 20.0
MWAA_EXPECTED = "MWAA: ~30 s sync + parse for a changed file; a new file up to the 300 s DAG-folder rescan"
SAMPLE = Path(__file__).resolve().parents[1] / "mwaa_magic" / "emulator" / "dags" / "daily_sales_etl.py"


def broken_dag(dag_id: str) -> str:
    return f"from airflow import DAG\nimport no_such_module_here\n\nwith DAG({dag_id!r}, schedule=None):\n    pass\n"


def timed(action: Callable[[], object], rounds: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times


def parse_gate(version: str) -> None:
    from mwaa_magic.gate.parse import parse_files

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "broken.py"
        path.write_text(broken_dag("bench_broken"))
        report = parse_files(version, [path])
        assert not report.ok and "no_such_module_here" in report.failures[0].error


def dag_test(version: str) -> None:
    from mwaa_magic.gate.dagtest import test_dag

    result = test_dag(version, "daily_sales_etl", {SAMPLE.name: SAMPLE.read_bytes()}, stream=lambda line: None)
    assert [t["state"] for t in result.tasks] == ["success"] * 3, result.tasks


def through_s3(major: int) -> Callable[[], None]:
    """Deploy the broken file with the local check off; time until Airflow's import error comes back."""
    from mwaa_magic.core import errors
    from mwaa_magic.login import connect

    session = connect(ENVS[major])
    session.progress_factory = Quiet

    def once() -> None:
        name = f"bench_{uuid.uuid4().hex[:8]}.py"
        try:
            session.deploy(broken_dag(name[:-3]), filename=name, local_check=False, timeout=600)
        except errors.DagImportError:
            pass
        else:
            raise AssertionError("the broken DAG parsed")
        finally:
            session.undeploy(name, wait=False)

    return once


class Quiet:
    def update(self, text: str) -> None: ...

    def close(self, text: str) -> None: ...


PARTS: list[tuple[str, Callable[[str], None], float]] = [
    ("parse gate, one file", parse_gate, PARSE_GOAL),
    ("%mwaa test daily_sales_etl", dag_test, TEST_GOAL),
]


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    rounds = int(args[0]) if args else 3
    missed = False
    for version in VERSIONS.values():
        for name, action, goal in PARTS:
            action(version)  # warm: the venv's bytecode, uv's cache
            median, times = timed(lambda a=action, v=version: a(v), rounds)
            missed |= median > goal
            shown = ", ".join(f"{t:.1f}" for t in times)
            print(
                f"Airflow {version}: {name}: median {median:.1f} s ({shown}); goal <= {goal:.0f} s: {verdict(median <= goal)}",
                flush=True,
            )
    if "--no-emulator" not in sys.argv:
        with emulator():
            for major, version in VERSIONS.items():
                median, times = timed(through_s3(major), rounds)
                shown = ", ".join(f"{t:.1f}" for t in times)
                print(
                    f"Airflow {version}: the same import error through S3 + the emulator's sync + Airflow: median {median:.1f} s ({shown})"
                )
    print(MWAA_EXPECTED)
    import local_gate_requirements
    import local_gate_upgrade

    missed |= local_gate_requirements.main(rounds) != 0
    for version in ("3.3.1", "3.0.6"):
        missed |= local_gate_upgrade.main(version, rounds) != 0
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
