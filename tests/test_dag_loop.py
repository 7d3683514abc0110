"""The DAG development loop against the emulator: its S3 (moto, SigV4 checked) and real Airflow 3.0.6 / 2.10.3.

%%mwaa_dag, %mwaa deploy / dag-files / undeploy / import-errors / requirements and their Python twins; the
overwrite guard; every error path (one line, the cell fails).
"""

from __future__ import annotations

import uuid

import boto3
import botocore.exceptions
import pytest
from cells import error_line
from IPython.utils.capture import capture_output

from mwaa_magic.core import errors
from mwaa_magic.login import connect

ENVS = {3: "demo-airflow3", 2: "demo-airflow2"}
BUCKETS = {3: "airflow-demo-airflow3", 2: "airflow-demo-airflow2"}
MAJORS = [3, 2]


def run(shell, cell: str):
    with capture_output() as captured:
        result = shell.run_cell(cell)
    return result, captured


def one_line_failure(result, captured, *fragments: str) -> str:
    """The cell failed; its last line is the whole error (a one-line message) holding every fragment."""
    text = captured.stdout + captured.stderr
    line = error_line(result, text)
    for fragment in fragments:
        assert fragment in line, text
    return text


def good_dag(dag_id: str, message: str = "hello") -> str:
    return (
        f"from airflow import DAG\nfrom airflow.operators.bash import BashOperator\n\n"
        f"with DAG({dag_id!r}, schedule=None, catchup=False):\n"
        f"    BashOperator(task_id='say', bash_command='echo {message} from {dag_id}')\n"
    )


def broken_dag(dag_id: str) -> str:
    return f"from airflow import DAG\nimport no_such_module_here\n\nwith DAG({dag_id!r}, schedule=None):\n    pass\n"


def uid() -> str:
    return uuid.uuid4().hex[:8]


def s3_keys(bucket: str) -> list[str]:
    return [o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket=bucket, Prefix="dags/").get("Contents", [])]


@pytest.fixture
def logged_in(ipython):
    def login(major: int) -> None:
        result, captured = run(ipython, f"%mwaa_login {ENVS[major]}")
        assert result.success, captured.stdout

    return login


# --- the whole loop, on both majors ------------------------------------------------------------------
@pytest.mark.parametrize("major", MAJORS)
def test_cell_magic_loop_import_error_fix_trigger_logs_list_undeploy(ipython, logged_in, major):
    logged_in(major)
    dag_id, name = f"loop_{uid()}", f"loop_{uid()}.py"

    result, captured = run(ipython, f"%%mwaa_dag {name}\n{broken_dag(dag_id)}")
    text = one_line_failure(result, captured, "DagImportError", name, "no_such_module_here")
    assert "Traceback (most recent call last)" in text  # Airflow's traceback is shown above the line
    errors_now = ipython.user_ns["mwaa"].import_errors()
    assert any(e["filename"].endswith(name) and "no_such_module_here" in e["error"] for e in errors_now)
    result, captured = run(ipython, "%mwaa import-errors -o errs")
    assert result.success and any(e["filename"].endswith(name) for e in ipython.user_ns["errs"])

    result, captured = run(ipython, f"%%mwaa_dag {name} --trigger -o deployed\n{good_dag(dag_id, 'fixed')}")
    assert result.success, captured.stdout + captured.stderr
    deployed = ipython.user_ns["deployed"]
    assert deployed["dag_ids"] == [dag_id] and deployed["runs"][0]["state"] == "success"
    mwaa = ipython.user_ns["mwaa"]
    assert not any(e["filename"].endswith(name) for e in mwaa.import_errors())  # the fix cleared it
    log = mwaa.task_logs(dag_id, deployed["runs"][0]["dag_run_id"], "say")
    assert f"fixed from {dag_id}" in log

    result, captured = run(ipython, "%mwaa dag-files -o files")
    assert result.success
    row = next(r for r in ipython.user_ns["files"] if r["name"] == name)
    assert row["dag_ids"] == [dag_id] and row["size"] == len(good_dag(dag_id, "fixed")) and row["import_error"] == ""
    assert {"hello_world.py", "daily_sales_etl.py"} <= {r["name"] for r in ipython.user_ns["files"]}

    result, captured = run(ipython, f"%mwaa undeploy {name} -o gone")
    assert result.success, captured.stdout
    assert ipython.user_ns["gone"] == [dag_id]
    assert dag_id not in {d["dag_id"] for d in mwaa.dags()}
    assert f"dags/{name}" not in s3_keys(BUCKETS[major])


