"""The checks of ``doctor`` (see :mod:`.doctor`): each takes the run and its time limit and returns an Outcome.

A check never puts a token, cookie or JWT in what it returns: those stay in the run's fields.
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from . import errors
from .control_plane import ControlPlane, hostname_of_url
from .text import first_line

if TYPE_CHECKING:
    from .doctor import DoctorRun

SKEW_WARN, SKEW_FAIL = 60.0, 300.0  # seconds: SigV4 refuses requests 5 (some services) to 15 minutes off
clean = errors.without_doctor_hint  # inside doctor, the errors' "Run %mwaa doctor" ending says nothing


@dataclass(frozen=True)
class Outcome:
    """What one check found: ``status`` (ok, warn, fail, n/a), a finding, and for a problem the one fix."""

    status: str
    found: str
    fix: str = ""


def ok(found: str) -> Outcome:
    return Outcome("ok", found)


def warn(found: str, fix: str) -> Outcome:
    return Outcome("warn", found, fix)


def fail(found: str, fix: str) -> Outcome:
    return Outcome("fail", found, fix)


def not_applicable(found: str) -> Outcome:
    return Outcome("n/a", found)




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
    """"loopback", "private" (all private), or "public"."""
    ips = [ipaddress.ip_address(a.split("%")[0]) for a in addresses]
    if all(ip.is_loopback for ip in ips):
        return "loopback"
    if all(ip.is_private for ip in ips):
        return "private"
    return "public"


def host_and_port(base_url: str) -> tuple[str, int, str]:
    parts = urlsplit(base_url)
    return parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80), parts.scheme


def tls_handshake(host: str, addresses: list[str], port: int, timeout: float) -> dict[str, Any]:
    """Handshake with the trust store the web client uses (``SSL_CERT_FILE`` honoured); the peer certificate."""
    import httpx

    context = httpx.create_ssl_context()
    with socket.create_connection((addresses[0] if addresses else host, port), timeout=timeout) as raw, \
            context.wrap_socket(raw, server_hostname=host) as wrapped:
        return {"version": wrapped.version(), "certificate": wrapped.getpeercert() or {}}


def certificate_names(cert: dict[str, Any]) -> str:
    names = [value for kind, value in cert.get("subjectAltName", ()) if kind in ("DNS", "IP Address")]
    if not names:
        names = [value for rdn in cert.get("subject", ()) for key, value in rdn if key == "commonName"]
    return ", ".join(names[:4]) + (", ..." if len(names) > 4 else "") or "no name"


def issuer(cert: dict[str, Any]) -> str:
    fields = {key: value for rdn in cert.get("issuer", ()) for key, value in rdn}
    return fields.get("organizationName") or fields.get("commonName") or "unknown issuer"


def skew_of(date: tuple[float, str]) -> float:
    """Seconds the local clock is ahead of the service's (negative: behind)."""
    local, header = date
    return local - parsedate_to_datetime(header).timestamp()


def is_tls_error(exc: BaseException) -> bool:
    return isinstance(exc, ssl.SSLError)




CREDENTIAL_SOURCES = {
    "env": "environment variables (AWS_ACCESS_KEY_ID)", "shared-credentials-file": "the shared credentials file",
    "config-file": "the AWS config file", "sso": "AWS IAM Identity Center (SSO)", "assume-role": "an assumed role (role_arn)",
    "assume-role-with-web-identity": "a web identity token", "iam-role": "the instance role (EC2 metadata)",
    "container-role": "the container role (ECS/EKS)", "custom-process": "a credential_process", "explicit": "given in code",
}


# --- AWS ---------------------------------------------------------------------------------------------
_client_lock = threading.Lock()  # botocore's client creation is not thread-safe
_DENIED = re.compile(r"(airflow:\w+ on \S+?)\.?(?: Run |$)")


def aws_config(limit: float) -> Any:
    """One try per call (no retries), short timeouts: a hung endpoint costs ``limit`` seconds, not minutes."""
    import botocore.config

    from .control_plane import user_agent

    return botocore.config.Config(connect_timeout=min(2.0, limit), read_timeout=limit, user_agent_extra=user_agent(),
                                  retries={"mode": "standard", "total_max_attempts": 1})


def profile_flag(run: DoctorRun) -> str:
    return f" --profile {run.profile}" if run.profile else ""


