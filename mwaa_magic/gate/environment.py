"""What the local gate needs of an environment: the Airflow release it announces (GetEnvironment's
``AirflowVersion``) and the requirements.txt it runs (the applied version from its bucket), read once per check."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Runtime:
    """The release and the requirements.txt text (None: the environment has none) of one environment."""

    version: str
    requirements: str | None = None
    requirements_path: str = ""


def runtime_of(session: Any) -> Runtime:
    """``session``'s (an :class:`~mwaa_magic.core.session.AirflowSession`) environment's release and requirements.
    The requirements file is read from S3 only when GetEnvironment names one (one GetObject)."""
    info = session.environment.details()
    version = info.airflow_version or session.info.airflow_version or ""
    key = info.s3.get("RequirementsS3Path") or ""
    if not key:
        return Runtime(version)
    body = session.dag_folder.read_key(key, info.s3.get("RequirementsS3ObjectVersion") or None)
    return Runtime(version, body.decode("utf-8", errors="replace"), key)
