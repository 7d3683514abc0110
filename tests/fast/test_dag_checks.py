"""The DAG loop's local checks (no call): file names, syntax, DAG ids found statically, Airflow paths, flavours."""

from __future__ import annotations

import pytest

from mwaa_magic.core import errors
from mwaa_magic.core.dagloop import check_name, dag_source, deploy_input, file_of, find_dag_ids, source_name, sources_from_paths
from mwaa_magic.core.flavours import flavour_for


@pytest.mark.parametrize(
    "name, message",
    [
        ("../x.py", "leaves the DAG folder"),
        ("a/../../x.py", "leaves the DAG folder"),
        ("/abs/x.py", "absolute path"),
        ("C:/x.py", "absolute path"),
        ("x.txt", "not a .py file"),
        (".hidden.py", "hidden file"),
        ("", "Give the DAG file a name"),
        ("a\\b.py", "backslashes"),
        ("x\n.py", "control characters"),
        ("./x.py", "leaves the DAG folder"),
    ],
)
def test_bad_names(name, message):
    with pytest.raises(errors.InvalidDagFile, match=message):
        check_name(name)


def test_good_names_and_helpers():
    assert check_name("etl/my_dag.py") == "etl/my_dag.py"
    assert check_name("etl/query.sql", dag=False) == "etl/query.sql"


def test_dag_ids_found_statically():
    code = """
from airflow import DAG
from airflow.decorators import dag
import airflow

with DAG("classic", schedule=None): pass
other = DAG(dag_id="keyword")
third = airflow.DAG("attribute")

@dag(schedule=None)
def decorated(): pass

@dag(dag_id="renamed")
def ignored_name(): pass

dynamic = DAG(f"made_{1}")
"""
    assert sorted(find_dag_ids(code)) == ["attribute", "classic", "decorated", "keyword", "renamed"]


def test_syntax_error_names_the_line():
    with pytest.raises(errors.InvalidDagFile, match=r"x.py does not compile .*line 2.*nothing was uploaded"):
        dag_source("x.py", "from airflow import DAG\nwith DAG('x' schedule=None):\n    pass\n")


def test_source_name_and_deploy_input(tmp_path):
    assert source_name("from airflow import DAG\nDAG('my etl')\n") == "my_etl.py"
    with pytest.raises(errors.InvalidDagFile, match="No DAG id found"):
        source_name("print(1)\n")
    (tmp_path / "a.py").write_text("from airflow import DAG\nDAG('a')\n")
    assert [s.name for s in deploy_input(str(tmp_path / "a.py"))] == ["a.py"]
    assert deploy_input("from airflow import DAG\nDAG('b')\n")[0].dag_ids == ("b",)
    assert deploy_input("from airflow import DAG\nDAG('b')\n", filename="c.py")[0].name == "c.py"


def test_folder_skips_caches_and_hidden_files(tmp_path):
    root = tmp_path / "proj"
    (root / "__pycache__").mkdir(parents=True)
    (root / "__pycache__" / "x.pyc").write_bytes(b"\0")
    (root / ".env").write_text("SECRET=1")
    (root / "sql").mkdir()
    (root / "sql" / "q.sql").write_text("select 1")
    (root / "dag.py").write_text("from airflow import DAG\nDAG('d')\n")
    sources = sources_from_paths([root])
    assert sorted(s.name for s in sources) == ["proj/dag.py", "proj/sql/q.sql"]
    assert next(s for s in sources if s.name == "proj/dag.py").is_dag
    (root / "empty").mkdir()
    with pytest.raises(errors.InvalidDagFile, match="holds no file"):
        sources_from_paths([root / "empty"])


def test_airflow_paths_map_to_dag_folder_names():
    names = ["x.py", "etl/x.py"]
    assert file_of("/usr/local/airflow/dags/etl/x.py", names) == "etl/x.py"  # Airflow 2 and 3: absolute fileloc
    assert file_of("x.py", names) == "x.py"  # Airflow 3: relative_fileloc
    assert file_of("/usr/local/airflow/dags/other/y.py", names) == "other/y.py"
    assert file_of(None, names) is None


