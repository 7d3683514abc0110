"""requirements.txt before UpdateEnvironment, on the emulator's Airflow 3.0.6 and 2.10.3: the check here (a conflict
with an essential constraint, a package that does not exist), then UpdateEnvironment for real (it fails, then it
succeeds, and a DAG importing the new package parses in that environment)."""

from __future__ import annotations

import time
import uuid

import boto3
import pytest
from cells import error_line, run

from mwaa_magic.gate import apply

ENVS = {3: "demo-airflow3", 2: "demo-airflow2"}
MAJORS = [3, 2]
PACKAGE = "cowsay==6.1"  # a small pure-Python wheel, not in MWAA's images


@pytest.fixture
def logged_in(ipython, monkeypatch):
    monkeypatch.setattr(apply, "POLL", 1.0)  # the emulator's updates take seconds, MWAA's minutes

    def login(major: int) -> None:
        result, out = run(ipython, f"%mwaa_login {ENVS[major]}")
        assert result.success, out

    return login


@pytest.fixture
def bucket_restored(mwaa_env):
    """The versions a test adds to its environment's bucket deleted afterwards (the others' tests see the first ones)."""
    s3, added = boto3.client("s3"), []

    def track(major: int, key: str) -> str:
        bucket = f"airflow-{ENVS[major]}"
        versions = s3.list_object_versions(Bucket=bucket, Prefix=key)
        before = {v["VersionId"] for v in versions.get("Versions", []) + versions.get("DeleteMarkers", [])}
        added.append((bucket, key, before))
        return bucket

    yield track
    for bucket, key, before in added:
        versions = s3.list_object_versions(Bucket=bucket, Prefix=key)
        for version in versions.get("Versions", []) + versions.get("DeleteMarkers", []):
            if version["Key"] == key and version["VersionId"] not in before:
                s3.delete_object(Bucket=bucket, Key=key, VersionId=version["VersionId"])


@pytest.mark.parametrize("major", MAJORS)
def test_a_conflict_with_an_essential_constraint_is_one_line_before_any_upload(ipython, logged_in, mwaa_env, tmp_path, major):
    logged_in(major)
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(f"{PACKAGE}\nflask-appbuilder==4.0.0\n")  # MWAA's essential constraints pin it
    for line in (f"--check {requirements}", f"--apply {requirements} --yes"):
        before = mwaa_env.admin.calls()
        result, out = run(ipython, f"%mwaa requirements {line}")
        message = error_line(result, out)
        assert "RequirementsConflict: line 2 (flask-appbuilder==4.0.0) conflicts with MWAA's essential constraint" in message
        assert before.get("UpdateEnvironment", 0) == mwaa_env.admin.calls().get("UpdateEnvironment", 0)


def test_the_environments_own_requirements_check_with_nothing_to_change(ipython, logged_in):
    logged_in(3)
    result, out = run(ipython, "%mwaa requirements --check -o changes")
    assert result.success, out
    assert ipython.user_ns["changes"] == []  # the newest in S3 holds what the environment runs
    assert "s3://airflow-demo-airflow3/requirements.txt resolves on Airflow 3.0.6" in out and "no package would change" in out


def test_a_package_that_does_not_exist_is_one_line(ipython, logged_in, tmp_path):
    logged_in(3)  # the registry's answer: the same on every release
    requirements = tmp_path / "requirements.txt"
    missing = f"no-such-package-{uuid.uuid4().hex[:10]}"
    requirements.write_text(f"{PACKAGE}\n{missing}==1.0\n")
    result, out = run(ipython, f"%mwaa requirements --check {requirements}")
    assert error_line(result, out) == (
        f"RequirementsConflict: line 2 ({missing}==1.0): {missing} does not exist in the package registry"
    )


