"""Hostile web-server addresses on loopback, so that every way of not reaching a web server can be produced.

* ``unresolvable``: a ``.invalid`` name (RFC 6761: never resolves);
* ``refusing``: a port held by a socket that does not listen (connections are refused);
* ``hanging``: a port that accepts connections (the kernel's backlog) and never answers;
* ``tls_wrong_name``: TLS with a self-signed certificate for another name (``wrong-name.invalid``).

Point the web-server address setting at one (``MWAA_MAGIC_WEBSERVER_URLS=hostname=URL``). The certificate is
made with the ``openssl`` command; without it the TLS front is left out.
"""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
from pathlib import Path

UNRESOLVABLE_URL = "http://mwaa-emulator-unresolvable.invalid"
WRONG_NAME = "wrong-name.invalid"


def make_certificate(folder: Path, name: str = WRONG_NAME) -> tuple[Path, Path] | None:
    """A self-signed certificate and key for ``name`` (one day), or None without ``openssl``."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return None
    cert, key = folder / "front.pem", folder / "front.key"
    subprocess.run([openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", f"/CN={name}",
                    "-addext", f"subjectAltName=DNS:{name}"], check=True, capture_output=True, timeout=30)
    return cert, key


class Fronts:
    """The hostile addresses; ``start()`` gives ``{name: URL}``, ``stop()`` closes them."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.urls: dict[str, str] = {}
        self.certificate: Path | None = None  # the TLS front's certificate (trust it to see the name mismatch)
        self._sockets: list[socket.socket] = []
        self._stop = threading.Event()
        self._tmp: tempfile.TemporaryDirectory | None = None

    def start(self) -> dict[str, str]:
        refusing = self._socket()  # bound, never listening: connections are refused
        hanging = self._socket()
        hanging.listen(64)  # never accepted: the kernel completes handshakes, nobody answers
        self.urls = {"unresolvable": UNRESOLVABLE_URL, "refusing": self._url("http", refusing),
                     "hanging": self._url("http", hanging)}
        self._start_tls()
        return dict(self.urls)

    def stop(self) -> None:
        self._stop.set()
        for sock in self._sockets:
            sock.close()
        if self._tmp is not None:
            self._tmp.cleanup()

    def _socket(self) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((self.host, 0))
        self._sockets.append(sock)
        return sock

    def _url(self, scheme: str, sock: socket.socket) -> str:
        return f"{scheme}://{self.host}:{sock.getsockname()[1]}"

    def _start_tls(self) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="mwaa-emulator-fronts-")
        try:
            made = make_certificate(Path(self._tmp.name))
        except (OSError, subprocess.SubprocessError):
            made = None
        if made is None:
            return
        self.certificate, key = made
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.certificate, key)
        server = self._socket()
        server.listen(16)
        server.settimeout(0.2)
        self.urls["tls_wrong_name"] = self._url("https", server)
        threading.Thread(target=self._serve_tls, args=(server, context), daemon=True, name="emulator-tls-front").start()

    def _serve_tls(self, server: socket.socket, context: ssl.SSLContext) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = server.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=_answer_tls, args=(conn, context), daemon=True).start()


def _answer_tls(conn: socket.socket, context: ssl.SSLContext) -> None:
    """Handshake, then answer any request with 404 (a client that checks certificates stops before)."""
    conn.settimeout(5)
    try:
        with context.wrap_socket(conn, server_side=True) as tls:
            tls.recv(65536)
            tls.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    except (OSError, ssl.SSLError):
        conn.close()
