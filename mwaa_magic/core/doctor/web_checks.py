"""The web-server checks of ``doctor``: which address, DNS, TCP, TLS, the web login, a REST call and the CLI.

Each takes the run's state and its time limit and returns an :class:`~.outcome.Outcome`; the login's
credential and the tokens stay in the state, never in what a check returns.
"""

from __future__ import annotations

import ipaddress
import ssl
from typing import TYPE_CHECKING

from ..control_plane import hostname_of_url
from ..text import first_line
from .outcome import Outcome, fail, not_applicable, ok, skipped, warn
from .probes import address_kind, certificate_names, connect, host_and_port, issuer, resolve, tls_handshake
from .state import RunState

if TYPE_CHECKING:
    import httpx

PRIVATE_FIX = (
    "a PRIVATE_ONLY web server is reached from its VPC only: connect through the VPC (VPN or SSH tunnel) and set "
    "MWAA_MAGIC_WEBSERVER_URLS to the tunnel's address"
)


def address(run: RunState, limit: float) -> Outcome:
    """Which address the web server is reached at, and why (the setting, or ``https://{hostname}``)."""
    hostname = (
        (run.web_token.hostname if run.web_token else "")
        or (run.cli_token.hostname if run.cli_token else "")
        or hostname_of_url(run.info.webserver_url if run.info else None)
    )
    if not hostname:
        return skipped("no web server hostname: CreateWebLoginToken and GetEnvironment gave none")
    run.base_url, how = run.choose_address(hostname)
    run.address_from_setting = not how.startswith("https://{")
    mode = run.info.webserver_access_mode if run.info else None
    return ok(f"{run.base_url}, chosen by {how}{f'; access mode {mode}' if mode else ''}")


def dns(run: RunState, limit: float) -> Outcome:
    """DNS resolution of the address's host, and whether it resolves to private addresses only."""
    host, port, _ = host_and_port(run.base_url)
    try:
        ipaddress.ip_address(host.strip("[]"))
        run.addresses = [host.strip("[]")]
        return not_applicable(f"{host} is an IP address: no DNS lookup")
    except ValueError:
        pass
    try:
        run.addresses = resolve(host, port, limit)
    except TimeoutError:
        return fail(f"no DNS answer for {host} within {limit:g} s", "your DNS server does not answer: check the network or VPN")
    except OSError as exc:
        fix = "fix the host name in MWAA_MAGIC_WEBSERVER_URLS" if run.address_from_setting else PRIVATE_FIX
        return fail(f"{host} does not resolve (DNS: {getattr(exc, 'strerror', None) or exc})", fix)
    kind = address_kind(run.addresses)
    text = f"{host}: {', '.join(run.addresses[:4])} ({kind})"
    if kind == "private" and not run.address_from_setting:
        return warn(f"{text}: private addresses only", "reachable from inside the VPC only; elsewhere " + PRIVATE_FIX)
    return ok(text)


def tcp(run: RunState, limit: float) -> Outcome:
    """A TCP connection to the first address."""
    _, port, _ = host_and_port(run.base_url)
    where = f"{run.addresses[0]}:{port}"
    try:
        connect(run.addresses[0], port, limit)
        return ok(f"connected to {where}")
    except ConnectionRefusedError:
        return fail(
            f"{where} refused the connection",
            "nothing listens there: is the web server (or your tunnel) up, and is the port in MWAA_MAGIC_WEBSERVER_URLS right?",
        )
    except TimeoutError:
        return fail(
            f"no connection to {where} within {limit:g} s",
            "a firewall, or a private network: PRIVATE_ONLY web servers need their VPC (VPN or SSH tunnel)",
        )
    except OSError as exc:
        return fail(f"cannot connect to {where}: {exc.strerror or exc}", "check the network route (VPN) to the web server")


