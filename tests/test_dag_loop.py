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

    # MWAA's own import error (the local gate, tests/test_local_gate.py, would catch it before the upload)
    result, captured = run(ipython, f"%%mwaa_dag {name} --no-local-check\n{broken_dag(dag_id)}")
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


# --- nothing lost, nothing leaked (issue 17 items 1-4) ----------------------------------------------------
def count_s3_calls(mwaa) -> list[str]:
    """The operations the session's own S3 client sends from now on (botocore's event hook on the real client)."""
    calls: list[str] = []
    mwaa.dag_folder.client.meta.events.register("before-call.s3", lambda model, **_: calls.append(model.name))
    return calls


def test_undeploy_refuses_a_file_this_session_never_read_or_wrote(ipython, logged_in):
    name = f"team_{uid()}.py"
    boto3.client("s3").put_object(Bucket=BUCKETS[3], Key=f"dags/{name}", Body=good_dag(name[:-3], "teammate").encode())
    logged_in(3)
    result, captured = run(ipython, f"%mwaa undeploy {name} --no-wait")
    one_line_failure(result, captured, "OverwriteRefused", name, "this session has not read or written it", "--force")
    assert f"dags/{name}" in s3_keys(BUCKETS[3])
    with pytest.raises(errors.OverwriteRefused, match="has not read or written it"):
        connect(ENVS[3]).undeploy(name, wait=False)
    assert f"dags/{name}" in s3_keys(BUCKETS[3])
    result, captured = run(ipython, f"%mwaa undeploy {name} --no-wait --force")
    assert result.success, captured.stdout + captured.stderr
    assert f"dags/{name}" not in s3_keys(BUCKETS[3])


def test_undeploy_after_a_read_is_allowed(mwaa_env):
    name = f"team_{uid()}.py"
    boto3.client("s3").put_object(Bucket=BUCKETS[3], Key=f"dags/{name}", Body=b"# helper\n")
    mwaa = connect(ENVS[3])
    mwaa.dag_folder.read(name)
    mwaa.undeploy(name, wait=False)
    assert f"dags/{name}" not in s3_keys(BUCKETS[3])


def test_folder_deploy_never_follows_a_link_out_of_the_folder(ipython, logged_in, tmp_path):
    logged_in(3)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("aws_secret_access_key = do-not-upload\n")
    folder = tmp_path / f"linked_{uid()}"
    folder.mkdir()
    (folder / "dag_a.py").write_text(good_dag(f"a_{uid()}"))
    (folder / "creds").symlink_to(outside / "secret.txt")
    calls = count_s3_calls(ipython.user_ns["mwaa"])
    before = s3_keys(BUCKETS[3])
    result, captured = run(ipython, f"%mwaa deploy {folder} --no-wait")
    one_line_failure(result, captured, "InvalidDagFile", "creds", "outside")
    assert calls == [] and s3_keys(BUCKETS[3]) == before


