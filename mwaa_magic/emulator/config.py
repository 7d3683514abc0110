"""What the emulator serves: environments, identities and ports, from a TOML file or Python."""

from __future__ import annotations

import hashlib
import ipaddress
import tomllib
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from .releases import DEFAULT_RELEASE, release_for

AIRFLOW_ROLES = ("Admin", "Op", "User", "Viewer", "Public")
ENVIRONMENT_STATUSES = (
    "CREATING",
    "CREATE_FAILED",
    "AVAILABLE",
    "UPDATING",
    "DELETING",
    "DELETED",
    "UNAVAILABLE",
    "UPDATE_FAILED",
    "ROLLING_BACK",
    "CREATING_SNAPSHOT",
    "PENDING",
    "MAINTENANCE",
)
ACCESS_MODES = ("PUBLIC_ONLY", "PRIVATE_ONLY", "PUBLIC_AND_PRIVATE")
# The release each Airflow major runs by default (an environment announcing a release outside
# ``releases.RELEASES``); every release the emulator runs, and how, is in releases.py.
SUPPORTED_AIRFLOW = {str(major): version for major, version in DEFAULT_RELEASE.items()}


@dataclass
class EnvironmentConfig:
    """One MWAA environment."""

    name: str
    airflow_version: str = "3.0.6"
    status: str = "AVAILABLE"
    region: str = ""
    webserver_access_mode: str = "PUBLIC_ONLY"
    tags: dict[str, str] = field(default_factory=dict)
    hostname: str = ""  # generated when empty; may be set to anything (hostile-server tests)
    web_port: int = 0  # port of its web server on 127.0.0.1; 0 picks a free one

    @property
    def airflow_major(self) -> int:
        return int(self.airflow_version.split(".")[0])

    @property
    def backend_version(self) -> str:
        """The Airflow release that really runs behind this environment (``releases.release_for``): the one it
        announces when ``releases.RELEASES`` has it, e.g. 2.11.2 or 3.3.1."""
        return release_for(self.airflow_version).version

    def validate(self) -> None:
        if self.status not in ENVIRONMENT_STATUSES:
            raise ValueError(f"environment {self.name}: unknown status {self.status!r}")
        if self.webserver_access_mode not in ACCESS_MODES:
            raise ValueError(f"environment {self.name}: unknown access mode {self.webserver_access_mode!r}")
        if str(self.airflow_major) not in SUPPORTED_AIRFLOW:
            raise ValueError(f"environment {self.name}: Airflow {self.airflow_version} is not supported")


@dataclass
class IdentityConfig:
    """An access key pair and who it is: its IAM identity and its Airflow role per environment."""

    access_key_id: str
    secret_access_key: str
    iam_identity: str  # e.g. assumed-role/Admin/alice
    roles: dict[str, str] = field(default_factory=dict)  # environment name (or "*") -> Airflow role
    deny: list[str] = field(default_factory=list)  # IAM actions refused, e.g. "airflow:GetEnvironment"

    def role_for(self, environment: str) -> str | None:
        return self.roles.get(environment, self.roles.get("*"))

    def may(self, action: str) -> bool:
        return action not in self.deny and f"airflow:{action}" not in self.deny


@dataclass
class EmulatorConfig:
    """The whole emulator: region, account, ports, environments and identities."""

    region: str = "us-east-1"
    account_id: str = "123456789012"
    host: str = "127.0.0.1"
    port: int = 0  # control plane port; 0 picks a free one
    environments: list[EnvironmentConfig] = field(default_factory=list)
    identities: list[IdentityConfig] = field(default_factory=list)
    s3_port: int = 0  # the S3 server (moto) on ``host``; 0 picks a free one
    dag_sync_interval: float = 1.0  # seconds between copies of the buckets' DAG folders into Airflow (a knob too)
    dag_rescan_interval: int = 2  # seconds between Airflow's scans of its DAG folder for new/changed/deleted files
    # ``Host`` values every port also answers to (beside 127.0.0.1, localhost and [::1] with its own port), e.g.
    # "localhost:9000" behind a port forward; any other name is refused (DNS rebinding: guard.py)
    allowed_hosts: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        for env in self.environments:
            env.region = env.region or self.region
            env.validate()
            env.hostname = env.hostname or default_hostname(env)

    def environment(self, name: str, region: str) -> EnvironmentConfig | None:
        return next((e for e in self.environments if e.name == name and e.region == region), None)

    def identity(self, access_key_id: str) -> IdentityConfig | None:
        return next((i for i in self.identities if i.access_key_id == access_key_id), None)

    def backend_versions(self) -> list[str]:
        """Airflow releases needed by the AVAILABLE environments."""
        return sorted({e.backend_version for e in self.environments if e.status == "AVAILABLE"}, reverse=True)

    @classmethod
    def from_dict(cls, data: dict) -> EmulatorConfig:
        data = dict(data)
        envs = [EnvironmentConfig(**e) for e in data.pop("environments", [])]
        ids = [IdentityConfig(**i) for i in data.pop("identities", [])]
        return cls(environments=envs, identities=ids, **data)

    @classmethod
    def from_file(cls, path: str | Path) -> EmulatorConfig:
        with open(path, "rb") as f:
            return cls.from_dict(tomllib.load(f))

    @classmethod
    def default(cls) -> EmulatorConfig:
        return cls.from_file(Path(__file__).with_name("default.toml"))


def is_loopback(host: str) -> bool:
    """Whether listening on ``host`` keeps a server to this machine (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def default_hostname(env: EnvironmentConfig) -> str:
    """A stable hostname shaped like MWAA's (``*.on.aws`` for Airflow 3, ``*.amazonaws.com`` before: releases.py)."""
    digest = hashlib.sha256(f"{env.region}/{env.name}".encode()).digest()
    template = release_for(env.airflow_version).line.front.hostname
    return template.format(id=uuid.UUID(bytes=digest[:16]), region=env.region, cell=digest[16] % 80)