@pytest.mark.parametrize("major", MAJORS)
def test_python_deploy_folder_with_helper_module_and_dag_files(mwaa_env, tmp_path, major):
    mwaa = connect(ENVS[major])
    tag = uid()
    folder = tmp_path / f"pkg_{tag}"
    folder.mkdir()
    (folder / "helpers.py").write_text(f"GREETING = 'helped {tag}'\n")
    (folder / f"uses_helper_{tag}.py").write_text(
        "import os, sys\nsys.path.insert(0, os.path.dirname(__file__))\nfrom helpers import GREETING\n"
        + good_dag(f"helped_{tag}").replace("'echo hello", "'echo ' + GREETING + '").replace(f" from helped_{tag}'", "'")
    )
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__" / "junk.pyc").write_bytes(b"\0")
    results = mwaa.deploy(folder, trigger=True)
    by_name = {r["name"]: r for r in results}
    assert set(by_name) == {f"pkg_{tag}/helpers.py", f"pkg_{tag}/uses_helper_{tag}.py"}  # no cache files
    assert by_name[f"pkg_{tag}/uses_helper_{tag}.py"]["runs"][0]["state"] == "success"
    run_id = by_name[f"pkg_{tag}/uses_helper_{tag}.py"]["runs"][0]["dag_run_id"]
    assert f"helped {tag}" in mwaa.task_logs(f"helped_{tag}", run_id, "say")
    files = {f["name"]: f for f in mwaa.dag_files()}
    assert files[f"pkg_{tag}/uses_helper_{tag}.py"]["dag_ids"] == [f"helped_{tag}"]
    assert files[f"pkg_{tag}/helpers.py"]["dag_ids"] == []
    assert mwaa.undeploy(f"pkg_{tag}/uses_helper_{tag}.py") == [f"helped_{tag}"]
    mwaa.undeploy(f"pkg_{tag}/helpers.py")


@pytest.mark.parametrize("major", MAJORS)
def test_deploy_subcommand_of_a_file_and_no_wait(ipython, logged_in, tmp_path, major):
    logged_in(major)
    dag_id = f"file_{uid()}"
    path = tmp_path / f"{dag_id}.py"
    path.write_text(good_dag(dag_id))
    result, captured = run(ipython, f"%mwaa deploy {path} -o out")
    assert result.success, captured.stdout
    assert ipython.user_ns["out"][0]["state"] == "parsed" and ipython.user_ns["out"][0]["dag_ids"] == [dag_id]
    # the same bytes again: nothing to upload, nothing to wait for
    result, captured = run(ipython, f"%mwaa deploy {path} -o out")
    assert result.success and ipython.user_ns["out"][0]["uploaded"] is False
    path.write_text(good_dag(dag_id, "changed"))
    result, captured = run(ipython, f"%mwaa deploy {path} --no-wait -o out")
    assert result.success and ipython.user_ns["out"][0]["state"] == "uploaded"
    ipython.user_ns["mwaa"].undeploy(path.name)


# --- teammates are safe --------------------------------------------------------------------------------
def test_overwrite_guard_refuses_a_teammates_change_and_force_overrides(ipython, logged_in):
    logged_in(3)
    dag_id, name = f"guard_{uid()}", f"guard_{uid()}.py"
    result, captured = run(ipython, f"%%mwaa_dag {name} --no-wait\n{good_dag(dag_id)}")
    assert result.success, captured.stdout
    # a teammate changes the file in S3
    boto3.client("s3").put_object(Bucket=BUCKETS[3], Key=f"dags/{name}", Body=good_dag(dag_id, "teammate").encode())
    result, captured = run(ipython, f"%%mwaa_dag {name} --no-wait\n{good_dag(dag_id, 'mine')}")
    one_line_failure(result, captured, "OverwriteRefused", name, "changed in S3", "--force")
    body = boto3.client("s3").get_object(Bucket=BUCKETS[3], Key=f"dags/{name}")["Body"].read().decode()
    assert "teammate" in body
    result, captured = run(ipython, f"%mwaa undeploy {name} --no-wait")
    one_line_failure(result, captured, "OverwriteRefused", "--force")
    result, captured = run(ipython, f"%%mwaa_dag {name} --force\n{good_dag(dag_id, 'mine')}")
    assert result.success, captured.stdout
    assert "mine" in boto3.client("s3").get_object(Bucket=BUCKETS[3], Key=f"dags/{name}")["Body"].read().decode()
    ipython.user_ns["mwaa"].undeploy(name)


def test_overwrite_guard_refuses_an_existing_file_this_session_never_saw(mwaa_env):
    mwaa = connect(ENVS[3])
    with pytest.raises(errors.OverwriteRefused, match="already exists in S3"):
        mwaa.deploy(good_dag("hello_world", "clobbered"), filename="hello_world.py", wait=False)
    mwaa.dag_folder.read("hello_world.py")  # reading it makes it known: now this session may replace it
    assert "clobbered" not in boto3.client("s3").get_object(Bucket=BUCKETS[3], Key="dags/hello_world.py")["Body"].read().decode()