def credentials(run: DoctorRun, limit: float) -> Outcome:
    """Where the credentials come from, and whether they load and are unexpired."""
    import boto3
    import botocore.exceptions as bx

    try:
        run.session = boto3.Session(profile_name=run.profile)
    except bx.ProfileNotFound:
        from .control_plane import available_profiles

        return fail(f"profile {run.profile!r} is not in your AWS config",
                    f"pick one of: {', '.join(available_profiles()) or 'none configured'} (or `aws configure --profile NAME`)")
    run.region = run.region or run.session.region_name or os.environ.get("AWS_REGION") or None
    try:
        found = run.session.get_credentials()
        frozen = found.get_frozen_credentials() if found is not None else None
    except (bx.TokenRetrievalError, bx.SSOTokenLoadError, bx.UnauthorizedSSOTokenError):
        return fail("your AWS SSO session has expired", f"run `aws sso login{profile_flag(run)}`")
    except bx.BotoCoreError as exc:
        return fail(f"the credentials do not load: {first_line(str(exc), 200)}", "fix the profile in ~/.aws/config, or pass --profile")
    if found is None or frozen is None or not frozen.access_key:
        return fail("no AWS credentials found", "run `aws configure` or `aws sso login`, set AWS_PROFILE, or pass --profile")
    source = CREDENTIAL_SOURCES.get(found.method, found.method)
    text = f"{source}{f' (profile {run.profile})' if run.profile else ''}: access key {frozen.access_key[:4]}...{frozen.access_key[-4:]}"
    text += ", temporary" if frozen.token else ""
    expiry = getattr(found, "_expiry_time", None)  # RefreshableCredentials only; botocore has no public accessor
    if expiry is not None:
        left = expiry.timestamp() - time.time()
        if left <= 0:
            return fail(f"{text}; expired {-left / 60:.0f} min ago", f"refresh them (`aws sso login{profile_flag(run)}`)")
        text += f", expire in {left / 60:.0f} min"
    return ok(text)


def sts_elsewhere() -> bool:
    """True when MWAA is pointed at another endpoint (AWS_ENDPOINT_URL_MWAA) but STS is not: leave AWS's STS alone."""
    return bool(os.environ.get("AWS_ENDPOINT_URL_MWAA")) and not (
        os.environ.get("AWS_ENDPOINT_URL_STS") or os.environ.get("AWS_ENDPOINT_URL"))


def identity(run: DoctorRun, limit: float) -> Outcome:
    """STS GetCallerIdentity: who AWS thinks you are (needs no permission)."""
    import botocore.exceptions as bx

    if sts_elsewhere():
        return Outcome("n/a", "not asked: AWS_ENDPOINT_URL_MWAA is set but AWS_ENDPOINT_URL_STS is not "
                              "(set it to ask that endpoint's STS)")
    with _client_lock:
        sts = run.session.client("sts", region_name=run.region or "us-east-1", config=aws_config(limit))
    try:
        answer = sts.get_caller_identity()
    except bx.ClientError as exc:
        note_date(run, exc.response)
        return sts_refusal(run, exc.response.get("Error", {}))
    except (bx.ConnectTimeoutError, bx.ReadTimeoutError):
        return fail(f"STS did not answer within {limit:g} s", "check your network or proxy to AWS STS (HTTPS_PROXY)")
    except (bx.EndpointConnectionError, bx.ConnectionClosedError) as exc:
        return fail(f"cannot reach STS ({type(exc).__name__})", "check your network, proxy or AWS_ENDPOINT_URL_STS")
    except bx.NoCredentialsError:
        return fail("no AWS credentials found", "run `aws configure` or `aws sso login`, or pass --profile")
    note_date(run, answer)
    run.account = answer.get("Account")
    return ok(f"{answer.get('Arn')} (account {answer.get('Account')})")


def sts_refusal(run: DoctorRun, error: dict) -> Outcome:
    code, message = error.get("Code", ""), error.get("Message", "")
    said = f"STS refused the credentials ({code}: {first_line(message, 160)})"
    if "expired" in message.lower() and code in ("SignatureDoesNotMatch", "InvalidSignatureException"):
        return fail(said, "your clock is off (see the Clock row): set it right (automatic time / NTP)")
    if code in ("InvalidClientTokenId", "UnrecognizedClientException"):
        return fail(said, "AWS does not know this access key: refresh your credentials or pick another profile")
    if code in ("ExpiredToken", "ExpiredTokenException", "RequestExpired"):
        return fail(said, f"your temporary credentials have expired: `aws sso login{profile_flag(run)}` or refresh them")
    if code == "SignatureDoesNotMatch":
        return fail(said, "the secret access key does not match the key id: check AWS_SECRET_ACCESS_KEY or the profile")
    return fail(said, "check your credentials and profile")


