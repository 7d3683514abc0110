"""Every difference between the Airflow versions MWAA runs, as data: one entry per supported range.

Adding an Airflow version is one entry here (plus the emulator's install recipe). Everything
version-specific reads :func:`flavour_for`; an unknown version fails with one clear line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import errors

CONSOLE_SSO_PATH_OF_EVERY_VERSION = "/aws_mwaa/aws-console-sso"  # Airflow 3 serves it too, besides its own


@dataclass(frozen=True)
class Flavour:
    """How one range of Airflow versions (``[first, before)``) is reached and spoken to."""

    first: tuple[int, int]  # first (major, minor) of the range
    before: tuple[int, int]  # first (major, minor) past the range
    login_path: str  # MWAA's programmatic login endpoint (form field ``token``)
    credential_cookie: str  # the cookie the login sets
    credential_sent_as: str  # "bearer": Authorization header; "cookie": the cookie itself
    api_root: str
    console_sso_path: str  # the page that reads the web token from the URL fragment
    logical_date_field: str  # a run's logical date
    run_order: str  # order_by for most recent runs first
    trigger_sends_logical_date: bool  # the trigger body must carry ``logical_date`` (null: now)
    structured_logs: bool  # task logs come as structured entries (else plain text)
    client_requirement: str  # the apache-airflow-client that speaks this API
    client_major: int
    # the DAG development loop (core/dagloop/)
    dag_file_field: str  # the DAG's field naming its file: absolute (fileloc) or relative to the DAG folder
    dag_file_fallback_field: str  # the field read when dag_file_field is empty
    import_error_trace_fields: tuple[str, ...]  # an import error's traceback: the first of these fields that is set
    dag_stale_field: str  # a DAG whose file is gone: is_active false (2) / is_stale true (3)
    dag_stale_value: bool
    dags_with_stale: dict[str, bool]  # GET /dags parameter that lists stale DAGs too
    dag_source_key: str  # /dagSources/{...}: the DAG's file_token (2) or its dag_id (3)

    def is_stale(self, dag: dict) -> bool:
        """True when Airflow no longer finds ``dag`` in any file (the file was removed or no longer defines it)."""
        return dag.get(self.dag_stale_field) is self.dag_stale_value

    @property
    def major(self) -> int:
        return self.first[0]

    @property
    def approximate_version(self) -> str:
        """What a login can say of the version when GetEnvironment may not be read (``3.x``)."""
        return f"{self.major}.x"

    @property
    def label(self) -> str:
        """``Airflow 2`` (the whole major), ``Airflow 3.0–3.3`` (up to the newest minor tested), ``Airflow 3.4+``."""
        first, before = self.first, self.before
        if before[1] == 0:  # up to the major's end
            return f"Airflow {first[0]}.{first[1]}+" if first[1] else f"Airflow {first[0]}"
        return f"Airflow {first[0]}.{first[1]}–{before[0]}.{before[1] - 1}"

    def credential_headers(self, value: str) -> dict[str, str]:
        """The request headers that carry a login credential."""
        if self.credential_sent_as == "bearer":
            return {"Authorization": f"Bearer {value}"}
        return {"Cookie": f"{self.credential_cookie}={value}"}

    def covers(self, version: tuple[int, int]) -> bool:
        return self.first <= version < self.before

    def log_text(self, data: Any) -> str:
        """A task log answer as text: plain text (``structured_logs`` false), else structured entries
        (with exception details) as lines; either shape is read, wrapped in ``{"content": ...}`` or not."""
        if isinstance(data, dict):
            data = data.get("content", data)
        if isinstance(data, list):
            return "\n".join(_log_line(line) if isinstance(line, dict) else str(line) for line in data)
        return str(data)


FLAVOURS: tuple[Flavour, ...] = (
    Flavour(
        first=(2, 0),
        before=(3, 0),
        login_path="/aws_mwaa/login",
        credential_cookie="session",
        credential_sent_as="cookie",
        api_root="/api/v1",
        console_sso_path="/aws_mwaa/aws-console-sso",
        logical_date_field="execution_date",
        run_order="-execution_date",
        trigger_sends_logical_date=False,
        structured_logs=False,
        client_requirement="apache-airflow-client>=2.10,<3",
        client_major=2,
        dag_file_field="fileloc",
        dag_file_fallback_field="fileloc",
        import_error_trace_fields=("stack_trace", "stacktrace"),
        dag_stale_field="is_active",
        dag_stale_value=False,
        dags_with_stale={"only_active": False},
        dag_source_key="file_token",
    ),
    Flavour(
        first=(3, 0),
        before=(3, 4),  # the newest minor the version matrix runs: 3.3 (3.3.1; 3.2.1 and 3.0.6 too)
        login_path="/pluginsv2/aws_mwaa/login",
        credential_cookie="_token",
        credential_sent_as="bearer",
        api_root="/api/v2",
        console_sso_path="/pluginsv2/aws_mwaa/aws-console-sso",
        logical_date_field="logical_date",
        run_order="-run_after",
        trigger_sends_logical_date=True,
        structured_logs=True,
        client_requirement="apache-airflow-client>=3.0.2,<3.1",
        client_major=3,
        dag_file_field="relative_fileloc",
        dag_file_fallback_field="fileloc",
        import_error_trace_fields=("stack_trace", "stacktrace"),
        dag_stale_field="is_stale",
        dag_stale_value=True,
        dags_with_stale={"exclude_stale": False},
        dag_source_key="dag_id",
    ),
)


API_ROOTS = " or ".join(flavour.api_root for flavour in FLAVOURS)  # for messages: "/api/v1 or /api/v2"
CREDENTIAL_COOKIES = tuple(dict.fromkeys(flavour.credential_cookie for flavour in FLAVOURS))  # "session", "_token"


def _log_line(entry: dict) -> str:
    """One structured log entry as text: time, level, event, then the exception as a traceback would show it."""
    head = " ".join(str(entry[k]) if k != "level" else str(entry[k]).upper() for k in ("timestamp", "level") if entry.get(k))
    text = f"[{head}] {entry.get('event', '')}" if head else str(entry.get("event", ""))
    for error in entry.get("error_detail") or []:
        frames = "".join(
            f'\n  File "{f.get("filename")}", line {f.get("lineno")}, in {f.get("name")}' for f in error.get("frames") or []
        )
        text += f"\nTraceback (most recent call last):{frames}\n{error.get('exc_type')}: {error.get('exc_value')}"
    return text


class UnsupportedAirflowVersion(errors.MwaaError):
    """The environment runs an Airflow version no flavour covers."""


def parse_version(version: str | int) -> tuple[int, int]:
    """``"3.0.6"`` -> ``(3, 0)``; ``3`` -> ``(3, 0)``; a bad string raises UnsupportedAirflowVersion."""
    parts = str(version).strip().split(".")
    try:
        return int(parts[0]), int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
    except ValueError:
        raise UnsupportedAirflowVersion(f"{version!r} is not an Airflow version.") from None


def flavour_for(version: str | int | tuple[int, int]) -> Flavour:
    """The flavour of an Airflow version (``"2.10.3"``, ``3``, ``(3, 1)``)."""
    key = version if isinstance(version, tuple) else parse_version(version)
    for flavour in FLAVOURS:
        if flavour.covers(key):
            return flavour
    supported = ", ".join(f.label for f in FLAVOURS)
    raise UnsupportedAirflowVersion(
        f"Airflow {'.'.join(map(str, key))} is not supported yet: mwaa_magic speaks {supported}; upgrade mwaa_magic."
    )


def login_candidates() -> tuple[Flavour, ...]:
    """The flavours to try, newest first, when the version is unknown (GetEnvironment denied)."""
    return tuple(reversed(FLAVOURS))


def assumed() -> Flavour:
    """The flavour to assume until Airflow says its version (an InvokeRestApi session before its probe): the newest."""
    return FLAVOURS[-1]


def console_sso_path(flavour: Flavour | None) -> str:
    """The console-SSO page of ``flavour``, or the one every version serves when the version is unknown."""
    return flavour.console_sso_path if flavour else CONSOLE_SSO_PATH_OF_EVERY_VERSION
