"""One exception family. Each error carries the single line a user sees; none holds a secret."""

from __future__ import annotations

import re
import traceback

_DOCTOR_HINT = re.compile(r" Run `%mwaa doctor [^`]*` for details\.")

# Set by ``%config MwaaMagics.debug = True``: show full tracebacks instead of one line.
show_full_tracebacks = False


def doctor_hint(environment: str | None) -> str:
    """The end of a message whose cause ``%mwaa doctor`` can pin down."""
    return f" Run `%mwaa doctor {environment or 'ENV'}` for details."


def without_doctor_hint(message: str) -> str:
    """``message`` without :func:`doctor_hint`'s ending (inside doctor itself, or to append more)."""
    return _DOCTOR_HINT.sub("", message)


class MwaaError(Exception):
    """Base class: ``str(error)`` is a short, actionable, secret-free message."""

    code = "MwaaError"
    full_traceback = False  # set on one error by ``--debug``
    transient = False  # True when the same call may well succeed if tried again (a reset, a 503)

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def _render_traceback_(self) -> list[str]:
        """IPython shows this instead of a traceback (the cell still fails)."""
        if show_full_tracebacks or self.full_traceback:
            return "".join(traceback.format_exception(self)).splitlines()
        return [f"\x1b[0;31m{type(self).__name__}\x1b[0m: {self.message}"]

    def to_json(self) -> dict[str, str]:
        """The ``{code, message}`` shape used by the server extension."""
        return {"code": self.code, "message": self.message}


class InvalidEnvironmentName(MwaaError):
    code = "InvalidEnvironmentName"


class InvalidHostname(MwaaError):
    code = "InvalidHostname"


class EnvironmentNotFound(MwaaError):
    code = "EnvironmentNotFound"


class EnvironmentNotAvailable(MwaaError):
    code = "EnvironmentNotAvailable"


class AccessDenied(MwaaError):
    code = "AccessDenied"


class NoCredentials(MwaaError):
    code = "NoCredentials"


class ExpiredCredentials(MwaaError):
    code = "ExpiredCredentials"


class NoRegion(MwaaError):
    code = "NoRegion"


class ProfileNotFound(MwaaError):
    code = "ProfileNotFound"


class ServiceError(MwaaError):
    """MWAA answered with ValidationException, InternalServerException, throttling..."""

    code = "ServiceError"


class ControlPlaneUnreachable(MwaaError):
    code = "ControlPlaneUnreachable"


class WebServerUnreachable(MwaaError):
    code = "WebServerUnreachable"

    def __init__(self, message: str, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


class LoginFailed(MwaaError):
    code = "LoginFailed"


class SessionExpired(MwaaError):
    code = "SessionExpired"


class AirflowApiError(MwaaError):
    """A follow-up Airflow REST call failed; ``status`` is Airflow's HTTP status."""

    code = "AirflowApiError"

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class RestApiLimitExceeded(AirflowApiError):
    code = "RestApiLimitExceeded"


class CliCommandFailed(MwaaError):
    code = "CliCommandFailed"


class NoSession(MwaaError):
    code = "NoSession"


class InvalidArgument(MwaaError):
    """An argument refused before any call (a bad id, a non-finite number, a conf JSON cannot carry)."""

    code = "InvalidArgument"


class InvalidPath(MwaaError):
    """A REST path that leaves the API root or holds control characters."""

    code = "InvalidPath"


class WaitInterrupted(MwaaError):
    """Waiting for a run gave up (the run goes on); the message says how to resume."""

    code = "WaitInterrupted"


# --- the DAG development loop (core/deploy.py) ---------------------------------------------------
class InvalidDagFile(MwaaError):
    """A DAG file that cannot go: a bad name (outside the DAG folder, not .py) or a syntax error."""

    code = "InvalidDagFile"


class DagIdClash(MwaaError):
    code = "DagIdClash"


class BucketNotFound(MwaaError):
    code = "BucketNotFound"


class OverwriteRefused(MwaaError):
    """The file changed in S3 since this session last read or wrote it (a teammate's change)."""

    code = "OverwriteRefused"


class DagImportError(MwaaError):
    """Airflow could not import the deployed file; ``stack_trace`` is Airflow's traceback."""

    code = "DagImportError"

    def __init__(self, message: str, filename: str = "", stack_trace: str = "") -> None:
        super().__init__(message)
        self.filename, self.stack_trace = filename, stack_trace


class ParseTimeout(MwaaError):
    code = "ParseTimeout"


class DagFileNotFound(MwaaError):
    code = "DagFileNotFound"
