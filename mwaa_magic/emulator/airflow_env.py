"""Where the emulator's Airflow lives (venvs, template databases) and the environment its processes run with.

Shared by ``install`` (which creates them) and ``airflow_backend`` (which runs them).
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from .releases import recipe


def cache_root(cache_dir: Path | None = None) -> Path:
    """``cache_dir``, else ``$MWAA_EMULATOR_CACHE``, else ``~/.cache/mwaa-magic``."""
    if cache_dir is not None:
        return Path(cache_dir)
    return Path(os.environ.get("MWAA_EMULATOR_CACHE") or Path.home() / ".cache" / "mwaa-magic")


def venv_dir(version: str, cache_dir: Path | None = None) -> Path:
    return cache_root(cache_dir) / f"airflow-{version}"


def template_dir(version: str, cache_dir: Path | None = None) -> Path:
    """Holds ``airflow.db`` (migrated, DAGs serialized, users created on 2.x) and ``users.json``."""
    return cache_root(cache_dir) / "templates" / f"airflow-{version}"


def base_env() -> dict[str, str]:
    """The variables of this process an Airflow process (or pip, uv) may inherit: paths, locale, package
    indexes, certificates and proxies (pip's, and every ``UV_`` setting)."""
    keep = (
        "PATH",
        "HOME",
        "LANG",
        "LC_ALL",
        "TMPDIR",
        "TZ",
        "PIP_INDEX_URL",
        "PIP_EXTRA_INDEX_URL",
        "PIP_FIND_LINKS",
        "PIP_CONFIG_FILE",
        "PIP_CACHE_DIR",
        "PIP_NO_CACHE_DIR",
        "PIP_CERT",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "NO_PROXY",
        "http_proxy",
        "https_proxy",
        "no_proxy",
    )
    return {k: v for k, v in os.environ.items() if k in keep or k.startswith("UV_")}


def dags_folder() -> Path:
    return Path(__file__).with_name("dags")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def airflow_environment(
    version: str, home: Path, db: Path, port: int, secret: str, cache_dir: Path | None = None, venv: Path | None = None
) -> dict[str, str]:
    """The environment variables every Airflow process of this backend runs with: paths here (``venv``: an
    environment's own, else the release's), the rest from the release's recipe in ``releases.py``."""
    venv = venv or venv_dir(version, cache_dir)
    env = base_env()
    env.update(
        {
            "PATH": f"{venv / 'bin'}:{env.get('PATH', '/usr/bin:/bin')}",
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{db}",
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder()),
            # No log server runs (`--skip-serve-logs`: Airflow's binds every interface, with no setting for the
            # address); the web server reads task logs from the shared folder. Its tries for running tasks go to
            # free ports, never to another program's server.
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
        }
    )
    env.update(recipe(version).environment(port, str(home), secret))  # the release's own (releases.py)
    return env
