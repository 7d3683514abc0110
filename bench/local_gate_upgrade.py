"""``%mwaa upgrade-check`` of the bundled DAGs (the emulator's three samples and the two Airflow 2 samples) plus 20
generated Airflow 2 DAGs: ruff's AIR3 rules, then the parse gate on the target Airflow 3 release (goal: <= 15 s,
median of 3, warm caches). Also timed: ruff's part alone (--no-parse) and the check with --fix (fixed copies, diff,
the parse of the copies). No emulator needed: the release must be installed (``python -m mwaa_magic.emulator
install --versions 3.3.1``). The lead joins this into bench/local_gate.py.

    python bench/local_gate_upgrade.py [TARGET] [N]
"""

from __future__ import annotations

import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _common import verdict

GOAL = 15.0
GENERATED = 20


def generated_dag(number: int) -> str:
    """An Airflow 2 DAG as MWAA users wrote them: removed imports and arguments, operators moved to providers."""
    return (
        "from datetime import datetime\n\n"
        "from airflow import DAG\n"
        "from airflow.operators.bash import BashOperator\n"
        "from airflow.operators.dummy import DummyOperator\n"
        "from airflow.operators.python import PythonOperator\n\n\n"
        f"def step_{number}(**context):\n"
        f"    print('step {number} of', context['run_id'])\n\n\n"
        f"with DAG('generated_{number:02d}', schedule_interval=None, start_date=datetime(2024, 1, 1), catchup=False):\n"
        "    start = DummyOperator(task_id='start')\n"
        f"    work = PythonOperator(task_id='work', python_callable=step_{number})\n"
        "    done = BashOperator(task_id='done', bash_command='echo done')\n"
        "    start >> work >> done\n"
    )


def dag_folder(root: Path) -> Path:
    from mwaa_magic.emulator.s3 import sample_dags as emulator_dags
    from mwaa_magic.gate.upgrade import sample_dags

    folder = root / "dags"
    folder.mkdir()
    for source in [*emulator_dags().glob("*.py"), *sample_dags().glob("*.py")]:
        shutil.copy(source, folder / source.name)
    for number in range(GENERATED):
        (folder / f"generated_{number:02d}.py").write_text(generated_dag(number))
    return folder


def cpu() -> float:
    """CPU seconds of this process and its finished children (ruff, Airflow's parse): a number a busy machine
    does not inflate as much as the wall clock."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


CPU: dict[str, list[float]] = {}


def timed(name: str = "", **options) -> tuple[float, object]:
    from mwaa_magic.gate.upgrade import check

    started, used = time.perf_counter(), cpu()
    report = check(**options, say=lambda _: None)
    CPU.setdefault(name, []).append(cpu() - used)
    return time.perf_counter() - started, report


def main(target: str, rounds: int) -> int:
    with tempfile.TemporaryDirectory(prefix="bench-upgrade-") as tmp:
        folder = dag_folder(Path(tmp))
        files = len(list(folder.glob("*.py")))
        timed(paths=[folder], to=target)  # warm: the release venv's imports, ruff's binary
        results: dict[str, list[float]] = {"ruff only (--no-parse)": [], "check (ruff + parse)": [], "check --fix": []}
        for round_number in range(rounds):
            name = "ruff only (--no-parse)"
            seconds, report = timed(name, paths=[folder], to=target, parse=False)
            results[name].append(seconds)
            name = "check (ruff + parse)"
            seconds, report = timed(name, paths=[folder], to=target)
            results[name].append(seconds)
            findings = len(report.findings)
            name, out = "check --fix", Path(tmp) / f"fixed-{round_number}"
            seconds, fixed = timed(name, paths=[folder], to=target, fix_to=out, unsafe_fixes=True)
            results[name].append(seconds)
        print(
            f"{files} files ({GENERATED} generated), {findings} findings; after --fix: {len(fixed.failures)} file(s) fail to parse"
        )
        print(f"ruff: {report.ruff}, rules: {report.rules}; target Airflow {target}; median of {rounds}")
        for name, values in results.items():
            runs = ", ".join(f"{v:.2f}" for v in values)
            print(f"  {name:<24} {statistics.median(values):6.2f} s  (runs: {runs}; CPU {statistics.median(CPU[name]):.2f} s)")
        median = statistics.median(results["check (ruff + parse)"])
        print(f"upgrade-check: {median:.2f} s (goal <= {GOAL:.0f} s): {verdict(median <= GOAL)}")
        return 0 if median <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "3.3.1", int(sys.argv[2]) if len(sys.argv) > 2 else 3))