# --- errors: one line each, the cell fails -------------------------------------------------------------
@pytest.mark.parametrize(
    "cell, fragments",
    [
        (
            "%%mwaa_dag broken.py\nfrom airflow import DAG\nwith DAG('x' schedule=None):\n    pass\n",
            ("InvalidDagFile", "does not compile", "line 2", "nothing was uploaded"),
        ),
        ("%%mwaa_dag ../x.py\nprint(1)\n", ("InvalidDagFile", "leaves the DAG folder")),
        ("%%mwaa_dag /etc/x.py\nprint(1)\n", ("InvalidDagFile", "absolute path")),
        ("%%mwaa_dag notes.txt\nprint(1)\n", ("InvalidDagFile", "not a .py file")),
        ("%%mwaa_dag\nprint('no dag here')\n", ("InvalidDagFile", "No DAG id found")),
        ("%%mwaa_dag x.py --conf 42\nprint(1)\n", ("--conf must be a JSON object",)),
        ("%%mwaa_dag x.py --trigger --no-wait\nprint(1)\n", ("--trigger needs the parse",)),
        ("%mwaa undeploy ../../etc/passwd", ("InvalidDagFile", "leaves the DAG folder")),
        ("%mwaa deploy /no/such/path.py", ("InvalidDagFile", "No file or folder")),
    ],
)
def test_bad_input_fails_before_any_call(ipython, logged_in, cell, fragments):
    logged_in(3)
    before = s3_keys(BUCKETS[3])
    result, captured = run(ipython, cell)
    one_line_failure(result, captured, *fragments)
    assert s3_keys(BUCKETS[3]) == before


@pytest.mark.parametrize("major", MAJORS)
def test_dag_id_clash_with_another_file(ipython, logged_in, major):
    logged_in(major)
    name = f"clash_{uid()}.py"
    result, captured = run(ipython, f"%%mwaa_dag {name}\n{good_dag('hello_world')}")
    one_line_failure(result, captured, "DagIdClash", "'hello_world'", "hello_world.py", "nothing was uploaded")
    assert f"dags/{name}" not in s3_keys(BUCKETS[major])


@pytest.mark.parametrize("major", MAJORS)
def test_parse_still_pending_after_the_time_limit(ipython, logged_in, mwaa_env, major):
    logged_in(major)
    name = f"stalled_{uid()}.py"
    mwaa_env.admin.s3(sync_paused=True)  # MWAA's sync stalls: the file never reaches Airflow
    result, captured = run(ipython, f"%%mwaa_dag {name} --timeout 3\n{good_dag(name[:-3])}")
    one_line_failure(result, captured, "ParseTimeout", name, "within 3s", "import-errors")
    mwaa_env.admin.s3(sync_paused=False)
    ipython.user_ns["mwaa"].undeploy(name)


def test_no_bucket_access(ipython, mwaa_env, monkeypatch):
    for name, value in mwaa_env.identity_env(4).items():  # erin: Airflow Op, no S3 at all
        monkeypatch.setenv(name, value)
    result, captured = run(ipython, "%mwaa_login demo-airflow3")
    assert result.success
    result, captured = run(ipython, f"%%mwaa_dag denied_{uid()}.py\n{good_dag('denied')}")
    one_line_failure(result, captured, "AccessDenied", "s3:GetObject", "arn:aws:s3:::airflow-demo-airflow3/dags/")
    result, captured = run(ipython, "%mwaa dag-files")
    one_line_failure(result, captured, "AccessDenied", "s3:ListBucket", "arn:aws:s3:::airflow-demo-airflow3")


def test_read_only_identity_may_list_but_not_deploy(ipython, mwaa_env, monkeypatch):
    for name, value in mwaa_env.identity_env(1).items():  # bob: Viewer, s3:PutObject denied
        monkeypatch.setenv(name, value)
    assert run(ipython, "%mwaa_login demo-airflow2")[0].success
    result, captured = run(ipython, "%mwaa dag-files -o files")
    assert result.success and ipython.user_ns["files"]
    result, captured = run(ipython, f"%%mwaa_dag ro_{uid()}.py\n{good_dag('read_only_try')}")
    one_line_failure(result, captured, "AccessDenied", "s3:PutObject")


def test_missing_bucket(ipython, logged_in, mwaa_env):
    logged_in(3)
    mwaa_env.admin.s3(missing_buckets=["demo-airflow3"])
    ipython.user_ns["mwaa"].environment.details(refresh=True)
    result, captured = run(ipython, f"%%mwaa_dag gone_{uid()}.py\n{good_dag('bucketless')}")
    one_line_failure(result, captured, "BucketNotFound", "airflow-demo-airflow3-deleted", "does not exist")


