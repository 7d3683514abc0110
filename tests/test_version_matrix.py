"""The version matrix: log in, trigger, wait, task logs and the CLI on every Airflow release the emulator runs.

Runs only when ``MWAA_EMULATOR_MATRIX`` names releases (``2.10.3,2.11.2,3.0.6,3.2.1,3.3.1``, or ``all`` for every
release of ``mwaa_magic/emulator/releases.py``); ``scripts/test --matrix`` sets it. ONE emulator starts, with
one environment per release (``matrix-2-11-0`` announces 2.11.0 and runs real Airflow 2.11.0), after the
missing releases are installed (in parallel, into the emulator cache).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mwaa_magic.core.flavours import FLAVOURS, UnsupportedAirflowVersion, flavour_for
from mwaa_magic.emulator import releases
from mwaa_magic.emulator.airflow_env import venv_dir
from mwaa_magic.emulator.config import EmulatorConfig
from mwaa_magic.emulator.control_plane import describe
from mwaa_magic.emulator.install import Installation, pick_python
from mwaa_magic.emulator.pytest_plugin import start_emulator
from mwaa_magic.emulator.releases import MWAA_IMAGES, RELEASES, Release, recipe
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
        pytest.skip("the version matrix runs with MWAA_EMULATOR_MATRIX=3.2.1,3.3.1 (all: scripts/test --matrix)")
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
        ("2.11.2", "2.11.2"),
        ("3.2.1", "3.2.1"),
        ("3.3.1", "3.3.1"),
        ("2.10.3", "2.10.3"),
        ("3.0.6", "3.0.6"),
        ("3.3.0", "3.3.1"),
        ("3.2.0", "3.2.1"),
        ("3.1.0", "3.0.6"),  # MWAA never offered 3.1: the newest release not past it
        ("3.4.0", "3.3.1"),
        ("2.10.1", "2.10.3"),  # MWAA runs 2.10.1 and 2.9.2 too; the emulator does not install them
        ("2.9.2", "2.10.3"),
        ("2.8.1", "2.10.3"),
    ],
)
def test_an_environment_runs_the_release_it_announces(announced, runs):
    config = EmulatorConfig.from_dict({"environments": [{"name": "e", "airflow_version": announced}]})
    assert config.environments[0].backend_version == runs and config.backend_versions() == [runs]
    # GetEnvironment reports what really runs
    assert describe(config.environments[0], "AVAILABLE", "arn", "1")["AirflowVersion"] == runs


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
    outside = recipe("3.1.8")  # not an MWAA release: no constraints, no providers, uv picks
    assert outside.line is RELEASES["3.3.1"].line and (outside.constraints, outside.providers) == ([], [])
    with pytest.raises(ValueError, match="not supported"):
        EmulatorConfig.from_dict({"environments": [{"name": "e", "airflow_version": "1.10.15"}]})


@pytest.mark.fast
@pytest.mark.parametrize("version", ["3.4.0", "4.0.0", "1.10.15"])
def test_not_supported_yet_names_the_range_the_matrix_runs(version):
    """The client's flavours stop at the newest minor the matrix runs (3.3: 3.3.1); the message says so and
    names no way out that fails the same way (InvokeRestApi's login checks the version too)."""
    newest = max(r.minor for r in RELEASES.values())
    assert FLAVOURS[-1].before == (newest[0], newest[1] + 1) and flavour_for(".".join(map(str, newest)))
    with pytest.raises(UnsupportedAirflowVersion) as raised:
        flavour_for(version)
    assert str(raised.value).startswith(f"Airflow {version.rsplit('.', 1)[0]} is not supported yet: ")
    assert "mwaa_magic speaks Airflow 2, Airflow 3.0–3.3;" in str(raised.value)
    assert "--transport invoke" not in str(raised.value) and "upgrade mwaa_magic" in str(raised.value)


@pytest.mark.fast
@pytest.mark.parametrize("version", ["3.2.1", "3.3.1"])
def test_airflow_3_2_and_3_3_are_spoken_as_3_0(version):
    """The matrix found no client-side difference on 3.2.1 and 3.3.1: the bearer header still works (3.1.1 and
    later also read the ``_token`` cookie, 3.0 only the header), and so do the API's fields, the run order, the
    structured logs, the stale-DAG fields and the apache-airflow-client 3.0 models."""
    assert flavour_for(version) is flavour_for("3.0.6") and flavour_for(version).credential_sent_as == "bearer"


def pinned(path: Path) -> dict[str, str]:
    """``{normalized name: version}`` of the ``name==version`` lines of a constraints/requirements file."""
    pins = {}
    for line in path.read_text().splitlines():
        name, sep, version = line.split("#")[0].split(";")[0].strip().partition("==")
        if sep:
            pins[re.sub(r"[-_.]+", "-", name.lower())] = version.strip()
    return pins


def mwaa_versions(release: Release) -> dict[str, str]:
    """Every version MWAA's image pins for ``release``: constraints, essential constraints, providers (BOM)."""
    versions: dict[str, str] = {}
    for path in [*release.constraints, release.data / "providers.txt"]:
        versions.update(pinned(path))
    return versions


@pytest.mark.fast
@pytest.mark.parametrize("version", sorted(RELEASES))
def test_every_release_ships_mwaa_constraints_and_providers(version):
    """MWAA's two constraints files, its preinstalled providers (amazon, common-sql, http, postgres, smtp...)
    at the versions of Airflow's constraints, and its Python, for each release the emulator runs."""
    release = RELEASES[version]
    assert [p.name for p in release.constraints] == ["airflow_constraints.txt", "mwaa_essential_constraints.txt"]
    essential, constraints = pinned(release.constraints[1]), pinned(release.constraints[0])
    assert essential["apache-airflow"] == version and len(constraints) > 500
    providers = pinned(release.data / "providers.txt")
    names = {n.removeprefix("apache-airflow-providers-") for n in providers}
    assert {"amazon", "common-sql", "http", "postgres", "smtp", "celery"} <= names, names
    assert {n: v for n, v in providers.items() if constraints.get(n, v) != v} == {}  # the BOM agrees
    assert release.requirements == [f"apache-airflow=={version}", *release.providers]
    assert re.fullmatch(r"3\.1[12]\.\d+", release.python)
    readme = (MWAA_IMAGES / "README.md").read_text()
    assert "aws/amazon-mwaa-docker-images" in readme and "Apache License, Version 2.0" in readme
    assert re.search(r"commit `[0-9a-f]{40}`", readme)


@pytest.mark.fast
def test_install_runs_mwaa_python_minor_or_says_it_cannot(tmp_path, monkeypatch, capsys):
    """MWAA's Python minor when this machine has it (pyenv's 3.12 here); else this Python, in one line."""
    python = pick_python(Installation("3.3.1"), RELEASES["3.3.1"])
    version = subprocess.run([python, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True, text=True)
    if python != sys.executable:
        assert version.stdout.strip() == "(3, 12)"
    (tmp_path / "9.9.9").mkdir()
    (tmp_path / "9.9.9" / "python.txt").write_text("3.99.1\n")
    monkeypatch.setattr(releases, "MWAA_IMAGES", tmp_path)
    capsys.readouterr()
    assert pick_python(Installation("9.9.9"), Release("9.9.9", releases.AIRFLOW_3)) == sys.executable
    said = capsys.readouterr().out.splitlines()
    assert len(said) == 1 and said[0].startswith("airflow 9.9.9: MWAA runs it on Python 3.99.1; no Python 3.99 here")


@pytest.mark.fast
def test_install_picks_the_newest_patch_of_mwaa_s_minor(tmp_path, monkeypatch):
    """Of several Pythons of MWAA's minor, the newest patch (the nearest to MWAA's: markers such as
    ``python_full_version < "3.11.3"`` then pick MWAA's packages), not just the first found."""
    minor = ".".join(sys.version.split(".")[:2])
    for patch in ("0", "99"):  # pyenv-style interpreters that only say their version
        python = tmp_path / "pyenv" / "versions" / f"{minor}.{patch}" / "bin" / f"python{minor}"
        python.parent.mkdir(parents=True)
        python.write_text(f"#!/bin/sh\necho {minor}.{patch}\n")
        python.chmod(0o755)
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "pyenv"))
    (tmp_path / "9.9.8").mkdir()
    (tmp_path / "9.9.8" / "python.txt").write_text(f"{minor}.98\n")
    monkeypatch.setattr(releases, "MWAA_IMAGES", tmp_path)
    picked = pick_python(Installation("9.9.8"), Release("9.9.8", releases.AIRFLOW_3))
    assert picked == str(tmp_path / "pyenv" / "versions" / f"{minor}.99" / "bin" / f"python{minor}")


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


