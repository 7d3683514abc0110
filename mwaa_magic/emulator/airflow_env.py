"""Where the emulator's Airflow lives (venvs, template databases) and the environment its processes run with.

Shared by ``install`` (which creates them) and ``airflow_backend`` (which runs them).
"""

from __future__ import annotations

import os
import socket
from pathlib import Path


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
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL",
            "PIP_FIND_LINKS", "PIP_CONFIG_FILE", "PIP_CACHE_DIR", "PIP_NO_CACHE_DIR", "PIP_CERT", "SSL_CERT_FILE",
            "SSL_CERT_DIR", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy")
    return {k: v for k, v in os.environ.items() if k in keep or k.startswith("UV_")}


def dags_folder() -> Path:
    return Path(__file__).with_name("dags")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def airflow_environment(version: str, home: Path, db: Path, port: int, secret: str,
                        cache_dir: Path | None = None) -> dict[str, str]:
    """The environment variables every Airflow process of this backend runs with."""
    venv = venv_dir(version, cache_dir)
    env = base_env()
    env.update({
        "PATH": f"{venv / 'bin'}:{env.get('PATH', '/usr/bin:/bin')}",
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{db}",
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder()),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__PARALLELISM": "2",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",  # task logs are read back through the REST API
        # No log server runs (`--skip-serve-logs`: Airflow's binds every interface, with no setting for the
        # address); the web server reads task logs from the shared folder. Its tries for running tasks go to
        # free ports, never to another program's server.
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
    })
    if version.startswith("3."):
        env.update({
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
            "AIRFLOW__CORE__AUTH_MANAGER":
                "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin,op:op,user:user,viewer:viewer",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
            "AIRFLOW__API_AUTH__JWT_SECRET": secret,
            "AIRFLOW__API_AUTH__JWT_ISSUER": "mwaa-emulator",
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}/",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        })
    else:
        env.update({
            "AIRFLOW__CORE__EXECUTOR": "SequentialExecutor",
            "AIRFLOW__WEBSERVER__SECRET_KEY": secret,
            "AIRFLOW__WEBSERVER__WORKERS": "1",
            "AIRFLOW__WEBSERVER__WORKER_REFRESH_BATCH_SIZE": "0",
            "AIRFLOW__WEBSERVER__SESSION_LIFETIME_MINUTES": "1440",
            "AIRFLOW__WEBSERVER__AUTH_RATE_LIMITED": "False",
            "AIRFLOW__FAB__AUTH_RATE_LIMITED": "False",
            "AIRFLOW__WEBSERVER__WARN_DEPLOYMENT_EXPOSURE": "False",
            "AIRFLOW__API__AUTH_BACKENDS": "airflow.api.auth.backend.session",
            "AIRFLOW__SCHEDULER__DAG_DIR_LIST_INTERVAL": "10",
        })
    return env
