"""%mwaa doctor (issue 14): each check's pass and fail paths, skipping, time limits, no secret, JSON, the cell fails."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time

import pytest
from IPython.utils.capture import capture_output

from mwaa_magic.core import doctor as doctor_module
from mwaa_magic.core.doctor import doctor
from mwaa_magic.core.doctor import table as doctor_table
from mwaa_magic.core.regions import REGIONS_VARIABLE
from mwaa_magic.emulator.fronts import Fronts


def rows(diagnosis) -> dict[str, dict]:
    return {row["check"]: row for row in diagnosis}


def statuses(diagnosis) -> dict[str, str]:
    return {row["check"]: row["status"] for row in diagnosis}


def run(shell, line: str):
    """The cell's result, and everything it showed: streams and displays (text/plain and text/html)."""
    with capture_output() as captured:
        result = shell.run_cell(line)
    shown = "".join(o.data.get("text/plain", "") + o.data.get("text/html", "") for o in captured.outputs)
    return result, captured.stdout + captured.stderr + shown


def use_identity(aws, monkeypatch, index: int) -> None:
    for name, value in aws.identity_env(index).items():
        monkeypatch.setenv(name, value)


@pytest.fixture(scope="module")
def fronts():
    started = Fronts()
    started.start()
    yield started
    started.stop()


@pytest.fixture
def short(monkeypatch):
    """Short step timeouts, so that hanging steps are reported as timeouts quickly."""
    # the first AWS calls (STS, GetEnvironment) make botocore clients: ~1 s of CPU on a busy 2-core machine
    seconds = {check.key: 2.0 if check.key in ("identity", "region") else 1.0 for check in doctor_module.CHECKS}
    seconds.pop("credentials")
    monkeypatch.setattr(doctor_table, "CHECKS", doctor_module.with_timeouts(doctor_table.CHECKS, **seconds))


@pytest.fixture
def silent_server():
    """Accepts connections and never answers."""
    server = socket.create_server(("127.0.0.1", 0))
    server.listen(64)
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    server.close()


# --- a healthy run ------------------------------------------------------------------------------------
def test_a_healthy_environment_passes_every_check(aws):
    diagnosis = doctor("fast3")
    found = statuses(diagnosis)
    assert diagnosis.ok and diagnosis.failed == []
    assert list(found) == [check.title for check in doctor_module.CHECKS]
    assert {k for k, v in found.items() if v == "ok"} >= {
        "Credentials",
        "Identity (STS)",
        "Clock",
        "Region",
        "GetEnvironment",
        "DAG folder (S3)",
        "CreateWebLoginToken",
        "CreateCliToken",
        "Web server address",
        "TCP connect",
        "Web login",
        "REST call",
        "CLI",
    }
    assert found["DNS"] == found["TLS"] == "n/a"  # http://127.0.0.1:PORT: no name, no TLS
    assert found["InvokeRestApi"] == "warn"  # allowed; the fast tier has no Airflow behind InvokeRestApi
    by = rows(diagnosis)
    assert "arn:aws:sts::210987654321:assumed-role/Admin/alice" in by["Identity (STS)"]["found"]
    assert "environment variables" in by["Credentials"]["found"]
    assert "AVAILABLE, Airflow 3.0.6" in by["GetEnvironment"]["found"]
    assert "MWAA_MAGIC_WEBSERVER_URLS" in by["Web server address"]["found"]
    assert "Airflow 3.0.6" in by["REST call"]["found"] and "version" in by["CLI"]["found"]
    assert all(row["seconds"] < 5 for row in diagnosis)


def test_the_magic_shows_the_table_and_json_equals_the_python_data(shell, aws):
    result, out = run(shell, "%mwaa doctor fast3 --json -o found")
    assert result.success, out
    printed = json.loads(out)
    assert printed == shell.user_ns["found"].to_json()
    assert printed["ok"] is True and printed["environment"] == "fast3" and len(printed["checks"]) == 17
    result, out = run(shell, "%mwaa doctor fast3")
    assert result.success and "✓" in out and "Web login" in out


def test_the_table_escapes_html(aws, monkeypatch):
    monkeypatch.setenv("MWAA_MAGIC_WEBSERVER_URLS", "http://<b>x</b>.invalid")
    html = doctor("fast3")._repr_html_()
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html


def test_without_a_name_it_checks_the_current_session(shell, aws):
    assert run(shell, "%mwaa_login fast2")[0].success
    result, out = run(shell, "%mwaa doctor --json")
    assert result.success and json.loads(out)["environment"] == "fast2"


def test_without_a_name_or_session_it_says_what_to_give(shell, aws):
    result, out = run(shell, "%mwaa doctor")
    assert not result.success and "name the environment" in out