def note_date(run: DoctorRun, response: dict) -> None:
    """Keep the first ``Date`` header an AWS answer carried (success or error), for the clock check."""
    header = response.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("date")
    if header and run.date is None:
        run.date = (time.time(), header)


def clock(run: DoctorRun, limit: float) -> Outcome:
    """The local clock against STS's ``Date`` header (1 s resolution)."""
    if run.date is None:
        return Outcome("skipped", "no answer from STS to compare the local clock with")
    skew = skew_of(run.date)
    if abs(skew) < 2:
        return ok("in step with AWS (within the Date header's 1 s)")
    side = "ahead of" if skew > 0 else "behind"
    text = f"your clock is {abs(skew):.0f} s {side} AWS's"
    fix = "turn on automatic time (NTP): `sudo timedatectl set-ntp true`, or your OS's date settings"
    if abs(skew) >= SKEW_FAIL:
        return fail(f"{text}: AWS refuses SigV4 requests 5 to 15 minutes off", fix)
    if abs(skew) >= SKEW_WARN:
        return warn(f"{text}: near SigV4's limit (5 minutes for some services)", fix)
    return ok(text)


def region(run: DoctorRun, limit: float) -> Outcome:
    """Whether the environment is in this region; if not, which of the searched regions hold it."""
    from .control_plane import validate_region
    from .settings import Timeouts

    if not run.region:
        return fail("no AWS region", "pass --region, set AWS_DEFAULT_REGION, or set region in your AWS profile")
    validate_region(run.region)
    # GetEnvironment one 4 s try; a not-found answer also lists the region and searches the others (2 s each)
    run.plane = ControlPlane(run.profile, run.region, Timeouts(connect=min(2.0, limit), read=min(4.0, limit)), attempts=1)
    try:
        run.info = run.plane.get_environment(run.name)
    except errors.AccessDenied as exc:
        run.info_error = exc
        return Outcome("n/a", "cannot tell here: airflow:GetEnvironment is denied (the token calls below tell)")
    except errors.EnvironmentNotFound as exc:
        from .regions import regions_holding

        holders = regions_holding(run.name, run.profile, run.region, run.regions)  # the message's search, reused
        if holders:
            return fail(clean(exc.message), f"pass --region {holders[0]} ({run.name} is in {', '.join(holders)})")
        return fail(clean(exc.message), f"no region holds {run.name}: check the name, and the account (Identity row) "
                                        "your profile points to")
    return ok(f"{run.name} is in {run.region}")


def environment(run: DoctorRun, limit: float) -> Outcome:
    """GetEnvironment: status, Airflow version, access mode, the last update's error."""
    from .flavours import UnsupportedAirflowVersion, flavour_for

    info = run.info
    if info is None:
        if run.info_error is not None:
            return warn("airflow:GetEnvironment is denied: status and Airflow version unknown (logging in works without it)",
                        "optional: " + denied_fix(clean(run.info_error.message)))
        return Outcome("skipped", "no GetEnvironment answer")
    text = f"{info.status}, Airflow {info.airflow_version}, web server access {info.webserver_access_mode}"
    if info.last_update_error:
        text += f"; last update failed: {info.last_update_error}"
    if info.status == "AVAILABLE":
        try:
            flavour_for(info.airflow_version or "")
        except UnsupportedAirflowVersion as exc:
            return warn(text, exc.message)
        return ok(text)
    if info.status in ("CREATE_FAILED", "UPDATE_FAILED", "UNAVAILABLE"):
        return fail(text, "read the last update's error in the MWAA console and its CloudWatch logs; fix it, then update the environment")
    if info.status in ("DELETING", "DELETED"):
        return fail(text, "the environment is going away: pick another one (%mwaa envs)")
    return fail(text, f"wait until it is AVAILABLE ({info.status} usually lasts 20-30 minutes)")


def denied_fix(message: str) -> str:
    """"ask for airflow:X on ARN" from an AccessDenied message."""
    match = _DENIED.search(message)
    return f"ask your AWS administrator to allow {match.group(1)}" if match else message


def token_call(run: DoctorRun, call: Any, required: bool) -> Any:
    """The answer of a token call, or the Outcome for a denial (fail when ``required``) or an unavailable environment."""

    try:
        return call()
    except errors.AccessDenied as exc:
        fix = denied_fix(clean(exc.message))
        text = "denied: " + fix.removeprefix("ask your AWS administrator to allow ")
        return fail(text, fix) if required else warn(text, fix)
    except errors.EnvironmentNotAvailable:
        return Outcome("n/a", "cannot tell: MWAA refuses token calls while the environment is not AVAILABLE")