def tls(run: RunState, limit: float) -> Outcome:
    """The TLS handshake with the trust store the web client uses, and the certificate's names."""
    host, port, scheme = host_and_port(run.base_url)
    if scheme != "https":
        return not_applicable(f"{scheme}: no TLS at this address")
    try:
        found = tls_handshake(host, run.addresses, port, limit)
    except ssl.SSLCertVerificationError as exc:
        why = exc.verify_message or str(exc)
        if "mismatch" in why or "not valid for" in why:
            fix = (
                "the certificate is for another name: address the web server by a name the certificate holds "
                "(MWAA_MAGIC_WEBSERVER_URLS)"
            )
        else:
            fix = "a proxy that inspects TLS, or a self-signed certificate: trust its CA with SSL_CERT_FILE=/path/to/ca.pem"
        return fail(f"certificate rejected: {why}", fix)
    except TimeoutError:
        return fail(
            f"no TLS handshake within {limit:g} s",
            "something accepts connections there but does not speak TLS: check the address's scheme and port",
        )
    except ssl.SSLError as exc:
        return fail(f"TLS handshake failed: {exc.reason or exc}", "is it really https on that port? A proxy may be breaking TLS")
    except OSError as exc:
        return fail(f"cannot connect for TLS: {exc.strerror or exc}", "check the network route to the web server")
    cert = found["certificate"]
    return ok(
        f"{found['version']}, certificate for {certificate_names(cert)} from {issuer(cert)}, "
        f"valid until {cert.get('notAfter', '?')}"
    )


def web_client(run: RunState, limit: float) -> httpx.Client:
    """One httpx client for the login and the REST call (made once, closed by the run)."""
    from ..settings import Timeouts
    from ..transport import http_client

    with run.client_lock:
        if run.http is None:
            run.http = http_client(Timeouts(connect=min(3.0, limit), read=limit, web_read=limit))
        return run.http


def login(run: RunState, limit: float) -> Outcome:
    """The web login with the CreateWebLoginToken token: the Airflow identity you get."""
    from ..environment import Environment
    from ..flavours import flavour_for

    if run.web_token is None:
        return skipped("no web login token (CreateWebLoginToken)")
    flavour = flavour_for(run.info.airflow_version) if run.info and run.info.airflow_version else None
    env = Environment(run.name, plane=run.plane, webserver_urls=run.webserver_urls)
    run.web = env.login(web_client(run, limit), flavour, run.web_token)
    return ok(
        f"logged in as Airflow user {run.web_token.airflow_identity} ({run.web.flavour.label}, "
        f"REST API at {run.web.flavour.api_root})"
    )


def rest(run: RunState, limit: float) -> Outcome:
    """``GET /version`` (then ``/dags?limit=1`` if there is none) with the login's credential."""
    import httpx

    from ..weblogin import unreachable

    web = run.web
    assert web is not None, "the login check logs in"

    def authorize(request: httpx.Request) -> httpx.Request:  # the credential is added here: no local of ours holds it
        request.headers.update(web.credential.headers())
        return request

    answers = []
    for path, params in (("/version", None), ("/dags", {"limit": 1})):
        try:
            response = web_client(run, limit).get(
                f"{web.base_url}{web.flavour.api_root}{path}",
                params=params,
                auth=authorize,
                follow_redirects=False,
                timeout=limit,
            )
        except httpx.TransportError as exc:
            raise unreachable(web.base_url, exc, run.name) from None
        answers.append(f"GET {web.flavour.api_root}{path}: HTTP {response.status_code}")
        if response.status_code == 200:
            data = response.json() if "json" in response.headers.get("content-type", "") else {}
            detail = f"Airflow {data.get('version')}" if path == "/version" else f"{data.get('total_entries', '?')} DAGs"
            return ok(f"{answers[-1]} ({detail})")
        if response.status_code != 404:
            break
    if response.status_code in (401, 403):
        return fail(
            "; ".join(answers),
            "Airflow refused the login's credential: your Airflow role may be too weak "
            "(Viewer reads, Op/User trigger) or the session ended; log in again",
        )
    return fail("; ".join(answers), "Airflow's REST API fails here: check the environment's health (MWAA console)")


def cli(run: RunState, limit: float) -> Outcome:
    """``airflow version`` through CreateCliToken and the web server's CLI endpoint."""
    from ..cli import run_once
    from ..environment import CliAccess
    from ..secret import Secret
    from ..settings import Timeouts
    from ..transport import http_client

    if run.cli_token is None:
        return skipped("no CLI token (CreateCliToken)")
    base, _ = run.choose_address(run.cli_token.hostname)
    with http_client(Timeouts(connect=min(3.0, limit), read=limit, web_read=limit)) as http:  # its own, longer read timeout
        result = run_once(http, CliAccess(Secret(run.cli_token.token), base), "version", run.name)
    return ok(f"`airflow version`: {first_line(result.stdout, 80) or '(no output)'}")
