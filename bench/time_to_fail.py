"""How long a user waits before a dead endpoint is reported, with the default timeouts (goal: < 20 s).

Cases: a control plane that accepts connections and never answers; one that refuses connections; a web
server that accepts and never answers. Prints the seconds to the one-line error, and that line.
Run: python bench/time_to_fail.py
"""

from __future__ import annotations

import socket
import threading
import time

from _common import emulator, environ


def silent_server() -> tuple[str, socket.socket]:
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    threading.Thread(target=lambda: [held.append(server.accept()[0]) for _ in iter(int, 1)], daemon=True).start()
    return f"http://127.0.0.1:{server.getsockname()[1]}", server


def refused_address() -> str:
    probe = socket.create_server(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return f"http://127.0.0.1:{port}"


def time_login(settings: dict[str, str]) -> tuple[float, str]:
    from mwaa_magic.core import errors
    from mwaa_magic.login import connect

    started = time.perf_counter()
    with environ(settings):
        try:
            connect("demo-airflow3")
            line = "(no error)"
        except errors.MwaaError as exc:
            line = f"{exc.code}: {exc.message}"
    return time.perf_counter() - started, line


def main() -> None:
    with emulator(with_airflow=False):
        hung_url, _keep = silent_server()
        cases = {
            "control plane hung (accepts, never answers)": {"AWS_ENDPOINT_URL_MWAA": hung_url},
            "control plane refusing connections": {"AWS_ENDPOINT_URL_MWAA": refused_address()},
            "web server hung (accepts, never answers)": {"MWAA_MAGIC_WEBSERVER_URLS": hung_url},
        }
        worst = 0.0
        for name, settings in cases.items():
            seconds, line = time_login(settings)
            worst = max(worst, seconds)
            print(f"{name:45s} {seconds:6.1f} s  {line[:150]}")
        print(f"worst case: {worst:.1f} s (goal < 20 s: {'OK' if worst < 20 else 'MISSED'})")


if __name__ == "__main__":
    main()
