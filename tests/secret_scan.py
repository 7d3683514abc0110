"""A whole-suite secret scan (pytest plugin): every record logged in the test process at DEBUG, by every library,
goes to a file; after each test the tokens, cookies and JWTs the emulators (and the fast tier's stub) issued
are collected; at the end every file the tests wrote under pytest's base temp (that log, executed notebooks,
Jupyter and emulator logs) is scanned for them. One leak fails the run; the counts go to
``test-output/secret-scan.json``.
"""

from __future__ import annotations

import contextlib
import json
import logging
from pathlib import Path

import pytest

from mwaa_magic.emulator.pytest_plugin import RUNNING
from mwaa_magic.emulator.secret_scan import leaks

ISSUED: set[str] = set()
# Tests of the emulator itself call it with raw boto3/httpx (their subject is the server, not mwaa_magic):
# what those libraries log there is not mwaa_magic's doing, so those tests' records are left out.
RAW_CLIENT_MODULES = ("test_emulator_",)
_capturing = {"on": True}
REPORT = Path(__file__).resolve().parents[1] / "test-output" / "secret-scan.json"


@pytest.fixture(scope="session", autouse=True)
def debug_log_of_everything(tmp_path_factory):
    """The root logger at DEBUG into ``debug.log``, as ``logging.basicConfig(level=DEBUG)`` would show it."""
    path = tmp_path_factory.getbasetemp() / "debug.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    handler.addFilter(lambda record: _capturing["on"])
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield path
    root.removeHandler(handler)
    handler.close()
    root.setLevel(level)


@pytest.fixture(autouse=True)
def collect_issued_secrets(request):
    _capturing["on"] = not request.module.__name__.startswith(RAW_CLIENT_MODULES)
    yield
    _capturing["on"] = True
    for running in list(RUNNING):
        with contextlib.suppress(Exception):
            ISSUED.update(running.admin.secrets())


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not ISSUED or not hasattr(session.config, "_tmp_path_factory"):
        return
    base = session.config._tmp_path_factory.getbasetemp()
    files, size, found = leaks(base, ISSUED)
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(
        json.dumps({"secrets_issued": len(ISSUED), "files_scanned": files, "bytes_scanned": size, "leaks": found}, indent=1)
    )
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter:
        reporter.write_line(
            f"secret scan: {len(ISSUED)} issued secrets, {files} files ({size / 1e6:.1f} MB) under "
            f"{base}: {sum(found.values())} found"
        )
    if found:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if reporter:
            reporter.write_line(f"SECRET LEAK: {found}", red=True)
