"""The error family: each ``code`` is its class's name (the strings the server and the lab extension send), a few
families that callers match on, and the server's status table read through those families."""

from __future__ import annotations

import pytest

from mwaa_magic.core import errors, session
from mwaa_magic.core.flavours import UnsupportedAirflowVersion
from mwaa_magic.server import routes

# Every code string as it was when each class restated it (errors.py before the families).
CODES = [
    "InvalidEnvironmentName",
    "InvalidHostname",
    "EnvironmentNotFound",
    "EnvironmentNotAvailable",
    "AccessDenied",
    "NoCredentials",
    "ExpiredCredentials",
    "NoRegion",
    "ProfileNotFound",
    "ServiceError",
    "ControlPlaneUnreachable",
    "WebServerUnreachable",
    "LoginFailed",
    "SessionExpired",
    "AirflowApiError",
    "RestApiLimitExceeded",
    "CliCommandFailed",
    "NoSession",
    "InvalidPath",
    "WaitInterrupted",
    "InvalidDagFile",
    "DagIdClash",
    "BucketNotFound",
    "OverwriteRefused",
    "DagImportError",
    "ParseTimeout",
    "DagFileNotFound",
]

# The server's status for each error class, as its table listed them one by one.
STATUSES = {
    routes.InvalidRequest: 400,
    routes.CrossSiteRequest: 403,
    errors.InvalidEnvironmentName: 400,
    errors.ProfileNotFound: 400,
    errors.NoRegion: 400,
    errors.AccessDenied: 403,
    errors.NoCredentials: 403,
    errors.ExpiredCredentials: 403,
    errors.EnvironmentNotFound: 404,
    errors.EnvironmentNotAvailable: 409,
    errors.InvalidHostname: 502,
    errors.ServiceError: 502,
    errors.ControlPlaneUnreachable: 502,
    errors.MwaaError: 500,
    errors.AirflowApiError: 500,
    errors.OverwriteRefused: 500,
    UnsupportedAirflowVersion: 500,
}


@pytest.mark.parametrize("code", CODES)
def test_each_code_is_the_class_name_and_to_json_keeps_its_shape(code: str) -> None:
    error = getattr(errors, code)("One line.")
    assert error.code == code
    assert error.to_json() == {"code": code, "message": "One line."}


def test_codes_outside_errors_py_are_derived_too() -> None:
    assert routes.InvalidRequest("x").to_json()["code"] == "InvalidRequest"
    assert routes.CrossSiteRequest("x").code == "CrossSiteRequest"
    assert UnsupportedAirflowVersion("x").code == "UnsupportedAirflowVersion"
    assert errors.MwaaError("x").code == "MwaaError"


def test_no_class_restates_its_code() -> None:
    import ast
    from pathlib import Path

    tree = ast.parse(Path(errors.__file__).read_text())
    restated = [
        node.name
        for node in tree.body
        if isinstance(node, ast.ClassDef) and node.name != "MwaaError"
        for statement in node.body
        if isinstance(statement, ast.Assign) and any(getattr(t, "id", "") == "code" for t in statement.targets)
    ]
    assert restated == []


@pytest.mark.parametrize(("cls", "status"), list(STATUSES.items()), ids=lambda v: getattr(v, "__name__", str(v)))
def test_the_server_status_table_matches_on_the_families(cls: type[errors.MwaaError], status: int) -> None:
    assert routes.status_for(cls("x")) == status


def test_the_status_table_lists_families_not_every_class() -> None:
    assert len(routes.STATUS_BY_ERROR) <= 7
    assert errors.InvalidInput in routes.STATUS_BY_ERROR and errors.Unavailable in routes.STATUS_BY_ERROR


@pytest.mark.parametrize(
    ("error", "worth"),
    [
        (errors.WebServerUnreachable("x"), True),
        (errors.ControlPlaneUnreachable("x"), True),
        (errors.ServiceError("x"), True),
        (errors.SessionExpired("x"), True),
        (errors.LoginFailed("x"), True),
        (errors.AirflowApiError("x", 503), True),
        (errors.AirflowApiError("x", 429), True),
        (errors.AirflowApiError("x", 404), False),
        (errors.AccessDenied("x"), False),
        (errors.EnvironmentNotFound("x"), False),
        (errors.EnvironmentNotAvailable("x"), False),
        (errors.InvalidHostname("x"), False),
        (errors.NoCredentials("x"), False),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, Exception) else str(v),
)
def test_waiting_rides_out_only_what_a_restart_explains(error: errors.MwaaError, worth: bool) -> None:
    assert session._worth_waiting(error) is worth


def test_the_families() -> None:
    assert issubclass(errors.NoCredentials, errors.CredentialsError)
    assert issubclass(errors.ExpiredCredentials, errors.CredentialsError)
    assert issubclass(errors.AccessDenied, errors.Denied)
    assert all(
        issubclass(c, errors.NotFound) for c in (errors.EnvironmentNotFound, errors.BucketNotFound, errors.DagFileNotFound)
    )
    assert all(
        issubclass(c, errors.InvalidInput)
        for c in (
            errors.InvalidEnvironmentName,
            errors.InvalidPath,
            errors.InvalidDagFile,
            errors.NoRegion,
            errors.ProfileNotFound,
        )
    )
    assert all(
        issubclass(c, errors.Unavailable)
        for c in (errors.ControlPlaneUnreachable, errors.WebServerUnreachable, errors.ServiceError)
    )
