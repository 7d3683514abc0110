"""What the local gate needs of an environment: the Airflow release it announces (GetEnvironment's
``AirflowVersion``) and the requirements.txt it runs (the applied version from its bucket), read once per check."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..core import errors


@dataclass(frozen=True)
class Runtime:
    """The release and the requirements.txt text (None: the environment has none) of one environment."""

    version: str
    requirements: str | None = None
    requirements_path: str = ""
    note: str = ""  # why the requirements are not there (they could not be read)


def runtime_of(session: Any) -> Runtime:
    """``session``'s (an :class:`~mwaa_magic.core.session.AirflowSession`) environment's release and requirements.
    The requirements file is read from S3 only when GetEnvironment names one (one GetObject); when S3 refuses
    that read, the check runs without it (``note`` says so)."""
    info = session.environment.details()
    version = info.airflow_version or session.info.airflow_version or ""
    key = info.s3.get("RequirementsS3Path") or ""
    if not key:
        return Runtime(version)
    try:
        body = session.dag_folder.read_key(key, info.s3.get("RequirementsS3ObjectVersion") or None)
    except errors.Denied:  # no s3:GetObject on it: check without, say so (the deploy then says what S3 refused)
        return Runtime(
            version, None, key, f"cannot read {key} (no s3:GetObject): checking without the environment's requirements"
        )
    return Runtime(version, body.decode("utf-8", errors="replace"), key)