@pytest.mark.parametrize("major", MAJORS)
def test_update_fails_then_succeeds_and_a_dag_importing_the_package_parses(
    ipython, logged_in, mwaa_env, bucket_restored, tmp_path, major
):
    logged_in(major)
    name, env = ENVS[major], boto3.client("mwaa")
    bucket = bucket_restored(major, "requirements.txt")
    s3 = boto3.client("s3")

    # the emulator's own install fails (a file the local check would refuse, sent straight to UpdateEnvironment)
    bad = s3.put_object(Bucket=bucket, Key="requirements.txt", Body=b"flask-appbuilder==4.0.0\n")["VersionId"]
    env.update_environment(Name=name, RequirementsS3Path="requirements.txt", RequirementsS3ObjectVersion=bad)
    failed = _final(env, name)
    assert failed["Status"] == "UPDATE_FAILED" and failed["LastUpdate"]["Status"] == "FAILED"
    assert failed["LastUpdate"]["Error"]["ErrorCode"] == "RequirementsInstallFailed"
    assert "flask-appbuilder==4.0.0" in failed["LastUpdate"]["Error"]["ErrorMessage"]
    assert failed["RequirementsS3ObjectVersion"] != bad  # still the version it ran before
    assert ipython.user_ns["mwaa"].dags()  # the old Airflow serves on

    # through the magic: a good file, but the install fails (the knob), then the same file applies
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(f"{PACKAGE}\n")
    mwaa_env.admin.fail_next("UpdateInstall", error="InjectedInstallFailure", message="pip install failed on the workers")
    result, out = run(ipython, f"%mwaa requirements --apply {requirements} --yes")
    assert error_line(result, out) == (
        f"UpdateFailed: UpdateEnvironment of {name} ended UPDATE_FAILED (InjectedInstallFailure): "
        "pip install failed on the workers"
    )
    result, out = run(ipython, f"%mwaa requirements --apply {requirements} --yes -o applied")
    assert result.success, out
    applied = ipython.user_ns["applied"]
    assert applied["status"] == "AVAILABLE" and "cowsay" in out
    info = env.get_environment(Name=name)["Environment"]
    assert info["RequirementsS3ObjectVersion"] == applied["version"] and info["LastUpdate"]["Status"] == "SUCCESS"

    dag_id = f"uses_cowsay_{uuid.uuid4().hex[:8]}"
    source = (
        "import cowsay\nfrom airflow import DAG\n\n"
        f"with DAG({dag_id!r}, schedule=None, catchup=False, tags=[cowsay.get_output_string('cow', 'moo')[:5]]):\n"
        "    pass\n"
    )
    try:
        result, out = run(ipython, f"%%mwaa_dag {dag_id}.py -o deployed\n{source}")
        assert result.success, out
        assert ipython.user_ns["deployed"]["dag_ids"] == [dag_id]
    finally:  # the shared Airflow (back after the reset) has no cowsay
        s3.delete_object(Bucket=bucket, Key=f"dags/{dag_id}.py")


def _final(client, name: str, timeout: float = 300) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = client.get_environment(Name=name)["Environment"]
        if info["Status"] != "UPDATING":
            return info
        time.sleep(0.5)
    raise AssertionError(f"{name} still UPDATING after {timeout} s")


def test_plugins_zip_refused_here_then_applied_and_a_dag_imports_its_module(
    ipython, logged_in, mwaa_env, bucket_restored, tmp_path
):
    logged_in(3)  # one major: plugins.zip is unpacked alike on both
    bucket = bucket_restored(3, "plugins.zip")
    module = f"greeting_{uuid.uuid4().hex[:8]}"
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / f"{module}.py").write_text("def greet(:\n")
    before = mwaa_env.admin.calls().get("UpdateEnvironment", 0)
    result, out = run(ipython, f"%mwaa requirements --plugins {folder} --apply --yes")
    assert error_line(result, out) == f"PluginsRefused: {module}.py line 1: invalid syntax (it would not import on MWAA)."
    assert mwaa_env.admin.calls().get("UpdateEnvironment", 0) == before  # nothing uploaded, nothing applied

    (folder / f"{module}.py").write_text("def greet():\n    return 'hello from plugins.zip'\n")
    result, out = run(ipython, f"%mwaa requirements --plugins {folder} --apply --yes -o applied")
    assert result.success, out
    assert ipython.user_ns["applied"]["status"] == "AVAILABLE"
    dag_id = f"uses_{module}"
    source = f"import {module}\nfrom airflow import DAG\n\nwith DAG({dag_id!r}, schedule=None, tags=[{module}.greet()[:5]]):\n    pass\n"
    s3 = boto3.client("s3")
    s3.put_object(Bucket=bucket, Key=f"dags/{dag_id}.py", Body=source.encode())  # straight to S3: MWAA's own parse
    try:
        mwaa, deadline = ipython.user_ns["mwaa"], time.monotonic() + 180
        while dag_id not in {d["dag_id"] for d in mwaa.dags()}:
            assert not [e for e in mwaa.import_errors() if e["filename"].endswith(f"{dag_id}.py")], mwaa.import_errors()
            assert time.monotonic() < deadline, f"{dag_id} not parsed"
            time.sleep(1)
    finally:
        s3.delete_object(Bucket=bucket, Key=f"dags/{dag_id}.py")


def test_offline_first_asks_the_registry_when_the_cache_has_a_package_s_metadata_but_not_its_wheel(tmp_path, monkeypatch):
    """``requirements --check`` (uv pip compile) caches a package's metadata only; the install that follows must not
    take uv's "Network connectivity is disabled" for a failure (a clean CI machine: UPDATE_FAILED on cowsay)."""
    from mwaa_magic.emulator.install import _uv, find_uv, uv_offline_first

    uv = find_uv()
    assert uv, "uv is a test dependency"
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "cache"))  # empty: this test's own
    (tmp_path / "requirements.txt").write_text("cowsay==6.1\n")
    _uv([uv, "pip", "compile", "--quiet", str(tmp_path / "requirements.txt")])
    _uv([uv, "venv", "--quiet", str(tmp_path / "venv")])
    done, asked = uv_offline_first([uv, "pip", "install", "--python", str(tmp_path / "venv" / "bin" / "python"), "cowsay==6.1"])
    assert (done.returncode, asked) == (0, True), done.stderr
