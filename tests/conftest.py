"""Shared fixtures: the local MWAA emulator (real Airflow) from mwaa_magic's own pytest plugin, an IPython
shell pointed at it, and for browser tests (``lab_helpers``) a real JupyterLab in headless Debian chromium."""

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