# --- failures: the cell fails, dependents are skipped, independent checks still run ---------------------
def test_a_wrong_region_names_the_region_that_holds_it_and_fails_the_cell(shell, aws):
    result, out = run(shell, "%mwaa doctor elsewhere -o found")
    assert not result.success and "DoctorFailed" in out and "Region" in out
    diagnosis = shell.user_ns["found"]
    by = rows(diagnosis)
    assert by["Region"]["status"] == "fail" and "pass --region eu-west-1" in by["Region"]["fix"]
    assert "%mwaa doctor" not in by["Region"]["found"]  # the errors' hint is dropped inside doctor
    assert by["Identity (STS)"]["status"] == "ok" and by["Clock"]["status"] == "ok"  # independent of the region
    for check in ("GetEnvironment", "CreateWebLoginToken", "InvokeRestApi"):
        assert by[check]["status"] == "skipped" and "needs Region, which failed" in by[check]["found"]
    assert by["Web login"]["status"] == "skipped"


def test_the_regions_searched_can_be_chosen(aws, monkeypatch):
    monkeypatch.setenv(REGIONS_VARIABLE, "us-west-2")
    assert "no region holds" in rows(doctor("elsewhere"))["Region"]["fix"]
    assert "eu-west-1" in rows(doctor("elsewhere", regions=["eu-west-1"]))["Region"]["fix"]