def web_token(run: DoctorRun, limit: float) -> Outcome:
    """CreateWebLoginToken (needed to log in); the token is kept for the login check, never shown."""
    answer = token_call(run, lambda: run.control().create_web_login_token(run.name), required=True)
    if isinstance(answer, Outcome):
        return answer
    run.web_token = answer
    return ok(f"allowed: Airflow identity {answer.airflow_identity}, IAM identity {answer.iam_identity}, "
              f"web server {answer.hostname}")


def cli_token(run: DoctorRun, limit: float) -> Outcome:
    """CreateCliToken (needed by %mwaa cli only)."""
    answer = token_call(run, lambda: run.control().create_cli_token(run.name), required=False)
    if isinstance(answer, Outcome):
        return answer
    run.cli_token = answer
    return ok("allowed")


def invoke(run: DoctorRun, limit: float) -> Outcome:
    """InvokeRestApi with ``GET /version`` (needed by --transport invoke/auto only)."""
    try:
        answer = token_call(run, lambda: run.control().invoke_rest_api(run.name, "GET", "/version"), required=False)
    except errors.RestApiLimitExceeded as exc:
        return warn(f"allowed, but {exc.message}", "Airflow may be overloaded: see the REST call row")
    if isinstance(answer, Outcome):
        return answer
    status, data = answer
    if status >= 400:
        return warn(f"allowed; Airflow answered HTTP {status} through it", "Airflow may be down or restarting: see the REST call row")
    version = data.get("version") if isinstance(data, dict) else None
    return ok(f"allowed; GET /version through it: Airflow {version or '?'}")


# --- the web server ----------------------------------------------------------------------------------
def address(run: DoctorRun, limit: float) -> Outcome:
    """Which address the web server is reached at, and why (the setting, or ``https://{hostname}``)."""
    hostname = ((run.web_token.hostname if run.web_token else "") or (run.cli_token.hostname if run.cli_token else "")
                or hostname_of_url(run.info.webserver_url if run.info else None))
    if not hostname:
        return Outcome("skipped", "no web server hostname: CreateWebLoginToken and GetEnvironment gave none")
    run.base_url, how = run.choose_address(hostname)
    run.address_from_setting = not how.startswith("https://{")
    mode = run.info.webserver_access_mode if run.info else None
    return ok(f"{run.base_url}, chosen by {how}{f'; access mode {mode}' if mode else ''}")


def private_fix(run: DoctorRun) -> str:
    return ("a PRIVATE_ONLY web server is reached from its VPC only: connect through the VPC (VPN or SSH tunnel) and set "
            "MWAA_MAGIC_WEBSERVER_URLS to the tunnel's address")


def dns(run: DoctorRun, limit: float) -> Outcome:
    """DNS resolution of the address's host, and whether it resolves to private addresses only."""
    host, port, _ = host_and_port(run.base_url)
    try:
        ipaddress.ip_address(host.strip("[]"))
        run.addresses = [host.strip("[]")]
        return Outcome("n/a", f"{host} is an IP address: no DNS lookup")
    except ValueError:
        pass
    try:
        run.addresses = resolve(host, port, limit)
    except TimeoutError:
        return fail(f"no DNS answer for {host} within {limit:g} s", "your DNS server does not answer: check the network or VPN")
    except OSError as exc:
        fix = "fix the host name in MWAA_MAGIC_WEBSERVER_URLS" if run.address_from_setting else private_fix(run)
        return fail(f"{host} does not resolve (DNS: {getattr(exc, 'strerror', None) or exc})", fix)
    kind = address_kind(run.addresses)
    text = f"{host}: {', '.join(run.addresses[:4])} ({kind})"
    if kind == "private" and not run.address_from_setting:
        return warn(f"{text}: private addresses only", "reachable from inside the VPC only; elsewhere " + private_fix(run))
    return ok(text)


def tcp(run: DoctorRun, limit: float) -> Outcome:
    """A TCP connection to the first address."""
    _, port, _ = host_and_port(run.base_url)
    where = f"{run.addresses[0]}:{port}"
    try:
        with socket.create_connection((run.addresses[0], port), timeout=limit):
            return ok(f"connected to {where}")
    except ConnectionRefusedError:
        return fail(f"{where} refused the connection", "nothing listens there: is the web server (or your tunnel) up, "
                                                       "and is the port in MWAA_MAGIC_WEBSERVER_URLS right?")
    except TimeoutError:
        return fail(f"no connection to {where} within {limit:g} s",
                    "a firewall, or a private network: PRIVATE_ONLY web servers need their VPC (VPN or SSH tunnel)")
    except OSError as exc:
        return fail(f"cannot connect to {where}: {exc.strerror or exc}", "check the network route (VPN) to the web server")


