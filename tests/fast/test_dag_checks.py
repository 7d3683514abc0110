"""The DAG loop's local checks (no call): file names, syntax, DAG ids found statically, Airflow paths, flavours."""

from __future__ import annotations

import pytest

from mwaa_magic.core import errors
from mwaa_magic.core.deploy import check_name, dag_source, deploy_input, file_of, find_dag_ids, source_name, sources_from_paths
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
