"""``%mwaa requirements --check`` of a 10-package requirements.txt (goal <= 30 s), on both majors.

What the check does, without a notebook: the file and the environment's current requirements.txt resolved at once
with ``uv pip compile`` on the release (Airflow + MWAA's providers), MWAA's constraints and essential constraints,
for MWAA's Python and Linux. Warm caches: one run first (uv's cache holds the metadata), then the median of N.
Also the same file applied for real: the emulator's environment venv (``install.environment_venv``) built once
cold (new content) and once warm (cached). No emulator needed. For comparison: MWAA's UpdateEnvironment takes
20-30 minutes before it reports an install failure (README).

    python bench/local_gate_requirements.py [N]
"""

from __future__ import annotations

import statistics
import sys
import time
import uuid

from _common import verdict

from mwaa_magic.emulator.install import environment_venv, is_installed
from mwaa_magic.gate.requirements import check

GOAL = 30.0
TEN = (
    "cowsay\npandas\nrequests\nboto3\npendulum\nhumanize\ntabulate\n"
    "snowflake-connector-python\napache-airflow-providers-snowflake\npyyaml\n"
)
RUNNING = "apache-airflow-providers-amazon\n"  # the emulator's sample requirements.txt
RELEASES = ("3.0.6", "2.10.3")


def main(n: int = 3) -> int:
    ok = True
    for version in RELEASES:
        check(version, TEN, RUNNING, "requirements.txt")  # warm uv's cache
        times = []
        for _ in range(n):
            start = time.perf_counter()
            result = check(version, TEN, RUNNING, "requirements.txt")
            times.append(time.perf_counter() - start)
        median = statistics.median(times)
        ok = ok and median <= GOAL
        print(
            f"requirements --check, 10 packages, Airflow {version}: median {median:.1f} s of {n} "
            f"({', '.join(f'{t:.1f}' for t in times)}), {len(result.changes)} changes, goal <= {GOAL:.0f} s: {verdict(median <= GOAL)}"
        )
        if is_installed(version):
            text = f"{TEN}cowsay!=0.0.{uuid.uuid4().int % 10**9}\n"  # new content (a new venv), the same packages
            start = time.perf_counter()
            environment_venv(version, text)
            cold = time.perf_counter() - start
            start = time.perf_counter()
            environment_venv(version, text)
            print(
                f"  environment venv (the emulator's UpdateEnvironment install): new {cold:.1f} s, "
                f"cached {time.perf_counter() - start:.2f} s"
            )
    print("overall:", verdict(ok))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 3))
