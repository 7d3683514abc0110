"""How long %mwaa doctor takes: a healthy run, and runs where endpoints hang (goal: every run < 30 s).

Cases (default timeouts, full region list):
  healthy        demo-airflow3 on the emulator's real Airflow 3
  all hanging    MWAA, STS and the web server accept connections and never answer
  web hanging    the control plane answers; the web server accepts and never answers
Run: python bench/doctor.py
"""

from __future__ import annotations

import socket
import time

from _common import emulator, environ


def silent_address() -> tuple[str, socket.socket]:
    """Accepts connections (the kernel's backlog) and never answers."""
    server = socket.create_server(("127.0.0.1", 0), backlog=128)
    return f"http://127.0.0.1:{server.getsockname()[1]}", server


def timed(settings: dict[str, str], environment: str = "demo-airflow3") -> tuple[float, object]:
    from mwaa_magic.core.doctor import doctor

    with environ(settings):
        started = time.perf_counter()
        diagnosis = doctor(environment)
        return time.perf_counter() - started, diagnosis


def main() -> None:
    with emulator() as running:
        timed({})  # warm up: imports, botocore's data
        silent, server = silent_address()
        cases = {
            "healthy": {},
            "all hanging": {"AWS_ENDPOINT_URL_MWAA": silent, "AWS_ENDPOINT_URL_STS": silent, "MWAA_MAGIC_WEBSERVER_URLS": silent},
            "web hanging": {"MWAA_MAGIC_WEBSERVER_URLS": silent},
        }
        for name, settings in cases.items():
            seconds, diagnosis = timed(settings)
            marks = " ".join(row["result"] for row in diagnosis)  # type: ignore[attr-defined]
            print(f"{name:12s} {seconds:6.2f} s  ok={diagnosis.ok}  {marks}", flush=True)  # type: ignore[attr-defined]
            if name == "healthy":
                print(repr(diagnosis), flush=True)
        server.close()
        assert running


if __name__ == "__main__":
    main()
