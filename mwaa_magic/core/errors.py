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
    """Base class: ``str(error)`` is a short, actionable, secret-free message; ``code`` is the class's name."""

    code = "MwaaError"  # every subclass gets its own name (``__init_subclass__``): never restate it
    full_traceback = False  # set on one error by ``--debug``
    transient = False  # True when the same call may well succeed if tried again (a reset, a 503)

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        cls.code = cls.__name__

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


# --- the few families callers match on (the server's HTTP status, whether waiting may help) -------
class InvalidInput(MwaaError):
    """A name, path, file or setting the user gave (or left out) is wrong: fixing the input fixes it."""


class CredentialsError(MwaaError):
    """AWS has no usable credentials of the caller: none found, expired, or rejected."""


class Denied(MwaaError):
    """The caller is known but may not do this (IAM, or a request from another site)."""


class NotFound(MwaaError):
    """What the call names does not exist (an environment, a bucket, a file in the DAG folder)."""


class Unavailable(MwaaError):
    """The other side did not serve the call now: unreachable, failing or throttling, or refusing a fresh login.

    A restart, a blip or a busy server explains it, so waiting may end it.
    """


# --- the errors ---------------------------------------------------------------------------------
class InvalidEnvironmentName(InvalidInput):
    pass


class InvalidHostname(MwaaError):
    """MWAA (or GetEnvironment's WebserverUrl) gave a web-server hostname that is not one."""


class EnvironmentNotFound(NotFound):
    pass


class EnvironmentNotAvailable(MwaaError):
    """The environment is not AVAILABLE (creating, updating...): it has no web server now."""


class AccessDenied(Denied):
    pass


class NoCredentials(CredentialsError):
    pass


class ExpiredCredentials(CredentialsError):
    pass


class NoRegion(InvalidInput):
    pass


class ProfileNotFound(InvalidInput):
    pass


class ServiceError(Unavailable):
    """MWAA answered with ValidationException, InternalServerException, throttling..."""


class ControlPlaneUnreachable(Unavailable):
    pass


class WebServerUnreachable(Unavailable):
    def __init__(self, message: str, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


class LoginFailed(Unavailable):
    """The web server refused or failed the login with a fresh web token."""


class SessionExpired(Unavailable):
    """Airflow still rejects the session after a fresh login."""


class AirflowApiError(MwaaError):
    """A follow-up Airflow REST call failed; ``status`` is Airflow's HTTP status."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class RestApiLimitExceeded(AirflowApiError):
    pass


class CliCommandFailed(MwaaError):
    pass


class NoSession(MwaaError):
    pass


class InvalidArgument(InvalidInput):
    """An argument refused before any call (a bad id, a non-finite number, a conf JSON cannot carry)."""


class InvalidPath(InvalidInput):
    """A REST path that leaves the API root or holds control characters."""


class WaitInterrupted(MwaaError):
    """Waiting for a run gave up (the run goes on); the message says how to resume."""


# --- the DAG development loop (core/dagloop/) ----------------------------------------------------
class InvalidDagFile(InvalidInput):
    """A DAG file that cannot go: a bad name (outside the DAG folder, not .py) or a syntax error."""


InvalidOption = InvalidArgument  # the DAG loop's name for it (a timeout of nan, a flag that is not a bool)


class DagIdClash(MwaaError):
    pass


class BucketNotFound(NotFound):
    pass


class OverwriteRefused(MwaaError):
    """The file changed in S3 since this session last read or wrote it (a teammate's change)."""


class DagImportError(MwaaError):
    """Airflow could not import the deployed file; ``stack_trace`` is Airflow's traceback."""

    def __init__(self, message: str, filename: str = "", stack_trace: str = "") -> None:
        super().__init__(message)
        self.filename, self.stack_trace = filename, stack_trace


class ParseTimeout(MwaaError):
    pass


class DagFileNotFound(NotFound):
    pass