def race(writers: list, name: str) -> list[tuple[str, str]]:
    """Every writer deploys its own version of the new file ``name`` at the same instant: (outcome, who or why)."""
    import threading

    barrier, outcomes = threading.Barrier(len(writers)), []

    def deploy(mwaa, who: str) -> None:
        barrier.wait()
        try:
            mwaa.deploy(f"# {who}\n", filename=name, wait=False)
            outcomes.append(("won", who))
        except errors.OverwriteRefused as exc:
            outcomes.append(("refused", exc.message))

    threads = [threading.Thread(target=deploy, args=(w, f"writer {i}")) for i, w in enumerate(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


def test_the_overwrite_guard_is_atomic_two_writers_of_one_new_file(mwaa_env):
    """Two sessions deploy the same new file at the same instant, 50 times: exactly one wins each time."""
    writers, s3, tally = [connect(ENVS[3]), connect(ENVS[3])], boto3.client("s3"), []
    for _ in range(50):
        name = f"race_{uid()}.py"
        outcomes = race(writers, name)
        won = [who for what, who in outcomes if what == "won"]
        tally.append(len(won))
        if len(won) == 1:
            assert s3.get_object(Bucket=BUCKETS[3], Key=f"dags/{name}")["Body"].read().decode() == f"# {won[0]}\n"
            why = next(why for what, why in outcomes if what == "refused")
            assert "changed by someone else" in why or "has not read or written it" in why, why
        s3.delete_object(Bucket=BUCKETS[3], Key=f"dags/{name}")
    print(f"race: exactly one writer won {tally.count(1)} of 50 tries; both won {tally.count(2)}")
    assert tally == [1] * 50


def test_a_write_between_the_check_and_the_put_is_refused(mwaa_env):
    """A teammate's PUT after this session's look but before its own: S3's precondition refuses ours (412)."""
    name = f"late_{uid()}.py"
    mwaa = connect(ENVS[3])
    mwaa.deploy("# mine, first\n", filename=name, wait=False)
    teammate = boto3.client("s3")

    def teammate_writes_first(params, **_):
        if params.get("Key") == f"dags/{name}":
            teammate.put_object(Bucket=BUCKETS[3], Key=f"dags/{name}", Body=b"# teammate\n")

    mwaa.dag_folder.client.meta.events.register("before-parameter-build.s3.PutObject", teammate_writes_first)
    with pytest.raises(errors.OverwriteRefused, match="changed by someone else"):
        mwaa.deploy("# mine, second\n", filename=name, wait=False)
    assert teammate.get_object(Bucket=BUCKETS[3], Key=f"dags/{name}")["Body"].read() == b"# teammate\n"
    teammate.delete_object(Bucket=BUCKETS[3], Key=f"dags/{name}")


def test_a_folder_deploy_checks_every_file_before_uploading_any(mwaa_env, tmp_path):
    tag = uid()
    folder = tmp_path / f"half_{tag}"
    folder.mkdir()
    (folder / "a_first.py").write_text("# new file\n")
    (folder / "b_second.py").write_text("# mine\n")
    s3 = boto3.client("s3")
    s3.put_object(Bucket=BUCKETS[3], Key=f"dags/half_{tag}/b_second.py", Body=b"# a teammate's\n")
    mwaa = connect(ENVS[3])
    with pytest.raises(errors.OverwriteRefused, match="b_second.py"):
        mwaa.deploy(folder, wait=False)
    assert f"dags/half_{tag}/a_first.py" not in s3_keys(BUCKETS[3])
    s3.delete_object(Bucket=BUCKETS[3], Key=f"dags/half_{tag}/b_second.py")


def test_an_upload_failing_part_way_says_which_files_went_up(mwaa_env, tmp_path):
    tag = uid()
    folder = tmp_path / f"part_{tag}"
    folder.mkdir()
    for name in ("a.py", "b.py", "c.py"):
        (folder / name).write_text(f"# {name}\n")
    mwaa = connect(ENVS[3])
    teammate = boto3.client("s3")

    def teammate_takes_c(params, **_):
        if params.get("Key") == f"dags/part_{tag}/c.py":
            teammate.put_object(Bucket=BUCKETS[3], Key=f"dags/part_{tag}/c.py", Body=b"# teammate\n")

    mwaa.dag_folder.client.meta.events.register("before-parameter-build.s3.PutObject", teammate_takes_c)
    with pytest.raises(errors.OverwriteRefused) as caught:
        mwaa.deploy(folder, wait=False)
    message = caught.value.message
    assert f"part_{tag}/c.py" in message and "changed by someone else" in message
    assert f"uploaded before it: part_{tag}/a.py, part_{tag}/b.py" in message and "\n" not in message
    for name in ("a.py", "b.py", "c.py"):
        teammate.delete_object(Bucket=BUCKETS[3], Key=f"dags/part_{tag}/{name}")


# --- one bad name stops nobody (issue 17 items 5-8, 11, 12) ------------------------------------------------
BAD_INPUT = [
    ("%%mwaa_dag x.py --timeout nan\nprint(1)\n", ("timeout must be", "nan")),
    ("%%mwaa_dag x.py --timeout inf\nprint(1)\n", ("timeout must be", "inf")),
    ("%%mwaa_dag x.py --timeout -5\nprint(1)\n", ("timeout must be",)),
    ("%%mwaa_dag x.py --timeout 1e12\nprint(1)\n", ("timeout must be", "86,400")),
    ("%mwaa deploy /tmp/x.py --timeout nan", ("timeout must be",)),
    ("%mwaa undeploy x.py --timeout nan", ("timeout must be",)),
    ("%mwaa undeploy x.py --timeout 0", ("timeout must be",)),
    ("%mwaa wait some_dag some_run --timeout nan", ("timeout must be",)),
    ("%mwaa deploy ~nosuchuser_mwaa/x.py", ("InvalidDagFile", "no user")),
    ("%mwaa deploy /tmp/" + "p" * 300 + ".py", ("InvalidDagFile", "too long")),
    ("%%mwaa_dag " + "a" * 250 + ".py\nprint(1)\n", ("InvalidDagFile", "longer than 200 bytes")),
    ("%mwaa undeploy " + "b" * 250 + ".py", ("InvalidDagFile", "longer than 200 bytes")),
]


@pytest.mark.parametrize("cell, fragments", BAD_INPUT)
def test_bad_numbers_and_names_fail_before_any_s3_call(ipython, logged_in, cell, fragments):
    logged_in(3)
    calls = count_s3_calls(ipython.user_ns["mwaa"])
    result, captured = run(ipython, cell)
    one_line_failure(result, captured, *fragments)
    assert calls == []


@pytest.mark.parametrize(
    "args, kwargs, fragment",
    [
        ((b"\xff\xfe",), {"filename": "b.py"}, "not UTF-8"),
        (("x" * 300,), {}, "No DAG id found"),
        (("# fine\n",), {"filename": "soon.py", "timeout": "soon"}, "timeout must be a positive number"),
        (("# fine\n",), {"filename": "nan.py", "timeout": float("nan")}, "timeout must be"),
        (("# fine\n",), {"filename": "w.py", "wait": "no"}, "wait must be True or False"),
        (("# fine\n",), {"filename": "c.py", "conf": "[]"}, "conf must be a dict"),
        (("# fine\n",), {"filename": "a" * 201 + ".py"}, "longer than 200 bytes"),
    ],
)
def test_python_deploy_refuses_bad_input_before_any_s3_call(mwaa_env, args, kwargs, fragment):
    mwaa = connect(ENVS[3])
    calls = count_s3_calls(mwaa)
    with pytest.raises(errors.MwaaError, match=fragment) as caught:
        mwaa.deploy(*args, **kwargs)
    assert "\n" not in caught.value.message and calls == []


def test_one_dag_id_in_two_files_of_one_deploy_is_a_clash_before_any_s3_call(mwaa_env, tmp_path):
    folder = tmp_path / f"twice_{uid()}"
    folder.mkdir()
    dag_id = f"twice_{uid()}"
    (folder / "a.py").write_text(good_dag(dag_id))
    (folder / "b.py").write_text(good_dag(dag_id))
    mwaa = connect(ENVS[3])
    calls = count_s3_calls(mwaa)
    with pytest.raises(errors.DagIdClash, match=f"'{dag_id}' is defined in both {folder.name}/a.py and {folder.name}/b.py"):
        mwaa.deploy(folder)
    assert calls == []


def test_names_that_clash_with_the_bucket_are_refused_before_any_upload(mwaa_env):
    import unicodedata

    s3, tag = boto3.client("s3"), uid()
    s3.put_object(Bucket=BUCKETS[3], Key=f"dags/x_{tag}.py", Body=b"# a file\n")
    s3.put_object(Bucket=BUCKETS[3], Key=f"dags/dir_{tag}.py/inner.py", Body=b"# in a folder\n")
    s3.put_object(Bucket=BUCKETS[3], Key=unicodedata.normalize("NFD", f"dags/café_{tag}.py"), Body=b"# NFD\n")
    mwaa = connect(ENVS[3])
    calls = count_s3_calls(mwaa)
    with pytest.raises(errors.InvalidDagFile, match=f"x_{tag}.py is a file in the DAG folder"):
        mwaa.deploy("# inner\n", filename=f"x_{tag}.py/inner.py", wait=False)
    with pytest.raises(errors.InvalidDagFile, match=f"dir_{tag}.py is a folder in the DAG folder"):
        mwaa.deploy("# file\n", filename=f"dir_{tag}.py", wait=False)
    with pytest.raises(errors.InvalidDagFile, match="another spelling"):
        mwaa.deploy("# NFC\n", filename=f"café_{tag}.py", wait=False)
    assert "PutObject" not in calls
    for key in (f"x_{tag}.py", f"dir_{tag}.py/inner.py", unicodedata.normalize("NFD", f"café_{tag}.py")):
        s3.delete_object(Bucket=BUCKETS[3], Key=f"dags/{key}")


def test_a_file_spelled_in_nfd_by_someone_else_can_still_be_undeployed(mwaa_env):
    import unicodedata

    nfd = unicodedata.normalize("NFD", f"crème_{uid()}.py")
    boto3.client("s3").put_object(Bucket=BUCKETS[3], Key=f"dags/{nfd}", Body=b"# NFD\n")
    mwaa = connect(ENVS[3])
    mwaa.dag_folder.read(nfd)
    mwaa.undeploy(nfd, wait=False)
    assert f"dags/{nfd}" not in s3_keys(BUCKETS[3])


@pytest.mark.parametrize("major", MAJORS)
def test_files_are_matched_by_their_whole_path(mwaa_env, major):
    mwaa, tag = connect(ENVS[major]), uid()
    inner, outer = f"inner_{tag}", f"outer_{tag}"
    mwaa.deploy(good_dag(inner), filename=f"dir_{tag}/same_{tag}.py")
    started = __import__("time").monotonic()
    result = mwaa.deploy(good_dag(outer), filename=f"same_{tag}.py")
    assert result[0]["dag_ids"] == [outer]
    assert {r["name"]: r["dag_ids"] for r in mwaa.dag_files()}[f"same_{tag}.py"] == [outer]
    assert mwaa.undeploy(f"same_{tag}.py") == [outer]
    assert __import__("time").monotonic() - started < 20
    assert mwaa.undeploy(f"dir_{tag}/same_{tag}.py") == [inner]


def test_the_sync_skips_and_reports_a_key_it_cannot_write_and_syncs_the_rest(mwaa_env):
    from pathlib import Path

    s3, tag = boto3.client("s3"), uid()
    folder = Path(mwaa_env.state()["s3"]["dag_folders"]["3.0.6"])
    bad = [f"dags/{'n' * 300}_{tag}.py", f"dags/file_{tag}.py", f"dags/file_{tag}.py/inner.py"]
    for key in bad:  # moto takes them; no DAG folder can hold them
        s3.put_object(Bucket=BUCKETS[3], Key=key, Body=b"# cannot be written\n")
    s3.put_object(Bucket=BUCKETS[3], Key=f"dags/good_{tag}.py", Body=b"# fine\n")
    try:
        mwaa_env.admin.wait_for_sync()
        mwaa_env.admin.wait_for_sync()
        assert (folder / f"good_{tag}.py").read_bytes() == b"# fine\n"
        assert any("skipped" in line and f"_{tag}.py" in line for line in mwaa_env.output), mwaa_env.output[-5:]
    finally:
        for key in [*bad, f"dags/good_{tag}.py"]:
            s3.delete_object(Bucket=BUCKETS[3], Key=key)


def test_requirements_diff_of_a_plugins_zip_that_is_not_a_zip(ipython, logged_in):
    logged_in(3)
    s3 = boto3.client("s3")
    head = s3.head_object(Bucket=BUCKETS[3], Key="plugins.zip")
    s3.put_object(Bucket=BUCKETS[3], Key="plugins.zip", Body=b"not a zip at all")
    try:
        result, captured = run(ipython, "%mwaa requirements --diff -o req")
        assert result.success, captured.stdout + captured.stderr
        row = next(r for r in ipython.user_ns["req"] if r["file"] == "plugins")
        assert row["diff"] == "plugins.zip (latest) is not a zip file: MWAA cannot apply it."
        assert "Traceback" not in captured.stdout + captured.stderr
    finally:
        s3.copy_object(
            Bucket=BUCKETS[3],
            Key="plugins.zip",
            CopySource={"Bucket": BUCKETS[3], "Key": "plugins.zip", "VersionId": head["VersionId"]},
        )


def test_generated_folder_trees_are_refused_before_any_s3_call_or_sync(mwaa_env):
    """Property: a generated folder (links in and out, long parts, NFC/NFD, names that prefix others) is either
    refused before any S3 call, or uploaded and then synced into the emulator's DAG folder byte for byte."""
    import shutil
    import tempfile
    import unicodedata
    from pathlib import Path

    from hypothesis import HealthCheck, assume, given, settings
    from hypothesis import strategies as st

    from mwaa_magic.core.dagloop import sources_from_paths

    dag_folder = Path(mwaa_env.state()["s3"]["dag_folders"]["3.0.6"])
    s3, mwaa = boto3.client("s3"), connect(ENVS[3])
    part = st.one_of(
        st.sampled_from(["a", "a.py", "ab", "ab.py", "café.py", unicodedata.normalize("NFD", "café.py"), "x.sql"]),
        st.builds(lambda n: "l" * n + ".py", st.integers(190, 250)),
        st.text(alphabet="abé_-", min_size=1, max_size=12),
    )
    entry = st.tuples(st.lists(part, min_size=1, max_size=3), st.sampled_from(["file", "file", "in", "out", "dir"]))
    tally = {"refused": 0, "synced": 0}

    @settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(st.lists(entry, min_size=1, max_size=5))
    def check(entries: list[tuple[list[str], str]]) -> None:
        base = Path(tempfile.mkdtemp())
        root = base / f"gen_{uid()}"
        try:
            (root / "keep").mkdir(parents=True)
            (root / "keep" / "anchor.sql").write_text("select 1")
            (base / "outside.txt").write_text("secret")
            for parts, kind in entries:
                path = root.joinpath(*parts)
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    if kind == "file":
                        path.write_text(f"# {'/'.join(parts)}\n")
                    else:
                        target = {"in": root / "keep" / "anchor.sql", "out": base / "outside.txt", "dir": root / "keep"}[kind]
                        path.symlink_to(target)
                except OSError:
                    assume(False)  # this machine cannot make the tree (a part over 255 bytes, a file where a folder goes)
            calls = count_s3_calls(mwaa)
            try:
                results = mwaa.deploy(root, wait=False)
            except errors.MwaaError as exc:
                assert "\n" not in exc.message
                assert calls == [], (exc.message, calls)
                tally["refused"] += 1
                return
            names = [r["name"] for r in results]
            expected = {source.name: source.body for source in sources_from_paths([root])}
            try:
                mwaa_env.admin.wait_for_sync()
                mwaa_env.admin.wait_for_sync()
                assert sorted(names) == sorted(expected)
                for name in names:
                    assert (dag_folder / name).read_bytes() == expected[name]
                tally["synced"] += 1
            finally:
                for name in names:
                    s3.delete_object(Bucket=BUCKETS[3], Key=f"dags/{name}")
        finally:
            shutil.rmtree(base, ignore_errors=True)

    check()
    print(f"generated folder trees: {tally}")
    assert tally["refused"] and tally["synced"]
