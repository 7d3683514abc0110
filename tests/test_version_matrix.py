"""The version matrix: log in, trigger, wait, task logs and the CLI on every Airflow release the emulator runs.

Runs only when ``MWAA_EMULATOR_MATRIX`` names releases (``2.10.3,2.11.0,3.0.6,3.1.8``, or ``all`` for every
release of ``mwaa_magic/emulator/releases.py``); ``scripts/test --matrix`` sets it. ONE emulator starts, with
one environment per release (``matrix-2-11-0`` announces 2.11.0 and runs real Airflow 2.11.0), after the
missing releases are installed (in parallel, into the emulator cache).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mwaa_magic.core.flavours import flavour_for
from mwaa_magic.emulator.config import EmulatorConfig
from mwaa_magic.emulator.pytest_plugin import start_emulator
from mwaa_magic.emulator.releases import RELEASES, recipe
from mwaa_magic.login import connect


def matrix_releases() -> list[str]:
    wanted = os.environ.get("MWAA_EMULATOR_MATRIX", "").strip()
    if wanted.lower() == "all":
        return sorted(RELEASES, key=lambda v: tuple(map(int, v.split("."))))
    return [v.strip() for v in wanted.split(",") if v.strip()]


RELEASE_LIST = matrix_releases()
MATRIX = pytest.mark.timeout(900)


def env_name(release: str) -> str:
    return "matrix-" + release.replace(".", "-")


def matrix_config(releases: list[str]) -> str:
    """A TOML world with one AVAILABLE environment per release and one admin identity."""
    lines = ['region = "us-east-1"', 'account_id = "123456789012"', ""]
    for release in releases:
        lines += [
            "[[environments]]",
            f'name = "{env_name(release)}"',
            f'airflow_version = "{release}"',
            'status = "AVAILABLE"',
            "",
        ]
    lines += [
        "[[identities]]",
        'access_key_id = "AKIAMWAAEMULATOR0001"',
        'secret_access_key = "emulator-secret-alice"',
        'iam_identity = "assumed-role/Admin/alice"',
        'roles = { "*" = "Admin" }',
    ]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def mwaa_emulator(tmp_path_factory):
    """One emulator for every release of the matrix (in place of the plugin's, for this module; the plugin's
    ``mwaa_env`` points boto3 and mwaa_magic at it): the missing releases installed first."""
    if not RELEASE_LIST:
        pytest.skip("the version matrix runs with MWAA_EMULATOR_MATRIX=2.10.3,2.11.0,3.0.6,3.1.8 (scripts/test --matrix)")
    config = tmp_path_factory.mktemp("matrix") / "matrix.toml"
    config.write_text(matrix_config(RELEASE_LIST))
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "mwaa_magic.emulator", "install", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    print(done.stdout, done.stderr, f"install: {time.monotonic() - started:.1f} s", sep="\n")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    running = start_emulator(str(config))
    yield running
    running.stop()


@pytest.fixture(params=RELEASE_LIST)
def release(request) -> str:
    return request.param


# --- the table (no Airflow) ------------------------------------------------------------------------
@pytest.mark.fast
@pytest.mark.parametrize(
    "announced, runs",
    [
        ("2.11.0", "2.11.0"),
        ("3.1.8", "3.1.8"),
        ("2.10.3", "2.10.3"),
        ("3.0.6", "3.0.6"),
        ("3.1.0", "3.1.8"),
        ("2.10.1", "2.10.3"),
        ("2.8.1", "2.10.3"),
        ("3.2.0", "3.0.6"),
    ],
)
def test_an_environment_runs_the_release_it_announces(announced, runs):
    config = EmulatorConfig.from_dict({"environments": [{"name": "e", "airflow_version": announced}]})
    assert config.environments[0].backend_version == runs and config.backend_versions() == [runs]


@pytest.mark.fast
def test_releases_differ_only_through_the_table():
    """Each release renders its line's commands and variables; the client's flavour covers it unchanged."""
    for version, release in RELEASES.items():
        assert release.version == version and flavour_for(version).major == release.major
        env = release.environment(port=8080, home="/h", secret="s3cret")
        commands = release.commands(8080)
        assert release.line.web in commands and "8080" in commands[release.line.web]
        rendered = [*env.values(), *(arg for argv in commands.values() for arg in argv)]
        assert not [v for v in rendered if "{" in v] and "s3cret" in env.values()
        assert release.requirements[0] == f"apache-airflow=={version}"
    assert recipe("3.2.0").line is RELEASES["3.1.8"].line and recipe("3.2.0").pins == ()
    with pytest.raises(ValueError, match="not supported"):
        EmulatorConfig.from_dict({"environments": [{"name": "e", "airflow_version": "1.10.15"}]})


@MATRIX
def test_environment_runs_the_release_it_announces(mwaa_env, release):
    env = mwaa_env.environment(env_name(release))
    assert (env["airflow_version"], env["backend_version"]) == (release, release)


@MATRIX
def test_login_reaches_the_real_release(mwaa_env, release):
    session = connect(env_name(release), transport="token")
    assert session.info.airflow_version == release
    assert session.major == flavour_for(release).major == int(release.split(".")[0])
    assert session.info.airflow_identity == "admin"
    assert session.get("/version")["version"] == release  # Airflow itself says which release answers
    assert {"hello_world", "daily_sales_etl", "flaky_task"} <= {d["dag_id"] for d in session.dags()}


@MATRIX
def test_trigger_wait_and_task_logs(mwaa_env, release):
    session = connect(env_name(release), transport="token")
    run = session.trigger("daily_sales_etl", conf={"region": "emea"}, wait=True, timeout=240)
    assert run["state"] == "success" and run["conf"] == {"region": "emea"}
    assert run["dag_run_id"] in [r["dag_run_id"] for r in session.dag_runs("daily_sales_etl")]
    tasks = {t["task_id"]: t["state"] for t in session.task_instances("daily_sales_etl", run["dag_run_id"])}
    assert tasks and set(tasks.values()) == {"success"}, tasks
    assert "emea" in session.task_logs("daily_sales_etl", run["dag_run_id"], "transform")


@MATRIX
def test_failed_task_log(mwaa_env, release):
    session = connect(env_name(release), transport="token")
    failed = session.trigger("flaky_task", conf={"fail": True}, wait=True, timeout=240)
    assert failed["state"] == "failed"
    log = session.task_logs("flaky_task", failed["dag_run_id"], "maybe_fail")
    assert "RuntimeError: flaky_task failed on purpose" in log


@MATRIX
def test_cli_version_and_dags_list(mwaa_env, release):
    session = connect(env_name(release), transport="token")
    result = session.cli("version", echo=False)
    assert result.lines[-1] == release, result.stdout
    listed = session.cli("dags list -o json", echo=False)
    assert {"hello_world", "daily_sales_etl", "flaky_task"} <= {d["dag_id"] for d in json.loads(listed.lines[-1])}


@MATRIX
def test_airflow_client_on_airflow_3(mwaa_env, release):
    """The apache-airflow-client of the flavour (3.0.x) reads a 3.x release's models: DAGs, runs, tasks."""
    if flavour_for(release).client_major != 3:
        pytest.skip("mwaa_magic's api_client() speaks Airflow 3 only")
    import airflow_client.client as client

    session = connect(env_name(release), transport="token")
    with session.api_client() as api:
        assert {"hello_world", "daily_sales_etl"} <= {d.dag_id for d in client.DAGApi(api).get_dags().dags}
        runs = client.DagRunApi(api).get_dag_runs("daily_sales_etl", order_by=flavour_for(release).run_order)
        assert runs.dag_runs and runs.dag_runs[0].dag_id == "daily_sales_etl"
        tasks = client.TaskInstanceApi(api).get_task_instances("daily_sales_etl", runs.dag_runs[0].dag_run_id)
        assert {t.task_id for t in tasks.task_instances} >= {"extract", "transform"}


