"""Kernel memory growth after ``%mwaa_login`` (goal <= 40 MB).

Starts a real ipykernel (jupyter_client ``start_new_kernel``) whose environment points at a fresh
emulator, and reads the kernel process's RSS (psutil if installed, else /proc/PID/status VmRSS):
at start, after ``%load_ext mwaa_magic``, and after ``%mwaa_login demo-airflow3`` + ``mwaa.dags()``.

    python bench/kernel_rss.py
"""

from __future__ import annotations

import time

from _common import emulator, rss_mb, verdict

ENV = "demo-airflow3"


def run(client, code: str) -> None:
    reply = client.execute_interactive(code, timeout=120, output_hook=lambda msg: None)
    assert reply["content"]["status"] == "ok", reply["content"]


def settled_rss(pid: int, client) -> float:
    run(client, "import gc; gc.collect()")
    time.sleep(0.5)
    return rss_mb(pid)


def main() -> None:
    from jupyter_client.manager import start_new_kernel

    with emulator() as running:
        manager, client = start_new_kernel(kernel_name="python3", env=running.client_env())
        try:
            pid = manager.provisioner.process.pid if manager.provisioner else manager.kernel.pid
            start = settled_rss(pid, client)
            run(client, "%load_ext mwaa_magic")
            loaded = settled_rss(pid, client)
            run(client, f"%mwaa_login {ENV}\ndags = mwaa.dags()\nassert dags, 'no DAGs'")
            logged_in = settled_rss(pid, client)
        finally:
            client.stop_channels()
            manager.shutdown_kernel(now=True)
    growth = logged_in - loaded
    print(f"ipykernel pid {pid} RSS:")
    print(f"  fresh kernel:                                  {start:6.1f} MB")
    print(f"  after %load_ext mwaa_magic:                    {loaded:6.1f} MB  (+{loaded - start:.1f} MB)")
    print(f"  after %mwaa_login {ENV} + mwaa.dags(): {logged_in:6.1f} MB  (+{growth:.1f} MB)")
    print(
        f"  growth from login: {growth:.1f} MB  (goal <= 40 MB: {verdict(growth <= 40)}); "
        f"load_ext + login: {logged_in - start:.1f} MB"
    )


if __name__ == "__main__":
    main()