def tls(run: DoctorRun, limit: float) -> Outcome:
    """The TLS handshake with the trust store the web client uses, and the certificate's names."""
    host, port, scheme = host_and_port(run.base_url)
    if scheme != "https":
        return Outcome("n/a", f"{scheme}: no TLS at this address")
    try:
        found = tls_handshake(host, run.addresses, port, limit)
    except ssl.SSLCertVerificationError as exc:
        why = exc.verify_message or str(exc)
        if "mismatch" in why or "not valid for" in why:
            fix = ("the certificate is for another name: address the web server by a name the certificate holds "
                   "(MWAA_MAGIC_WEBSERVER_URLS)")
        else:
            fix = "a proxy that inspects TLS, or a self-signed certificate: trust its CA with SSL_CERT_FILE=/path/to/ca.pem"
        return fail(f"certificate rejected: {why}", fix)
    except TimeoutError:
        return fail(f"no TLS handshake within {limit:g} s", "something accepts connections there but does not speak TLS: "
                                                            "check the address's scheme and port")
    except ssl.SSLError as exc:
        return fail(f"TLS handshake failed: {exc.reason or exc}", "is it really https on that port? A proxy may be breaking TLS")
    except OSError as exc:
        return fail(f"cannot connect for TLS: {exc.strerror or exc}", "check the network route to the web server")
    cert = found["certificate"]
    return ok(f"{found['version']}, certificate for {certificate_names(cert)} from {issuer(cert)}, "
              f"valid until {cert.get('notAfter', '?')}")


def web_client(run: DoctorRun, limit: float) -> Any:
    """One httpx client for the login, the REST call and the CLI (made once, closed by the run)."""
    from .settings import Timeouts
    from .transport import http_client

    with _client_lock:
        if run.http is None:
            run.http = http_client(Timeouts(connect=min(3.0, limit), read=limit, web_read=limit))
        return run.http


def login(run: DoctorRun, limit: float) -> Outcome:
    """The web login with the CreateWebLoginToken token: the Airflow identity you get."""
    from .environment import Environment
    from .flavours import flavour_for

    if run.web_token is None:
        return Outcome("skipped", "no web login token (CreateWebLoginToken)")
    flavour = flavour_for(run.info.airflow_version) if run.info and run.info.airflow_version else None
    env = Environment(run.name, plane=run.plane, webserver_urls=run.webserver_urls)
    run.web = env.login(web_client(run, limit), flavour, run.web_token)
    return ok(f"logged in as Airflow user {run.web_token.airflow_identity} ({run.web.flavour.label}, "
              f"REST API at {run.web.flavour.api_root})")


def rest(run: DoctorRun, limit: float) -> Outcome:
    """``GET /version`` (then ``/dags?limit=1`` if there is none) with the login's credential."""
    import httpx

    from .weblogin import unreachable

    web = run.web

    def authorize(request: Any) -> Any:  # the credential is added here: no local of ours holds it
        request.headers.update(web.credential.headers())
        return request

    answers = []
    for path, params in (("/version", None), ("/dags", {"limit": 1})):
        try:
            response = web_client(run, limit).get(f"{web.base_url}{web.flavour.api_root}{path}", params=params,
                                                  auth=authorize, follow_redirects=False, timeout=limit)
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
        return fail("; ".join(answers), "Airflow refused the login's credential: your Airflow role may be too weak "
                                        "(Viewer reads, Op/User trigger) or the session ended; log in again")
    return fail("; ".join(answers), "Airflow's REST API fails here: check the environment's health (MWAA console)")


def cli(run: DoctorRun, limit: float) -> Outcome:
    """``airflow version`` through CreateCliToken and the web server's CLI endpoint."""
    from .cli import run_once
    from .environment import CliAccess
    from .secret import Secret

    if run.cli_token is None:
        return Outcome("skipped", "no CLI token (CreateCliToken)")
    from .settings import Timeouts
    from .transport import http_client

    base, _ = run.choose_address(run.cli_token.hostname)
    with http_client(Timeouts(connect=min(3.0, limit), read=limit, web_read=limit)) as http:  # its own, longer read timeout
        result = run_once(http, CliAccess(Secret(run.cli_token.token), base), "version", run.name)
    return ok(f"`airflow version`: {first_line(result.stdout, 80) or '(no output)'}")