@MATRIX
@pytest.mark.browser
def test_console_sso_page_shows_the_dags_in_a_browser(mwaa_env, release):
    """MWAA's console link logs headless chromium in to the release's own UI, which lists the sample DAGs."""
    from lab_helpers import chromium

    from mwaa_magic.core.environment import Environment

    url = Environment(env_name(release)).console_url(flavour_for(release))
    base = mwaa_env.environment(env_name(release))["web_url"]
    with chromium() as browser:
        page = browser.new_page()
        page.goto(url)
        page.wait_for_url(lambda u: "aws_mwaa" not in u, timeout=60_000)
        if flavour_for(release).major >= 3:  # the dashboard first; the DAG list needs the JWT it kept
            page.goto(base + "/dags")
        page.get_by_text("hello_world").first.wait_for(timeout=60_000)


@MATRIX
def test_invoke_rest_api_transport(mwaa_env, release):
    session = connect(env_name(release), transport="invoke")
    assert session.get("/version")["version"] == release


@MATRIX
def test_one_emulator_for_the_matrix(mwaa_env):
    """Every release behind its own environment of one emulator, each backend's processes alive."""
    state = mwaa_env.state()
    backends = {e["name"]: e["backend_version"] for e in state["environments"]}
    assert backends == {env_name(r): r for r in RELEASE_LIST}
    assert Path(mwaa_env.env["MWAA_EMULATOR_ADMIN_FILE"]).is_file()
