"""Shared fixtures: the local MWAA emulator (real Airflow) from mwaa_magic's own pytest plugin, an IPython
shell pointed at it, and for browser tests (``lab_helpers``) a real JupyterLab in headless Debian chromium."""

import asyncio
import os

import pytest

pytest_plugins = ["mwaa_magic.emulator.pytest_plugin", "lab_helpers", "secret_scan"]


@pytest.fixture
def shell():
    """A real IPython InteractiveShell with mwaa_magic loaded; its sessions and settings forgotten afterwards.

    The one shell of every tier: a test module or tier points it somewhere by overriding ``shell`` with a
    fixture that takes ``shell`` and its AWS set-up (the fast tier: the control plane and the stub web server).
    """
    from IPython.core.interactiveshell import InteractiveShell

    from mwaa_magic.kernel.registry import sessions

    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "mwaa_magic")
    yield ip
    for alias, _ in sessions.items():
        sessions.remove(alias)
        ip.user_ns.pop(alias, None)
    ip.run_line_magic("config", "MwaaMagics.debug = False")


@pytest.fixture
def ipython(mwaa_env, shell):
    """The shell, pointed at the emulator (real Airflow)."""
    return shell


@pytest.fixture
def jp_asyncio_loop(request):
    """pytest-jupyter's event loop (its plugin makes this autouse once a server test module loads it), except in
    browser tests: sync Playwright runs a loop of its own there, which pytest-jupyter's would pick up and then
    fail to close ("Cannot close a running event loop")."""
    if request.node.get_closest_marker("browser") or {"page", "browser"} & set(request.fixturenames):
        loop = asyncio.new_event_loop()
    else:
        from jupyter_core.utils import ensure_event_loop

        loop = ensure_event_loop(prefer_selector_loop=True)
    yield loop
    loop.close()


@pytest.fixture(autouse=True)
def _no_server_base_url():
    """No base URL a Jupyter server told its kernels: one from the shell running pytest (a Jupyter terminal), or
    from a server a test started in this process (pytest-jupyter loads the extension, which sets it), is forgotten."""
    os.environ.pop("MWAA_MAGIC_JUPYTER_BASE_URL", None)
    yield
    os.environ.pop("MWAA_MAGIC_JUPYTER_BASE_URL", None)