def provider_dag(dag_id: str, major: int, message: str) -> str:
    """A DAG using MWAA's preinstalled amazon provider (parses only where it is installed) and a bash task."""
    bash = "airflow.providers.standard.operators.bash" if major >= 3 else "airflow.operators.bash"
    return (
        f"from airflow import DAG\nfrom {bash} import BashOperator\n"
        "from airflow.providers.amazon.aws.hooks.s3 import S3Hook  # noqa: F401 (MWAA preinstalls it)\n\n"
        f"with DAG({dag_id!r}, schedule=None, catchup=False):\n"
        f"    BashOperator(task_id='say', bash_command='echo {message} from {dag_id}')\n"
    )


@MATRIX
def test_dag_loop_import_error_fix_trigger_undeploy(mwaa_env, release):
    """The DAG loop on the release: an import error comes back as DagImportError, the fix (which imports the
    amazon provider) parses and runs, import errors clear, undeploy removes the DAG."""
    from mwaa_magic.core import errors

    session = connect(env_name(release), transport="token")
    dag_id = "matrix_loop_" + release.replace(".", "_")
    name = dag_id + ".py"
    with pytest.raises(errors.DagImportError, match="no_such_module_here"):
        session.deploy(  # MWAA's own import error: the local gate (tests/test_local_gate.py) skipped
            f"from airflow import DAG\nimport no_such_module_here\n\nDAG({dag_id!r}, schedule=None)\n",
            filename=name,
            local_check=False,
        )
    assert any(e["filename"].endswith(name) and "no_such_module_here" in e["error"] for e in session.import_errors())
    [deployed] = session.deploy(provider_dag(dag_id, int(release[0]), "fixed"), filename=name, trigger=True, force=True)
    assert deployed["dag_ids"] == [dag_id] and deployed["runs"][0]["state"] == "success", deployed
    assert "fixed from " + dag_id in session.task_logs(dag_id, deployed["runs"][0]["dag_run_id"], "say")
    assert not any(e["filename"].endswith(name) for e in session.import_errors())
    assert session.undeploy(name) == [dag_id]
    assert dag_id not in {d["dag_id"] for d in session.dags()}