def test_wrong_secret_is_refused_by_s3(mwaa_env):
    import os

    client = boto3.client("s3", aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"], aws_secret_access_key="not-the-secret")
    with pytest.raises(botocore.exceptions.ClientError, match="SignatureDoesNotMatch"):
        client.list_objects_v2(Bucket=BUCKETS[3])
    unsigned = boto3.client("s3", aws_access_key_id="AKIANOTKNOWN00000000", aws_secret_access_key="x")
    with pytest.raises(botocore.exceptions.ClientError, match="InvalidAccessKeyId"):
        unsigned.list_objects_v2(Bucket=BUCKETS[3])


def test_undeploy_of_a_missing_file(ipython, logged_in):
    logged_in(3)
    result, captured = run(ipython, "%mwaa undeploy never_there.py")
    one_line_failure(result, captured, "DagFileNotFound", "dag-files")


# --- requirements and plugins ----------------------------------------------------------------------
@pytest.mark.parametrize("major", MAJORS)
def test_requirements_applied_and_newer_in_s3(ipython, logged_in, major):
    logged_in(major)
    result, captured = run(ipython, "%mwaa requirements -o req")
    assert result.success
    rows = {r["file"]: r for r in ipython.user_ns["req"]}
    assert rows["requirements"]["status"] == "applied" and rows["plugins"]["status"] == "applied"
    assert "apache-airflow-providers-amazon" not in captured.stdout  # no diff unless asked
    s3 = boto3.client("s3")
    s3.put_object(
        Bucket=BUCKETS[major],
        Key="requirements.txt",
        Body=b"# the packages this environment installs (applied by UpdateEnvironment)\n"
        b"apache-airflow-providers-amazon\npandas==2.2.3\n",
    )
    try:
        result, captured = run(ipython, "%mwaa requirements --diff -o req")
        assert result.success
        row = next(r for r in ipython.user_ns["req"] if r["file"] == "requirements")
        assert row["status"].startswith("newer version in S3, not applied: aws mwaa update-environment")
        assert "+pandas==2.2.3" in captured.stdout
    finally:  # put the applied version back on top
        applied = row["applied_version"]
        s3.copy_object(
            Bucket=BUCKETS[major],
            Key="requirements.txt",
            CopySource={"Bucket": BUCKETS[major], "Key": "requirements.txt", "VersionId": applied},
        )


# --- the emulator's side ---------------------------------------------------------------------------------
def test_get_environment_names_the_bucket_and_versions(mwaa_env):
    env = boto3.client("mwaa").get_environment(Name="demo-airflow2")["Environment"]
    assert env["SourceBucketArn"] == "arn:aws:s3:::airflow-demo-airflow2" and env["DagS3Path"] == "dags"
    s3 = boto3.client("s3")
    assert s3.get_bucket_versioning(Bucket="airflow-demo-airflow2")["Status"] == "Enabled"
    block = s3.get_public_access_block(Bucket="airflow-demo-airflow2")["PublicAccessBlockConfiguration"]
    assert all(block.values())
    for path, version in (("RequirementsS3Path", "RequirementsS3ObjectVersion"), ("PluginsS3Path", "PluginsS3ObjectVersion")):
        head = s3.head_object(Bucket="airflow-demo-airflow2", Key=env[path], VersionId=env[version])
        assert head["VersionId"] == env[version]
    assert env["StartupScriptS3Path"] == "startup.sh"


def test_sync_adds_changes_deletes_and_keeps_the_bundled_samples(mwaa_env):
    from pathlib import Path

    import mwaa_magic.emulator.s3 as emulator_s3

    samples = sorted(p.name for p in emulator_s3.sample_dags().glob("*.py"))
    folder = Path(mwaa_env.state()["s3"]["dag_folders"]["2.10.3"])
    assert set(samples) <= {p.name for p in folder.glob("*.py")}
    s3 = boto3.client("s3")
    name = f"sync_{uid()}.py"
    s3.put_object(Bucket=BUCKETS[2], Key=f"dags/sub/{name}", Body=b"# one\n")
    mwaa_env.admin.wait_for_sync()
    assert (folder / "sub" / name).read_bytes() == b"# one\n"
    s3.put_object(Bucket=BUCKETS[2], Key=f"dags/sub/{name}", Body=b"# two\n")
    mwaa_env.admin.wait_for_sync()
    assert (folder / "sub" / name).read_bytes() == b"# two\n"
    s3.delete_object(Bucket=BUCKETS[2], Key=f"dags/sub/{name}")
    mwaa_env.admin.wait_for_sync()
    assert not (folder / "sub" / name).exists()
    assert set(samples) <= {p.name for p in folder.glob("*.py")}
    assert sorted(p.name for p in emulator_s3.sample_dags().glob("*.py")) == samples  # the package is never written
