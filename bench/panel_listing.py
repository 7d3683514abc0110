"""How long the environment picker takes to fill its list: 1 vs 20 environments, 100 ms per request.

Starts two control-plane-only emulators (``--no-airflow``) from generated TOML configs, adds
``control_latency=0.1`` to every request, and times ``EnvironmentPicker.refresh()`` until the list is
filled (median of several runs). A sequential GetEnvironment loop is printed for comparison.

    python bench/panel_listing.py [--runs 5] [--latency 0.1] [--pool 25]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mwaa_magic.emulator.pytest_plugin import RunningEmulator, start_emulator

IDENTITY = """
[[identities]]
access_key_id = "AKIABENCHPANEL000001"
secret_access_key = "bench-secret"
iam_identity = "assumed-role/Admin/bench"
roles = { "*" = "Admin" }
"""


def write_config(folder: Path, count: int) -> Path:
    """A TOML world with ``count`` environments in us-east-1 (mixed statuses and versions), no Airflow."""
    statuses = ["AVAILABLE", "AVAILABLE", "UPDATING", "CREATE_FAILED"]
    lines = ['region = "us-east-1"', 'account_id = "123456789012"']
    for i in range(count):
        lines += [
            "",
            "[[environments]]",
            f'name = "bench-env-{i:02d}"',
            f'airflow_version = "{"3.0.6" if i % 2 == 0 else "2.10.3"}"',
            f'status = "{statuses[i % 4]}"',
        ]
    path = folder / f"bench-{count}.toml"
    path.write_text("\n".join(lines) + "\n" + IDENTITY)
    return path


def use(emulator: RunningEmulator) -> None:
    """Point boto3 (this process) at the emulator and nowhere else."""
    os.environ.update(emulator.client_env())
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"


def widen_pool(size: int) -> None:
    """Bench-only: give the cached us-east-1 client a connection pool of ``size`` (botocore's default is 10)."""
    import botocore.config

    from mwaa_magic.core import control_plane as control

    plane = control.control_plane(None, "us-east-1")
    config = plane._client.meta.config.merge(botocore.config.Config(max_pool_connections=size))
    plane._client = plane._session.client("mwaa", region_name="us-east-1", config=config)


def time_panel(runs: int) -> list[float]:
    from mwaa_magic.kernel.picker import EnvironmentPicker

    picker = EnvironmentPicker(region="us-east-1")
    assert picker.wait(60) and picker.last_error is None, picker.last_error
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        picker.refresh()
        assert picker.wait(60) and picker.last_error is None, picker.last_error
        timings.append(time.perf_counter() - started)
    return timings


def time_listing_only(runs: int) -> list[float]:
    """The control-plane part alone (what the panel's thread calls), without building widgets."""
    from mwaa_magic.core import control_plane as control
    from mwaa_magic.kernel.picker import LIST_WORKERS

    plane = control.control_plane(None, "us-east-1")
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        plane.list_environments(max_workers=LIST_WORKERS)
        timings.append(time.perf_counter() - started)
    return timings


def time_sequential(runs: int) -> list[float]:
    """The naive way: ListEnvironments, then GetEnvironment one after the other."""
    from mwaa_magic.core import control_plane as control

    plane = control.control_plane(None, "us-east-1")
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        for name in plane.list_environment_names():
            plane.get_environment(name, cached=False)
        timings.append(time.perf_counter() - started)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds added per control-plane request")
    parser.add_argument("--pool", type=int, default=0, help="max_pool_connections of the client (default: botocore's 10)")
    args = parser.parse_args()
    results: dict[int, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for count in (1, 20):
            emulator = start_emulator(str(write_config(Path(tmp), count)), with_airflow=False)
            try:
                use(emulator)
                if args.pool:
                    widen_pool(args.pool)
                emulator.admin.set(control_latency=args.latency)
                panel = statistics.median(time_panel(args.runs))
                listing = statistics.median(time_listing_only(args.runs))
                sequential = statistics.median(time_sequential(max(1, args.runs // 2)))
                calls = emulator.admin.calls()
                results[count] = (panel, sequential)
                print(
                    f"{count:>2} environment(s): panel fills in {panel * 1000:6.0f} ms (median of {args.runs}); "
                    f"list_environments alone {listing * 1000:4.0f} ms; sequential GetEnvironment loop {sequential * 1000:6.0f} ms; "
                    f"calls {calls}"
                )
            finally:
                emulator.stop()
    one, twenty = results[1][0], results[20][0]
    print(f"latency per request: {args.latency * 1000:.0f} ms; connection pool: {args.pool or 'botocore default (10)'}")
    print(
        f"20 vs 1 environment: +{(twenty - one) * 1000:.0f} ms "
        f"(= {(twenty - one) / args.latency:.1f} request latencies; goal about 1, naive would be "
        f"{(results[20][1] - results[1][1]) / args.latency:.1f}); ratio {twenty / one:.2f}x"
    )


if __name__ == "__main__":
    main()