def test_no_credentials(aws, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    diagnosis = doctor("fast3")
    by = rows(diagnosis)
    assert by["Credentials"]["status"] == "fail" and "aws configure" in by["Credentials"]["fix"]
    assert by["Identity (STS)"]["status"] == by["Region"]["status"] == "skipped"
    assert not diagnosis.ok and diagnosis.failed == ["Credentials"]


def test_an_unknown_access_key_is_named_by_sts(aws, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIANOBODY0000000000")
    by = rows(doctor("fast3"))
    assert by["Identity (STS)"]["status"] == "fail" and "InvalidClientTokenId" in by["Identity (STS)"]["found"]
    assert by["Region"]["status"] == "fail"


def test_a_missing_sts_endpoint_is_not_replaced_by_aws(aws, monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL_STS")
    by = rows(doctor("fast3"))
    assert by["Identity (STS)"]["status"] == "n/a" and "AWS_ENDPOINT_URL_STS" in by["Identity (STS)"]["found"]
    assert by["Clock"]["status"] == "skipped"


# --- the clock ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("offset", "status"), [(90, "warn"), (-400, "fail")])
def test_clock_skew_is_measured_against_the_date_header(aws, offset, status):
    aws.admin.set(clock_offset=offset)
    clock = rows(doctor("fast3"))["Clock"]
    assert clock["status"] == status and ("behind" if offset > 0 else "ahead of") in clock["found"]
    assert "automatic time" in clock["fix"]


def test_a_clock_beyond_sigv4s_limit_fails_identity_with_the_clock_as_fix(aws):
    aws.admin.set(clock_offset=1200)
    by = rows(doctor("fast3"))
    assert by["Identity (STS)"]["status"] == "fail" and "clock" in by["Identity (STS)"]["fix"]
    seconds = int(re.search(r"(\d+) s behind", by["Clock"]["found"]).group(1))
    assert by["Clock"]["status"] == "fail" and abs(seconds - 1200) <= 2  # the Date header has 1 s resolution


# --- permissions and environment state ------------------------------------------------------------------
def test_no_airflow_role_names_the_action_and_role_arn(aws, monkeypatch):
    use_identity(aws, monkeypatch, 2)  # carol
    by = rows(doctor("fast3"))
    web = by["CreateWebLoginToken"]
    assert web["status"] == "fail"
    assert "airflow:CreateWebLoginToken on arn:aws:airflow:us-east-1:210987654321:role/fast3/" in web["fix"]
    assert by["CreateCliToken"]["status"] == "warn" and "airflow:CreateCliToken" in by["CreateCliToken"]["fix"]
    assert by["Web login"]["status"] == "skipped" and "CreateWebLoginToken" in by["Web login"]["found"]
    assert by["Identity (STS)"]["found"].startswith("arn:aws:iam::210987654321:user/carol")


def test_a_web_only_identity_passes_with_warnings(aws, monkeypatch):
    use_identity(aws, monkeypatch, 3)  # dave: no GetEnvironment, no InvokeRestApi
    diagnosis = doctor("fast3")
    by = rows(diagnosis)
    assert diagnosis.ok
    assert by["Region"]["status"] == "n/a" and by["GetEnvironment"]["status"] == "warn"
    assert "airflow:GetEnvironment on arn:aws:airflow:us-east-1:210987654321:environment/fast3" in by["GetEnvironment"]["fix"]
    assert by["InvokeRestApi"]["status"] == "warn" and "airflow:InvokeRestApi" in by["InvokeRestApi"]["fix"]
    assert by["Web login"]["status"] == "ok" and by["REST call"]["status"] == "ok"


def test_no_cli_permission_skips_the_cli_only(aws, monkeypatch):
    use_identity(aws, monkeypatch, 4)  # erin
    by = rows(doctor("fast3"))
    assert by["CreateCliToken"]["status"] == "warn" and by["CLI"]["status"] == "skipped"
    assert by["Web login"]["status"] == "ok"


def test_the_dag_folder_row_lists_the_bucket(aws):
    found = rows(doctor("fast3"))["DAG folder (S3)"]
    assert found["status"] == "ok" and "s3:ListBucket allowed" in found["found"], found


def test_no_s3_permission_fails_the_dag_folder_row_with_the_dag_loops_fix(aws, monkeypatch):
    use_identity(aws, monkeypatch, 5)
    found = rows(doctor("fast3"))["DAG folder (S3)"]
    assert found["status"] == "fail" and "ListBucket" in found["found"] + found["fix"], found


def test_without_getenvironment_the_dag_folder_row_is_skipped(aws, monkeypatch):
    use_identity(aws, monkeypatch, 3)
    found = rows(doctor("fast3"))["DAG folder (S3)"]
    assert found["status"] == "skipped" and "GetEnvironment" in found["found"], found


def test_an_environment_that_is_not_available(aws):
    diagnosis = doctor("updating")
    by = rows(diagnosis)
    assert by["GetEnvironment"]["status"] == "fail" and "UPDATING" in by["GetEnvironment"]["found"]
    assert "wait until it is AVAILABLE" in by["GetEnvironment"]["fix"]
    assert by["CreateWebLoginToken"]["status"] == "n/a"
    assert by["Web server address"]["status"] == "skipped"


# --- the web server's address ------------------------------------------------------------------------------
def test_a_name_that_does_not_resolve(aws, monkeypatch, fronts):
    monkeypatch.setenv("MWAA_MAGIC_WEBSERVER_URLS", fronts.urls["unresolvable"])
    by = rows(doctor("fast3"))
    assert by["DNS"]["status"] == "fail" and "does not resolve" in by["DNS"]["found"]
    assert "MWAA_MAGIC_WEBSERVER_URLS" in by["DNS"]["fix"]
    for check in ("TCP connect", "TLS", "Web login", "REST call", "CLI"):
        assert by[check]["status"] == "skipped", check
    assert by["CreateWebLoginToken"]["status"] == "ok"  # independent of the web server


def test_mwaa_hostnames_that_do_not_resolve_point_to_the_vpc(aws, monkeypatch):
    monkeypatch.setenv("MWAA_MAGIC_WEBSERVER_URLS", "")
    monkeypatch.setattr(
        doctor_module.DoctorRun,
        "choose_address",
        lambda self, hostname: ("https://env-abc.invalid", "https://{WebServerHostname}, as MWAA gives it"),
    )
    by = rows(doctor("fast3"))
    assert by["DNS"]["status"] == "fail" and "VPN or SSH tunnel" in by["DNS"]["fix"]


def test_a_refused_connection(aws, monkeypatch, fronts):
    monkeypatch.setenv("MWAA_MAGIC_WEBSERVER_URLS", fronts.urls["refusing"])
    by = rows(doctor("fast3"))
    assert by["TCP connect"]["status"] == "fail" and "refused" in by["TCP connect"]["found"]
    assert by["Web login"]["status"] == by["CLI"]["status"] == "skipped"


def test_a_web_server_that_never_answers_is_reported_as_timeouts(aws, monkeypatch, fronts, short):
    monkeypatch.setenv("MWAA_MAGIC_WEBSERVER_URLS", fronts.urls["hanging"])
    started = time.monotonic()
    diagnosis = doctor("fast3")
    by = rows(diagnosis)
    assert by["TCP connect"]["status"] == "ok"  # the kernel accepts; nobody answers
    assert by["Web login"]["status"] == "fail" and "1 s" in by["Web login"]["found"]
    assert by["CLI"]["status"] == "fail" and by["REST call"]["status"] == "skipped"
    assert time.monotonic() - started < 6


def test_a_tls_certificate_for_another_name(aws, monkeypatch, fronts):
    monkeypatch.setenv("MWAA_MAGIC_WEBSERVER_URLS", fronts.urls["tls_wrong_name"])
    tls = rows(doctor("fast3"))["TLS"]
    assert tls["status"] == "fail" and "self-signed" in tls["found"] and "SSL_CERT_FILE" in tls["fix"]
    monkeypatch.setenv("SSL_CERT_FILE", str(fronts.certificate))  # trusted: now only the name is wrong
    tls = rows(doctor("fast3"))["TLS"]
    assert tls["status"] == "fail" and "not valid for" in tls["found"] and "another name" in tls["fix"]


def test_a_hung_control_plane_and_sts_fail_fast(aws, monkeypatch, silent_server, short):
    monkeypatch.setenv("AWS_ENDPOINT_URL_MWAA", silent_server)
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", silent_server)
    started = time.monotonic()
    by = rows(doctor("fast3"))
    assert time.monotonic() - started < 5
    assert by["Identity (STS)"]["status"] == "fail" and by["Region"]["status"] == "fail"
    assert by["Clock"]["status"] == "skipped" and by["CreateWebLoginToken"]["status"] == "skipped"


def test_the_budget_skips_what_is_left(aws, monkeypatch):
    diagnosis = doctor_module.doctor("fast3", budget=0.0)
    assert all(row["status"] == "skipped" for row in diagnosis)
    assert "the run's 0 s budget ran out" in diagnosis[0]["found"]


# --- secrets, the terminal, the picker, the other errors ---------------------------------------------------
def test_no_secret_in_any_output(shell, aws, issued):
    result, out = run(shell, "%mwaa doctor fast3 --json -o found")
    diagnosis = shell.user_ns["found"]
    shown = out + repr(diagnosis) + diagnosis._repr_html_() + json.dumps(diagnosis.to_json())
    secrets = issued()
    assert len(secrets) >= 3  # a web token, a CLI token, a login cookie at least
    assert [s[:6] for s in secrets if s in shown] == []
    assert os.environ["AWS_SECRET_ACCESS_KEY"] not in shown


def test_python_m_mwaa_magic_doctor_exits_non_zero_on_failure(aws):
    env = dict(os.environ)
    ok = subprocess.run(
        [sys.executable, "-m", "mwaa_magic", "doctor", "fast3", "--json"], capture_output=True, text=True, env=env, timeout=60
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["ok"] is True
    bad = subprocess.run(
        [sys.executable, "-m", "mwaa_magic", "doctor", "elsewhere"],
        capture_output=True,
        text=True,
        env={**env, REGIONS_VARIABLE: "eu-west-1"},
        timeout=60,
    )
    assert bad.returncode == 1 and "✗" in bad.stdout and "--region eu-west-1" in bad.stdout
    assert "failed" in bad.stderr
    usage = subprocess.run(
        [sys.executable, "-m", "mwaa_magic", "doctor", "1bad"], capture_output=True, text=True, env=env, timeout=60
    )
    assert usage.returncode == 2 and "InvalidEnvironmentName" in usage.stderr


def test_the_python_api_raises_after_showing_when_a_check_fails(aws, capsys):
    import mwaa_magic
    from mwaa_magic.core.doctor import DoctorFailed

    assert mwaa_magic.doctor("fast3").ok
    with pytest.raises(DoctorFailed) as failed:
        mwaa_magic.doctor("elsewhere")
    assert failed.value.diagnosis.failed == ["Region"] and "Region" in capsys.readouterr().out
    assert not mwaa_magic.doctor("elsewhere", raise_on_failure=False).ok


def test_the_picker_diagnoses_the_chosen_environment(aws):
    from mwaa_magic.kernel.picker import EnvironmentPicker

    picker = EnvironmentPicker(region="us-east-1")
    assert picker.wait(30)
    assert picker.diagnose_button.disabled
    picker.select("fast3")
    assert not picker.diagnose_button.disabled
    diagnosis = picker.diagnose()
    assert diagnosis.ok and picker.output.outputs and "text/html" in picker.output.outputs[0]["data"]
    thread = picker.diagnose("elsewhere", background=True)
    thread.join(30)
    assert not picker.diagnosis.ok and "Region" in picker.last_error


@pytest.mark.parametrize("line", ["%mwaa_login no-such-env", "%mwaa_login fast3 --region eu-west-1"])
def test_errors_doctor_can_explain_point_to_it(shell, aws, line):
    result, out = run(shell, line)
    assert not result.success and len(out.strip().splitlines()) == 1
    assert out.strip().endswith("for details.") and "%mwaa doctor" in out


def test_web_server_unreachable_points_to_doctor(shell, aws, monkeypatch, fronts):
    monkeypatch.setenv("MWAA_MAGIC_WEBSERVER_URLS", fronts.urls["refusing"])
    result, out = run(shell, "%mwaa_login fast3")
    assert "WebServerUnreachable" in out and "Run `%mwaa doctor fast3` for details." in out


def test_the_emulator_offers_the_hostile_fronts(aws):
    urls = aws.state()["fronts"]
    assert urls["unresolvable"].endswith(".invalid") and {"refusing", "hanging"} <= set(urls)


def test_doctor_threads_do_not_pile_up(aws):
    before = threading.active_count()
    doctor("fast3")
    time.sleep(0.2)
    assert threading.active_count() - before <= 2
