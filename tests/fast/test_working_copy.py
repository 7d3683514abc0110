"""scripts/_working_copy.py: the quickstart's copy of the sample notebooks keeps the user's edits across runs."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "_working_copy.py"
_spec = importlib.util.spec_from_file_location("_working_copy", SCRIPT)
assert _spec and _spec.loader
working_copy = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(working_copy)


def _shipped(tmp_path: Path, **files: str) -> Path:
    shipped = tmp_path / "notebooks"
    shipped.mkdir(exist_ok=True)
    for name, text in files.items():
        (shipped / f"{name}.ipynb").write_text(text)
    return shipped


def test_first_run_copies_every_notebook_and_a_second_run_says_nothing(tmp_path):
    shipped = _shipped(tmp_path, a="A1", b="B1")
    work = tmp_path / "home" / "mwaa-magic-notebooks"
    assert working_copy.sync(shipped, work) == [f"copied a.ipynb, b.ipynb to {work}"]
    assert (work / "a.ipynb").read_text() == "A1" and (work / "b.ipynb").read_text() == "B1"
    assert working_copy.sync(shipped, work) == []


def test_an_edited_copy_is_kept_and_the_change_reported_once(tmp_path):
    shipped = _shipped(tmp_path, a="A1")
    work = tmp_path / "work"
    working_copy.sync(shipped, work)
    (work / "a.ipynb").write_text("A1 with my outputs")
    assert working_copy.sync(shipped, work) == []  # an edit alone: nothing to say
    _shipped(tmp_path, a="A2")
    (message,) = working_copy.sync(shipped, work)
    assert "notebooks/a.ipynb changed in the repository" in message and "is kept" in message
    assert (work / "a.ipynb").read_text() == "A1 with my outputs"
    assert working_copy.sync(shipped, work) == []  # once


def test_an_untouched_copy_follows_the_repository_and_a_deleted_one_comes_back(tmp_path):
    shipped = _shipped(tmp_path, a="A1", b="B1")
    work = tmp_path / "work"
    working_copy.sync(shipped, work)
    _shipped(tmp_path, a="A2", c="C1")
    (work / "b.ipynb").unlink()
    assert working_copy.sync(shipped, work) == [
        f"copied b.ipynb, c.ipynb to {work}",
        f"updated a.ipynb in {work} (changed in the repository, unchanged by you)",
    ]
    assert [(work / n).read_text() for n in ("a.ipynb", "b.ipynb", "c.ipynb")] == ["A2", "B1", "C1"]


def test_a_copy_made_before_the_record_is_treated_as_the_users(tmp_path):
    shipped = _shipped(tmp_path, a="A2")
    work = tmp_path / "work"
    work.mkdir()
    (work / "a.ipynb").write_text("mine")
    assert "is kept" in working_copy.sync(shipped, work)[0]
    assert (work / "a.ipynb").read_text() == "mine"
