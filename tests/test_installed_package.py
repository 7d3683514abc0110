"""The package a user installs: the wheel and sdist that ``python -m build`` makes from a clean copy of this tree
(npm builds the lab extension there), the wheel installed into a new virtual environment with no node on PATH,
and JupyterLab run from that environment in headless Debian chromium against the emulator.

Slow (a few minutes: npm install and build in the copy, a virtual environment with JupyterLab). It needs npm, the
``build`` package (test extra) and the package index (or pip's cache) for the build backend and JupyterLab.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from lab_helpers import REPO, assert_airflow_logged_in, missing, needs_airflow, new_notebook, open_lab, run_cell, shot, start_lab

pytestmark = pytest.mark.browser

LABEXT = "share/jupyter/labextensions/mwaa-magic"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def run(command: list[str], **kwargs) -> str:
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{command[:4]} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return ANSI.sub("", result.stdout + result.stderr)


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """wheel and sdist built by ``python -m build`` from a copy of the tree as git sees it (no build, no node_modules)."""
    if importlib.util.find_spec("build") is None:
        missing("the build package is missing: pip install -e '.[test]'")
    if not shutil.which("npm"):
        missing("npm is needed to build the lab extension into the wheel")
    base = tmp_path_factory.mktemp("package")
    source, out = base / "source", base / "dist"
    files = run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=REPO).split("\0")
    for name in filter(None, files):
        if (REPO / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    assert not (source / "mwaa_magic" / "labextension").exists(), "the copy holds no prebuilt extension"
    run([sys.executable, "-m", "build", "--outdir", str(out), str(source)], timeout=1200)
    return out


@pytest.fixture(scope="module")
def wheel(dist) -> Path:
    (found,) = dist.glob("mwaa_magic-*.whl")
    return found


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A new virtual environment with the wheel, JupyterLab and ipykernel; returns its python."""
    venv = tmp_path_factory.mktemp("installed") / "venv"
    run([sys.executable, "-m", "venv", str(venv)])
    python = venv / "bin" / "python"
    run([str(python), "-m", "pip", "install", "-q", str(wheel), "jupyterlab>=4.2,<5", "ipykernel"], timeout=1200)
    return python


def user_env(python: Path, base: Path) -> dict[str, str]:
    """What a user's shell in that environment has: its bin directory on PATH (no node), no other Jupyter dirs."""
    for name in ("config", "data"):
        (base / name).mkdir(parents=True, exist_ok=True)
    return {"PATH": str(python.parent), "HOME": str(base), "JUPYTER_CONFIG_DIR": str(base / "config"),
            "JUPYTER_DATA_DIR": str(base / "data"), "LANG": "C.UTF-8"}


def test_wheel_and_sdist_contents(dist, wheel):
    names = zipfile.ZipFile(wheel).namelist()
    data = f"mwaa_magic-0.1.0.data/data/{LABEXT}"
    for expected in (f"{data}/package.json", f"{data}/install.json", f"{data}/schemas/mwaa-magic/plugin.json",
                     f"{data}/static/style.js",
                     "mwaa_magic-0.1.0.data/data/etc/jupyter/jupyter_server_config.d/mwaa_magic.json",
                     "mwaa_magic/server/routes.py", "mwaa_magic/emulator/default.toml"):
        assert expected in names, expected
    assert any(re.fullmatch(rf"{data}/static/remoteEntry\.[0-9a-f]+\.js", n) for n in names)
    assert not [n for n in names if "node_modules" in n or n.endswith(".ts") or "/tests/" in n]
    (sdist,) = dist.glob("mwaa_magic-*.tar.gz")
    with tarfile.open(sdist) as archive:
        members = [m.name.split("/", 1)[1] for m in archive.getmembers() if "/" in m.name]
    for expected in ("labextension/package.json", "labextension/package-lock.json", "labextension/install.json",
                     "labextension/schema/plugin.json", "labextension/src/index.ts", "pyproject.toml"):
        assert expected in members, expected
    assert not [m for m in members if "node_modules" in m]
    print(f"\nwheel {wheel.name}: {wheel.stat().st_size} bytes, {len(names)} files; sdist {sdist.stat().st_size} bytes")


def test_installed_extensions_are_listed_without_node(installed, tmp_path):
    env = user_env(installed, tmp_path)
    assert shutil.which("node", path=env["PATH"]) is None, "node must not be on the user's PATH"
    jupyter = str(installed.parent / "jupyter")
    labext = run([jupyter, "labextension", "list"], env=env)
    assert re.search(r"mwaa-magic v0\.1\.0 +enabled +OK +\(python, mwaa_magic\)", labext), labext
    assert str(installed.parent.parent / LABEXT.rsplit("/", 1)[0]) in labext, "installed in the environment's share/"
    server = run([jupyter, "server", "extension", "list"], env=env)
    assert re.search(r"mwaa_magic\.server +enabled", server), server


def test_installed_lab_card_and_picker(browser, installed, mwaa_emulator, tmp_path):
    needs_airflow(mwaa_emulator)
    lab = start_lab(mwaa_emulator, tmp_path, python=str(installed))
    try:
        page = open_lab(browser, lab)
        assert page.evaluate("() => window.jupyterapp.hasPlugin('mwaa-magic:plugin')")
        new_notebook(page)
        run_cell(page, "import mwaa_magic; print(mwaa_magic.__file__)")
        where = page.locator(".jp-OutputArea-output").first.inner_text()
        assert where.startswith(str(installed.parent.parent)) and "site-packages" in where, where

        run_cell(page, "%load_ext mwaa_magic\n%mwaa_login demo-airflow3")
        card = page.locator(".jp-OutputArea-output .mwaa-card")
        card.wait_for(state="visible", timeout=120_000)
        with page.expect_popup() as popup_info:
            card.locator(".mwaa-open-ui").click()
        assert_airflow_logged_in(popup_info.value, 3)
        popup_info.value.close()

        page.evaluate("() => { const nb = window.jupyterapp.shell.currentWidget.content;"
                      " nb.activeCellIndex = nb.widgets.length - 1; }")
        run_cell(page, "%mwaa_login --region us-east-1")
        picker = page.locator(".mwaa-env-picker")
        picker.locator("button.mwaa-picker-env", has_text="demo-airflow3").wait_for(state="visible", timeout=60_000)
        assert "UPDATING" in picker.inner_text()
        shot(page, "installed-wheel-lab")
        page.context.close()
    finally:
        lab.stop()
    log = lab.log.read_text()
    assert "mwaa_magic.server | extension was successfully loaded" in log, "enabled by the installed config file"
