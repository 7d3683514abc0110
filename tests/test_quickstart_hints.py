"""An emulator started without moto (no S3, so no DAG loop) says so on the terminal: `python -m mwaa_magic.emulator
up` on its stderr, and scripts/quickstart's `start_emulator` (scripts/_setup.sh), which keeps `up`'s output in a
log it deletes later, copies the hint to the terminal.

moto is hidden from the emulator's Python by a sitecustomize.py that refuses to import it (the cheapest honest
"installed without the emulator extra"); the emulator runs without Airflow (`--no-airflow`): seconds, no Airflow.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
HINT = "mwaa_magic.emulator: no S3 (the DAG loop needs it): pip install 'mwaa_magic[emulator]'"
NO_MOTO = """import sys


class NoMoto:
    \"\"\"moto is not installed, as far as this interpreter knows.\"\"\"

    def find_spec(self, name, path=None, target=None):
        if name == "moto" or name.startswith("moto."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, NoMoto())
"""
OPTIONS = ["--no-airflow", "--port", "0", "--state-file", ""]


@pytest.fixture
def without_moto(tmp_path) -> dict[str, str]:
    """The environment of a Python that cannot import moto (and imports this checkout)."""
    site = tmp_path / "no-moto"
    site.mkdir()
    (site / "sitecustomize.py").write_text(NO_MOTO)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), str(REPO), env.get("PYTHONPATH")]))
    probe = subprocess.run([sys.executable, "-c", "import moto"], env=env, capture_output=True, text=True)
    assert probe.returncode != 0 and "No module named 'moto'" in probe.stderr, probe.stderr
    return env


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(30)


def test_emulator_up_without_moto_prints_the_hint_on_stderr(without_moto):
    process = subprocess.Popen(
        [sys.executable, "-m", "mwaa_magic.emulator", "up", *OPTIONS],
        env=without_moto,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        for line in process.stdout:  # type: ignore[union-attr]
            if line.startswith("# ready"):
                break
        else:
            pytest.fail(f"the emulator did not start: {process.stderr.read()}")  # type: ignore[union-attr]
    finally:
        stop(process)
    stderr = process.stderr.read()  # type: ignore[union-attr]
    assert HINT in stderr.splitlines(), stderr


def test_quickstart_start_emulator_copies_the_hint_to_the_terminal(without_moto, tmp_path):
    """`start_emulator`, as scripts/quickstart and scripts/test-quickstart call it (the venv already active)."""
    script = f"""
        source scripts/_setup.sh
        log={tmp_path / "emulator.log"}
        start_emulator {" ".join(repr(a) if a else "''" for a in OPTIONS)}
        kill "$emulator"; wait "$emulator" || true
    """
    env = {**without_moto, "VIRTUAL_ENV": sys.prefix}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env["PATH"]])  # `python` is this one
    done = subprocess.run(["bash", "-c", script], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert HINT in done.stderr.splitlines(), done.stderr
    assert HINT in (tmp_path / "emulator.log").read_text()