@MATRIX
def test_doctor_passes_on_the_release(mwaa_env, release, monkeypatch):
    """Every doctor check passes against the release (its version named by InvokeRestApi and the CLI)."""
    from mwaa_magic.core import doctor as doctor_module
    from mwaa_magic.core.doctor import table as doctor_table

    monkeypatch.setattr(
        doctor_table, "CHECKS", doctor_module.with_timeouts(doctor_table.CHECKS, cli=25.0)
    )  # busy 2-core machines
    diagnosis = doctor_module.doctor(env_name(release))
    by = {row["check"]: row for row in diagnosis}
    assert diagnosis.ok and all(row["status"] in ("ok", "n/a") for row in diagnosis), repr(diagnosis)
    assert f"Airflow {release}" in by["InvokeRestApi"]["found"] and release in by["CLI"]["found"]


# --- the installed venvs against MWAA's image (no emulator: one subprocess per installed release) -----------
AIRFLOW_OWN = {"apache-airflow-core", "apache-airflow-task-sdk"}  # Airflow 3's own parts: no constraint names them
VENV_SEED = {"pip", "setuptools", "wheel"}  # what a venv may hold besides the install


def only_for_this_python(version: str, mwaa_python: str) -> set[str]:
    """Packages the venv holds only because a requirement's marker is true for its Python and false for MWAA's
    (``async-timeout; python_full_version < "3.11.3"`` on a machine whose newest 3.11 is 3.11.2)."""
    script = (
        "import importlib.metadata as m, json, sys\n"
        "from packaging.requirements import Requirement\n"
        "full = sys.argv[1]; env = {'python_full_version': full, 'python_version': '.'.join(full.split('.')[:2])}\n"
        "names = set()\n"
        "for d in m.distributions():\n"
        "    for text in d.requires or []:\n"
        "        r = Requirement(text)\n"
        "        if r.marker and 'extra' not in str(r.marker) and r.marker.evaluate() and not r.marker.evaluate(env):\n"
        "            names.add(r.name)\n"
        "print(json.dumps(sorted(names)))"
    )
    python = venv_dir(version) / "bin" / "python"
    out = subprocess.run([str(python), "-c", script, mwaa_python], capture_output=True, text=True, check=True, timeout=60).stdout
    return {re.sub(r"[-_.]+", "-", n.lower()) for n in json.loads(out)}


def installed_versions(version: str) -> dict[str, str]:
    """``{normalized name: version}`` of every distribution in the release's venv (its own Python reads them)."""
    script = "import importlib.metadata as m, json; print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))"
    python = venv_dir(version) / "bin" / "python"
    out = subprocess.run([str(python), "-c", script], capture_output=True, text=True, check=True, timeout=60).stdout
    return {re.sub(r"[-_.]+", "-", n.lower()): v for n, v in json.loads(out).items()}


@pytest.mark.parametrize("version", sorted(RELEASES))
def test_installed_packages_are_mwaa_s(version):
    """Every package of the release's venv, compared with MWAA's image: each preinstalled provider (the bill of
    materials) at its version, each other package at the version of MWAA's constraints, except the release's
    recorded pins; nothing installed that no constraint names but Airflow's own parts. (The Python may differ
    in its patch: MWAA's 3.12.13 vs pyenv's 3.12.1 here, recorded in the install's marker.) Skipped for a
    release not installed (``python -m mwaa_magic.emulator install --versions V``)."""
    from mwaa_magic.emulator.install import is_installed

    if not is_installed(version):
        pytest.skip(f"Airflow {version} is not installed here (or was installed by an older recipe)")
    release = RELEASES[version]
    installed = installed_versions(version)
    wanted = mwaa_versions(release)
    providers = pinned(release.data / "providers.txt")
    assert set(providers) <= set(installed), set(providers) - set(installed)
    differ = {n: (wanted[n], v) for n, v in installed.items() if n in wanted and wanted[n] != v}
    recorded = {re.sub(r"[-_.]+", "-", p.split("==")[0].lower()) for p in release.pins}
    assert set(differ) == recorded, differ
    unpinned = set(installed) - set(wanted) - only_for_this_python(version, release.python)
    assert unpinned <= AIRFLOW_OWN | VENV_SEED, unpinned
    assert installed["apache-airflow"] == installed.get("apache-airflow-core", version) == version
