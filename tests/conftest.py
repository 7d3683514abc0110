"""Shared fixtures: the local MWAA emulator (real Airflow) from mwaa_magic's own pytest plugin, an IPython
shell pointed at it, and for browser tests (``lab_helpers``) a real JupyterLab in headless Debian chromium."""

import asyncio

import pytest

pytest_plugins = ["mwaa_magic.emulator.pytest_plugin", "lab_helpers", "secret_scan"]


@pytest.fixture
def ipython(mwaa_env):
    """A real IPython InteractiveShell with mwaa_magic loaded, pointed at the emulator."""
    from IPython.core.interactiveshell import InteractiveShell

    from mwaa_magic.kernel.registry import sessions

    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "mwaa_magic")
    yield shell
    for alias, _ in sessions.items():
        sessions.remove(alias)
        shell.user_ns.pop(alias, None)
    shell.run_line_magic("config", "MwaaMagics.debug = False")


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
