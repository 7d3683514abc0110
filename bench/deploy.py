"""Time from ``%%mwaa_dag`` to the DAG visible in the REST API, and to its first task's success with ``--trigger``,
on Airflow 3 and 2 (goal on the emulator: visible in <= 10 s on both majors).

Parts of "visible": check (compile, static DAG ids, the DAG-id clash check against Airflow), upload (S3 PUT,
with the overwrite guard's HEAD), sync (until the file is in Airflow's DAG folder: the emulator's stand-in
for MWAA's S3 sync), parse (until Airflow serves this version of the DAG through its REST API). Each round
deploys a new one-task DAG file, then removes it. Median of N rounds per major.

    python bench/deploy.py [N]
"""

from __future__ import annotations

import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

from _common import emulator, verdict

GOAL = 10.0
ENVS = {3: "demo-airflow3", 2: "demo-airflow2"}
BACKENDS = {3: "3.0.6", 2: "2.10.3"}


def dag_code(dag_id: str) -> str:
    return (
        f"from airflow import DAG\nfrom airflow.operators.bash import BashOperator\n\n"
        f"with DAG({dag_id!r}, schedule=None, catchup=False):\n"
        f"    BashOperator(task_id='hello', bash_command='echo hello')\n"
    )


def one_round(session, folder: Path, trigger: bool) -> dict[str, float]:
    from mwaa_magic.core.dagloop import dag_source

    loop = session.dag_loop
    dag_id = f"bench_{uuid.uuid4().hex[:8]}"
    seen_in_folder: list[float] = []

    started = time.perf_counter()
    source = dag_source(f"{dag_id}.py", dag_code(dag_id))
    loop._check_clashes([source])  # the same steps deploy() takes, timed one by one
    checked = time.perf_counter()
    uploaded_at = time.time()

    def watch() -> None:
        while not (folder / source.name).exists():
            time.sleep(0.02)
        seen_in_folder.append(time.perf_counter())

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    loop.folder.put(source)
    uploaded = time.perf_counter()
    loop.wait_parsed(source, uploaded_at, True, 120)
    visible = time.perf_counter()
    watcher.join(5)
    synced = seen_in_folder[0] if seen_in_folder else visible
    times = {
        "check": checked - started,
        "upload": uploaded - checked,
        "sync": max(0.0, synced - uploaded),
        "parse": visible - max(synced, uploaded),
        "visible": visible - started,
    }
    if trigger:
        session.trigger(dag_id, wait=True)
        times["task_success"] = time.perf_counter() - started
    session.undeploy(source.name)
    return times


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    from mwaa_magic.core.session import Progress
    from mwaa_magic.login import connect

    class Quiet(Progress):
        def update(self, text: str) -> None:
            pass

        def close(self, text: str) -> None:
            pass

    ok = True
    with emulator() as running:
        folders = running.state()["s3"]["dag_folders"]
        for major, env in ENVS.items():
            session = connect(env)
            session.progress_factory = Quiet
            folder = Path(folders[BACKENDS[major]])
            one_round(session, folder, trigger=False)  # warm-up: first S3 client, first REST calls
            results = [one_round(session, folder, trigger=True) for _ in range(rounds)]
            med = {k: statistics.median(r[k] for r in results) for k in results[0]}
            ok &= med["visible"] <= GOAL
            print(
                f"Airflow {major} ({env}), median of {rounds}: visible {med['visible']:.1f} s "
                f"(check {med['check']:.2f}, upload {med['upload']:.2f}, sync {med['sync']:.2f}, parse {med['parse']:.2f}); "
                f"first task success with --trigger {med['task_success']:.1f} s  {verdict(med['visible'] <= GOAL)}",
                flush=True,
            )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
