"""The web front's CLI allow-list: which commands and options reach Airflow (no emulator needed)."""

from __future__ import annotations

import json
import os
import shlex
import subprocess

import pytest

from mwaa_magic.emulator.airflow_env import venv_dir
from mwaa_magic.emulator.config import SUPPORTED_AIRFLOW
from mwaa_magic.emulator.install import is_installed
from mwaa_magic.emulator.webserver import CLI_OPTIONS, cli_command, cli_refusal


def refusal(command: str) -> str | None:
    argv = shlex.split(command)
    return cli_refusal(cli_command(argv), argv)


@pytest.mark.parametrize("command", [
    "dags list", "dags list -o json", "dags list --output=json", "variables set k 'two words'",
    "variables set offset -5", "variables get k -d fallback", "dags trigger hello_world -c '{\"a\": -1}'",
    "tasks clear hello_world -y -f", "dags list -h", "variables set k -- --subdir", "version",
])
def test_allowed(command):
    assert refusal(command) is None


@pytest.mark.parametrize("command, word", [
    ("dags list --subdir /tmp", "--subdir"), ("dags list -S /tmp", "-S"), ("dags list --subdir=/tmp", "--subdir"),
    ("dags list --sub /tmp", "--sub"), ("dags list -vS/tmp", "-vS/tmp"), ("dags list -S/tmp", "-S/tmp"),
    ("dags test d --dagfile-path f.py", "--dagfile-path"), ("dags test d -f f.py", "-f"),
    ("dags show d --save x.dot", "--save"), ("dags show d -s x.dot", "-s"), ("info --file-io", "--file-io"),
    ("tasks test d t --env-vars {}", "--env-vars"), ("tasks test d t -m", "-m"), ("dags list -ojson", "-ojson"),
    ("variables import vars.json", "variables import"), ("db reset -y", "db reset"), ("", "(empty)"),
])
def test_refused(command, word):
    message = refusal(command)
    assert message and f"'{word}" in message and "not supported by Amazon MWAA" in message


def airflow_options(version: str, tmp_path) -> dict[str, list[str]]:
    """Every command of the real Airflow CLI of ``version`` and its option strings."""
    script = (
        "import argparse, json\n"
        "from airflow.cli.cli_parser import get_parser\n"
        "found = {}\n"
        "def walk(parser, words):\n"
        "    for action in parser._actions:\n"
        "        if isinstance(action, argparse._SubParsersAction):\n"
        "            for name, sub in action.choices.items():\n"
        "                walk(sub, words + [name])\n"
        "        elif words:\n"
        "            found.setdefault(' '.join(words), []).extend(action.option_strings)\n"
        "walk(get_parser(), [])\n"
        "print('OPTIONS=' + json.dumps(found))\n")
    env = {"PATH": os.environ["PATH"], "AIRFLOW_HOME": str(tmp_path / version),
           "AIRFLOW__LOGGING__LOGGING_LEVEL": "ERROR"}
    out = subprocess.run([str(venv_dir(version) / "bin" / "python"), "-c", script], env=env,
                         capture_output=True, text=True, timeout=300, check=True).stdout
    return json.loads(out.split("OPTIONS=", 1)[1])


def test_every_allowed_option_is_a_real_airflow_option(tmp_path):
    """The table has no typos: each command and option exists in Airflow 2.10 or 3.0."""
    versions = [v for v in SUPPORTED_AIRFLOW.values() if is_installed(v)]
    if not versions:
        pytest.skip("no Airflow installed: python -m mwaa_magic.emulator install")
    real: dict[str, set[str]] = {}
    for version in versions:
        for command, options in airflow_options(version, tmp_path).items():
            real.setdefault(command, set()).update(options)
    for command, options in CLI_OPTIONS.items():
        assert command in real, command
        assert options <= real[command], (command, options - real[command])
