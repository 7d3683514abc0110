"""requirements.txt and plugins.zip checked line by line before anything resolves or uploads; uv's failures in one
line naming the package; the emulator's UpdateEnvironment refusals (no Airflow needed for those)."""

from __future__ import annotations

import io
import zipfile

import boto3
import botocore.exceptions
import pytest
from cells import assert_one_line, run

from mwaa_magic.emulator.plugins_zip import outside
from mwaa_magic.emulator.requirements_file import Line, RequirementsError, one_line, requirement_lines
from mwaa_magic.gate import plugins
from mwaa_magic.gate.requirements import RequirementsRefused, read_file

AIRFLOW_CONSTRAINTS = "https://raw.githubusercontent.com/apache/airflow/constraints-3.0.6/constraints-3.12.txt"


# --- the lines ----------------------------------------------------------------------------------------
def test_requirements_are_read_with_comments_continuations_and_hashes():
    text = (
        "# a comment\n\npandas==2.1.4  # inline comment\n"
        "requests>=2 \\\n  ; python_version >= '3.8'\n"
        "six==1.16.0 --hash=sha256:abc\n"
        f"-c {AIRFLOW_CONSTRAINTS}\n"
        "Flask_AppBuilder[oauth]==4.6.3\n"
    )
    lines = requirement_lines(text, "3.0.6")
    assert [(line.number, line.name) for line in lines] == [
        (3, "pandas"),
        (4, "requests"),
        (6, "six"),
        (8, "flask-appbuilder"),
    ]
    assert lines[2].text == "six==1.16.0"  # the hash option is not a requirement


@pytest.mark.parametrize(
    ("line", "fragments"),
    [
        ("-e ./my_package", ["line 2", "editable install (-e)", "plugins.zip"]),
        ("--editable=git+https://example.com/x.git#egg=x", ["editable install (-e)"]),
        ("git+https://example.com/x.git#egg=x", ["a URL or path", "by name and version"]),
        ("https://example.com/x-1.0-py3-none-any.whl", ["a URL or path"]),
        ("x @ https://example.com/x-1.0.tar.gz", ["a URL or path"]),
        ("./wheels/x-1.0-py3-none-any.whl", ["a URL or path"]),
        (
            "--index-url https://pypi.example.com/simple",
            ["another index", "VPC endpoint", "--find-links /usr/local/airflow/plugins"],
        ),
        ("-i https://pypi.example.com/simple", ["another index"]),
        ("--extra-index-url=https://pypi.example.com/simple", ["another index"]),
        ("-f /usr/local/airflow/plugins", ["another index"]),
        ("--no-index", ["another index"]),
        ("-r other.txt", ["one requirements.txt", "-r"]),
        (
            "-c https://raw.githubusercontent.com/apache/airflow/constraints-2.10.3/constraints-3.11.txt",
            ["only Airflow's own constraints for 3.0.6"],
        ),
        ("-c my-constraints.txt", ["only Airflow's own constraints for 3.0.6", "essential constraints still apply"]),
        ("--pre", ["the option --pre cannot be checked here"]),
        ("pandas===", ["not a requirement"]),
        ("pandas (2.0", ["not a requirement"]),
    ],
)
def test_a_line_the_check_cannot_take_is_one_line_naming_it(line, fragments):
    with pytest.raises(RequirementsError) as caught:
        requirement_lines(f"cowsay\n{line}\n", "3.0.6")
    message = str(caught.value)
    assert "\n" not in message and message.startswith("line 2 (")
    for fragment in fragments:
        assert fragment in message


def test_an_editable_or_url_line_names_its_package():
    with pytest.raises(RequirementsError) as caught:
        requirement_lines("-e git+https://example.com/x.git#egg=My_Pkg\n", "3.0.6")
    assert caught.value.package == "my-pkg"


# --- uv's failures, in one line ----------------------------------------------------------------------
ESSENTIAL = {"flask-appbuilder": "Flask-AppBuilder==4.6.3"}
LINES = [Line(1, "cowsay", "cowsay"), Line(2, "Flask-AppBuilder==4.5.0", "flask-appbuilder")]


def test_a_conflict_with_an_essential_constraint_names_the_line_and_the_pin():
    output = (
        "Using Python 3.12.1 environment at: /tmp/x\nerror: No solution found when resolving dependencies\n"
        "  cause: Because you require flask-appbuilder==4.5.0 and flask-appbuilder==4.6.3, we can conclude "
        "that your requirements are unsatisfiable.\n"
    )
    error = one_line(output, LINES, ESSENTIAL)
    assert error.package == "flask-appbuilder"
    assert str(error).startswith(
        "line 2 (Flask-AppBuilder==4.5.0) conflicts with MWAA's essential constraint Flask-AppBuilder==4.6.3"
    )
    assert "\n" not in str(error)


def test_a_package_that_does_not_exist_is_named():
    output = (
        "  × No solution found when resolving dependencies:\n  ╰─▶ Because nonexistent-zz9 was not found in the "
        "package registry and you require nonexistent-zz9, we can conclude that your requirements are unsatisfiable.\n"
    )
    lines = [Line(3, "nonexistent-zz9", "nonexistent-zz9")]
    error = one_line(output, lines)
    assert str(error) == "line 3 (nonexistent-zz9): nonexistent-zz9 does not exist in the package registry"


