"""The network probes of ``doctor``: DNS (with a deadline), what the addresses are, a TLS handshake, and the
certificate's names. Plain functions of host, port and time limit: nothing here knows about a run."""

from __future__ import annotations

import ipaddress
import socket
import threading
from typing import Any
from urllib.parse import urlsplit


def resolve(host: str, port: int, timeout: float) -> list[str]:
    """The addresses ``host`` resolves to (``socket.gaierror`` when it does not), within ``timeout``."""
    found: dict[str, Any] = {}
    done = threading.Event()

    def lookup() -> None:
        try:
            found["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            found["error"] = exc
        finally:
            done.set()

    threading.Thread(target=lookup, daemon=True, name="mwaa-doctor-dns").start()
    if not done.wait(timeout):
        raise TimeoutError(f"no DNS answer for {host} within {timeout:g} s")
    if "error" in found:
        raise found["error"]
    return list(dict.fromkeys(info[4][0] for info in found["infos"]))


def address_kind(addresses: list[str]) -> str:
    """ "loopback", "private" (all private), or "public"."""
    ips = [ipaddress.ip_address(a.split("%")[0]) for a in addresses]
    if all(ip.is_loopback for ip in ips):
        return "loopback"
    if all(ip.is_private for ip in ips):
        return "private"
    return "public"


def host_and_port(base_url: str) -> tuple[str, int, str]:
    """(host, port, scheme) of a base URL, the port defaulting to the scheme's."""
    parts = urlsplit(base_url)
    return parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80), parts.scheme


def connect(address: str, port: int, timeout: float) -> None:
    """Open and close one TCP connection (``OSError`` when it fails, ``TimeoutError`` after ``timeout``)."""
    with socket.create_connection((address, port), timeout=timeout):
        pass


def tls_handshake(host: str, addresses: list[str], port: int, timeout: float) -> dict[str, Any]:
    """Handshake with the trust store the web client uses (``SSL_CERT_FILE`` honoured); the peer certificate."""
    import httpx

    context = httpx.create_ssl_context()
    with (
        socket.create_connection((addresses[0] if addresses else host, port), timeout=timeout) as raw,
        context.wrap_socket(raw, server_hostname=host) as wrapped,
    ):
        return {"version": wrapped.version(), "certificate": wrapped.getpeercert() or {}}


def certificate_names(cert: dict[str, Any]) -> str:
    names = [value for kind, value in cert.get("subjectAltName", ()) if kind in ("DNS", "IP Address")]
    if not names:
        names = [value for rdn in cert.get("subject", ()) for key, value in rdn if key == "commonName"]
    return ", ".join(names[:4]) + (", ..." if len(names) > 4 else "") or "no name"


def issuer(cert: dict[str, Any]) -> str:
    fields = {key: value for rdn in cert.get("issuer", ()) for key, value in rdn}
    return fields.get("organizationName") or fields.get("commonName") or "unknown issuer"