def test_flavours_tell_stale_dags():
    assert flavour_for("2.10.3").is_stale({"is_active": False}) and not flavour_for(2).is_stale({"is_active": True})
    assert flavour_for("3.0.6").is_stale({"is_stale": True}) and not flavour_for(3).is_stale({"is_stale": False})
    assert flavour_for(2).dags_with_stale == {"only_active": False} and flavour_for(3).dags_with_stale == {"exclude_stale": False}


def test_folder_links_out_of_the_folder_are_refused(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("SECRET=1")
    root = tmp_path / "proj"
    (root / "sub").mkdir(parents=True)
    (root / "dag.py").write_text("from airflow import DAG\nDAG('d')\n")
    (root / "sub" / "creds").symlink_to(outside / "secret.txt")
    with pytest.raises(errors.InvalidDagFile, match=r"proj/sub/creds is a link to .* outside proj"):
        sources_from_paths([root])
    (root / "sub" / "creds").unlink()
    (root / "sub" / "home").symlink_to(outside, target_is_directory=True)
    with pytest.raises(errors.InvalidDagFile, match=r"proj/sub/home is a link to .* outside proj"):
        sources_from_paths([root])
    (root / "sub" / "home").unlink()
    (root / "sub" / "gone").symlink_to(tmp_path / "nowhere")
    with pytest.raises(errors.InvalidDagFile, match=r"proj/sub/gone is a link to nothing"):
        sources_from_paths([root])


def test_folder_links_inside_the_folder_go_as_copies(tmp_path):
    root = tmp_path / "proj"
    (root / "sql").mkdir(parents=True)
    (root / "sql" / "q.sql").write_text("select 1")
    (root / "same.sql").symlink_to(root / "sql" / "q.sql")
    (root / "dag.py").write_text("from airflow import DAG\nDAG('d')\n")
    sources = {s.name: s.body for s in sources_from_paths([root])}
    assert sources == {"proj/dag.py": sources["proj/dag.py"], "proj/same.sql": b"select 1", "proj/sql/q.sql": b"select 1"}
    (root / "sqllink").symlink_to(root / "sql", target_is_directory=True)
    with pytest.raises(errors.InvalidDagFile, match=r"proj/sqllink is a link to a folder"):
        sources_from_paths([root])
    (root / "sqllink").unlink()
    (root / ".env").write_text("SECRET=1")
    (root / "settings.cfg").symlink_to(root / ".env")
    with pytest.raises(errors.InvalidDagFile, match=r"proj/settings.cfg is a link to .* keeps home"):
        sources_from_paths([root])


# --- names no DAG folder can hold (issue 17 item 5), bad input to the Python API (item 12) -----------------
@pytest.mark.parametrize(
    "name, message",
    [
        ("a" * 252 + ".py", "longer than 200 bytes"),
        ("d/" + "é" * 120 + ".py", "longer than 200 bytes"),  # 243 bytes in UTF-8, 123 characters
        ("/".join(["d" * 150] * 7) + "/x.py", "longer than 1000 bytes"),
    ],
)
def test_names_a_dag_folder_cannot_hold(name, message):
    with pytest.raises(errors.InvalidDagFile, match=message):
        check_name(name)


def test_names_are_normalised_to_nfc():
    import unicodedata

    nfd = unicodedata.normalize("NFD", "café.py")
    assert nfd != "café.py" and check_name(nfd) == unicodedata.normalize("NFC", "café.py")


def test_a_batch_with_a_file_and_a_folder_of_one_name_or_one_dag_id_twice(tmp_path):
    from mwaa_magic.core.dagloop import check_batch

    with pytest.raises(errors.InvalidDagFile, match=r"x.py is a folder in this deploy \(x.py/inner.py\)"):
        check_batch([dag_source("x.py", "# x\n"), dag_source("x.py/inner.py", "# inner\n")])
    with pytest.raises(errors.DagIdClash, match=r"DAG id 'twice' is defined in both a.py and b.py.*nothing was uploaded"):
        check_batch(
            [
                dag_source("a.py", "from airflow import DAG\nDAG('twice')\n"),
                dag_source("b.py", "from airflow import DAG\nDAG('twice')\n"),
            ]
        )
    check_batch([dag_source("x.py", "# x\n"), dag_source("x.pyc/inner.py", "# a prefix, not a folder of x.py\n")])


@pytest.mark.parametrize(
    "given, message",
    [
        ("~nosuchuser_mwaa/x.py", "no user"),
        ("/tmp/" + "p" * 300 + ".py", "too long"),
        ("/tmp/" + "q" * 300 + "/x.py", "too long"),
    ],
)
def test_paths_that_cannot_be_read_are_one_line(given, message):
    with pytest.raises(errors.InvalidDagFile, match=message):
        sources_from_paths([given])


@pytest.mark.parametrize(
    "args, kwargs, error, message",
    [
        ((b"\xff\xfe",), {"filename": "b.py"}, errors.InvalidDagFile, "not UTF-8"),
        (("x" * 300,), {}, errors.InvalidDagFile, "No DAG id found"),
        (("x" * 300,), {"filename": "x.py"}, errors.InvalidDagFile, None),
        ((42,), {}, errors.InvalidDagFile, "takes DAG source text"),
        (("from airflow import DAG\nDAG('" + "d" * 300 + "')\n",), {}, errors.InvalidDagFile, "longer than 200 bytes"),
        (("from airflow import DAG\nDAG('a')\n",), {"filename": 3}, errors.InvalidDagFile, "Give the DAG file a name"),
    ],
)
def test_deploy_input_refuses_in_one_line(args, kwargs, error, message):
    if message is None:  # 300 x's are a valid (if odd) Python expression: no error at all
        assert deploy_input(*args, **kwargs)[0].name == "x.py"
        return
    with pytest.raises(error, match=message) as caught:
        deploy_input(*args, **kwargs)
    assert "\n" not in caught.value.message


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf"), -1, 0, 1e12, "soon", True, None, [5]])
def test_timeouts_are_finite_positive_and_bounded(value):
    from mwaa_magic.core.dagloop import DeployOptions, check_seconds

    with pytest.raises(errors.InvalidOption, match="timeout must be") as caught:
        if value is None:
            check_seconds(value)
        else:
            DeployOptions(timeout=value)
    assert "\n" not in caught.value.message
    assert DeployOptions(timeout=5).parse_timeout == 5.0 and DeployOptions().parse_timeout == 300.0


def test_deploy_options_are_checked_once():
    from mwaa_magic.core.dagloop import DeployOptions

    with pytest.raises(errors.InvalidOption, match="--trigger needs the parse"):
        DeployOptions(trigger=True, wait=False)
    with pytest.raises(errors.InvalidOption, match="force must be True or False"):
        DeployOptions(force="yes")  # type: ignore[arg-type]
    with pytest.raises(errors.InvalidOption, match="conf must be a dict"):
        DeployOptions(conf=[1])  # type: ignore[arg-type]


def test_check_name_property():
    """Generated names: every one is refused in one line, or comes back as a name every DAG folder can hold."""
    import unicodedata

    from hypothesis import given, settings
    from hypothesis import strategies as st

    part = st.one_of(
        st.text(min_size=1, max_size=40),
        st.text(alphabet="aé\u0301-_.", min_size=1, max_size=260),
        st.sampled_from(["..", ".", "", "x.py", "café.py", unicodedata.normalize("NFD", "café.py"), "a" * 201]),
    )

    tally = {"refused": 0, "accepted": 0}

    @settings(max_examples=250, deadline=None, derandomize=True)
    @given(st.lists(part, min_size=1, max_size=6), st.booleans())
    def check(parts: list[str], dag: bool) -> None:
        name = "/".join(parts)
        try:
            checked = check_name(name, dag=dag)
        except errors.InvalidDagFile as exc:
            assert exc.message and "\n" not in exc.message
            tally["refused"] += 1
            return
        tally["accepted"] += 1
        assert checked == unicodedata.normalize("NFC", checked)
        assert len(checked.encode()) <= 1000
        for piece in checked.split("/"):
            assert piece not in ("", ".", "..") and not piece.startswith(".") and len(piece.encode()) <= 200
            assert piece.isprintable() and "\\" not in piece

    check()
    print(f"generated names: {tally}")
    assert tally["refused"] and tally["accepted"]


def test_airflow_paths_are_matched_by_their_whole_path():
    assert file_of("dir/same.py", ["same.py"]) == "dir/same.py"  # Airflow 3: relative to the DAG folder, as it is
    assert file_of("/usr/local/airflow/dags/dir/same.py", ["same.py", "dir/same.py"]) == "dir/same.py"
    assert file_of("/usr/local/airflow/dags/same.py", ["same.py", "dir/same.py"]) == "same.py"