def test_a_conflict_between_requirements_names_the_first_line_uv_blames():
    output = "error: No solution found\n  cause: Because you require cowsay==6.1 and cowsay==6.0, we can conclude that your requirements are unsatisfiable.\n"
    error = one_line(output, [Line(1, "cowsay==6.1", "cowsay")], ESSENTIAL)
    assert str(error).startswith("line 1 (cowsay==6.1) conflicts: Because you require cowsay==6.1")


def test_a_failure_uv_explains_otherwise_is_its_error_line():
    error = one_line("Resolved 3 packages\nerror: Failed to fetch: network unreachable\n", LINES)
    assert str(error) == "does not resolve: Failed to fetch: network unreachable"


def test_a_missing_requirements_file_is_one_line(tmp_path):
    with pytest.raises(RequirementsRefused, match="No file .*nope.txt: give the path of a requirements.txt"):
        read_file(str(tmp_path / "nope.txt"))


# --- plugins.zip ---------------------------------------------------------------------------------------
def test_a_plugins_folder_zips_the_same_bytes_twice_without_caches(tmp_path):
    (tmp_path / "operators").mkdir()
    (tmp_path / "operators" / "hello.py").write_text("GREETING = 'hi'\n")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "x.pyc").write_bytes(b"\0")
    (tmp_path / "README.md").write_text("plugins\n")
    first, second = plugins.build(str(tmp_path)), plugins.build(str(tmp_path))
    assert first.body == second.body  # the same S3 ETag: an unchanged folder is "already applied"
    assert first.names == ["README.md", "operators/hello.py"] and first.python_files == 1


def test_a_plugins_file_that_does_not_compile_is_named_with_its_line(tmp_path):
    (tmp_path / "broken.py").write_text("x = 1\ndef f(:\n")
    with pytest.raises(plugins.PluginsRefused, match=r"broken.py line 2: .*would not import on MWAA"):
        plugins.build(str(tmp_path))


def test_a_link_leading_outside_the_plugins_folder_is_refused(tmp_path):
    outside_file = tmp_path / "secret.txt"
    outside_file.write_text("x")
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "linked.txt").symlink_to(outside_file)
    with pytest.raises(plugins.PluginsRefused, match="linked.txt links outside"):
        plugins.build(str(folder))


@pytest.mark.parametrize("name", ["../evil.py", "/etc/evil.py", "a/../../evil.py", "..\\evil.py", "C:/evil.py"])
def test_a_plugins_zip_holding_a_path_outside_it_is_refused(tmp_path, name):
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("fine.py", "x = 1\n")
        archive.writestr(name, "x = 1\n")
    path = tmp_path / "plugins.zip"
    path.write_bytes(data.getvalue())
    with pytest.raises(plugins.PluginsRefused, match="a path outside its folder: MWAA refuses it"):
        plugins.build(str(path))
    assert outside(["fine.py", "dir/x.py", name]) == [name]


def test_a_plugins_path_that_is_neither_folder_nor_zip_is_one_line(tmp_path):
    with pytest.raises(plugins.PluginsRefused, match="No folder or .zip file"):
        plugins.build(str(tmp_path / "missing"))
    (tmp_path / "bad.zip").write_bytes(b"not a zip")
    with pytest.raises(plugins.PluginsRefused, match="plugins.zip is not a zip file"):
        plugins.build(str(tmp_path / "bad.zip"))


# --- the magic's options, checked before any call -------------------------------------------------------
@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("requirements some.txt", "FILE (or --plugins DIR) goes with --check or --apply"),
        ("requirements --plugins plugins/", "goes with --check or --apply"),
        ("requirements --check a.txt --plugins p/", "not both"),
        ("requirements --check --yes", "--yes goes with --apply"),
        ("requirements --check --diff", "--diff shows what a newer version"),
        ("requirements --plugins p/ --check --refresh", "--refresh asks the package registry"),
    ],
)
def test_requirements_options_that_do_not_go_together_fail_before_any_call(shell, aws, line, fragment):
    before = aws.admin.calls()
    result, out = run(shell, f"%mwaa {line}")
    assert_one_line(result, out, "InvalidArgument", fragment)
    assert aws.admin.calls() == before


# --- the emulator's UpdateEnvironment: what it refuses at once ------------------------------------------------
def _mwaa(env: dict[str, str] | None = None):
    session = boto3.session.Session(
        aws_access_key_id=(env or {}).get("AWS_ACCESS_KEY_ID"),
        aws_secret_access_key=(env or {}).get("AWS_SECRET_ACCESS_KEY"),
    )
    return session.client("mwaa")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"RequirementsS3Path": "requirements.txt"}, "RequirementsS3ObjectVersion is required"),
        ({"RequirementsS3Path": "requirements.txt", "RequirementsS3ObjectVersion": "no-such-version"}, "Unable to read version"),
        (
            {"RequirementsS3Path": "other.txt", "RequirementsS3ObjectVersion": "v"},
            "keep their requirements.txt at requirements.txt",
        ),
        ({"AirflowVersion": "2.11.0"}, "does not change an environment's Airflow version"),
    ],
)
def test_update_environment_refuses_what_it_cannot_apply(aws, fields, message):
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        _mwaa().update_environment(Name="fast3", **fields)
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert message in caught.value.response["Error"]["Message"]
    assert _mwaa().get_environment(Name="fast3")["Environment"]["Status"] == "AVAILABLE"


def test_update_environment_of_an_updating_environment_is_refused(aws):
    with pytest.raises(botocore.exceptions.ClientError, match="cannot be updated \\(status: UPDATING\\)"):
        _mwaa().update_environment(Name="updating", MinWorkers=1)
