"""Sphinx configuration of mwaa_magic's documentation (MyST Markdown pages, sample notebooks through myst-nb).

The sample notebooks are stored without outputs. The pages render the executed copies that
``scripts/test-quickstart`` saved (secret-scanned) in ``build/executed-notebooks``, or the folder
``MWAA_MAGIC_EXECUTED_NOTEBOOKS`` names. Without them the notebooks are rendered without outputs, with a warning
on stderr; ``MWAA_MAGIC_DOCS_REQUIRE_OUTPUTS=1`` (CI) makes that an error.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

from sphinx.util import logging

ROOT = Path(__file__).resolve().parents[1]
EXECUTED = Path(os.environ.get("MWAA_MAGIC_EXECUTED_NOTEBOOKS") or ROOT / "build" / "executed-notebooks")
RENDERED = Path(__file__).resolve().parent / "notebooks"  # generated here at each build (git-ignored)
# Pages other features write (docs/<page>.md), named in index.md's "More" toctree: one not written yet is left out.
OPTIONAL_PAGES = ("local-gate", "requirements", "upgrade", "versions", "team")
LAB_ONLY_MIME = "application/vnd.mwaa.login+json"  # the login card's data for the JupyterLab renderer; its text/html stays


def _has_outputs(path: Path) -> bool:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return any(cell.get("outputs") for cell in cells if cell["cell_type"] == "code")


def _copy_for_the_web(source: Path, target: Path) -> None:
    """``source`` without the output data only the JupyterLab extension renders (a static page shows its HTML)."""
    notebook = json.loads(source.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            output.get("data", {}).pop(LAB_ONLY_MIME, None)
    target.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _gather_notebooks() -> str:
    """Copy the sample notebooks, executed when possible, to where the pages' toctree finds them; what is missing."""
    names = sorted(path.name for path in (ROOT / "notebooks").glob("*.ipynb"))
    executed = [EXECUTED / name for name in names if (EXECUTED / name).is_file() and _has_outputs(EXECUTED / name)]
    if len(executed) < len(names):
        missing = sorted(set(names) - {path.name for path in executed})
        message = (
            f"docs: no executed copy (with outputs) of {', '.join(missing)} in {EXECUTED}: "
            "those notebooks are rendered WITHOUT outputs (scripts/test-quickstart saves executed copies)"
        )
        if os.environ.get("MWAA_MAGIC_DOCS_REQUIRE_OUTPUTS") != "1":  # else a Sphinx warning: an error under -W
            print(f"WARNING: {message}", file=sys.stderr)
            message = ""
    else:
        message = ""
    shutil.rmtree(RENDERED, ignore_errors=True)
    RENDERED.mkdir()
    for name in names:
        source = EXECUTED / name if EXECUTED / name in executed else ROOT / "notebooks" / name
        _copy_for_the_web(source, RENDERED / name)
    return message


MISSING_OUTPUTS = _gather_notebooks()

project = "mwaa_magic"
author = "The mwaa_magic team"
copyright = "The mwaa_magic team, Apache-2.0"
version = release = json.loads((ROOT / "labextension" / "package.json").read_text())["version"]

extensions = ["myst_nb"]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3  # [text](page.md#a-heading) links are checked
nb_execution_mode = "off"  # outputs come from scripts/test-quickstart's run, never from the network or AWS
nb_output_stderr = "show"

exclude_patterns = ["ARCHITECTURE.md", "screenshots/README.md"]  # included by architecture.md / development.md
# The sample notebooks' own headings skip levels (# then ###) in cli-and-troubleshooting.ipynb: allowed.
suppress_warnings = ["myst.header"]
nitpicky = True

html_theme = "furo"
html_title = f"mwaa_magic {release}"
html_static_path: list[str] = []
html_copy_source = False  # the executed notebooks are rendered, not offered as downloads
html_show_sourcelink = False


def _drop_unwritten_pages(app, docname: str, source: list[str]) -> None:
    """index.md's toctree without the lines of OPTIONAL_PAGES that do not exist (yet)."""
    if docname == "index":
        here = Path(app.srcdir)
        unwritten = {page for page in OPTIONAL_PAGES if not (here / f"{page}.md").is_file()}
        source[0] = "\n".join(line for line in source[0].split("\n") if line.strip() not in unwritten)


def setup(app) -> None:
    """Optional pages; with MWAA_MAGIC_DOCS_REQUIRE_OUTPUTS=1, a notebook without outputs is a warning (an error under -W)."""
    app.connect("source-read", _drop_unwritten_pages)
    if MISSING_OUTPUTS:
        app.connect("builder-inited", lambda app: logging.getLogger("mwaa_magic.docs").warning(MISSING_OUTPUTS))
