"""What differs between Airflow versions on the client side is read from core/flavours.py: the console-SSO page
when the version is unknown, the flavour assumed before a probe, the version a login can name, task log
shapes, the login cookies the logs mask, the API roots a message names."""

from __future__ import annotations

import pytest

from mwaa_magic.core import flavours, redaction
from mwaa_magic.core.flavours import FLAVOURS, flavour_for

V2, V3 = flavour_for("2.10.3"), flavour_for("3.0.6")


def test_the_console_sso_page_when_the_version_is_unknown_is_the_one_every_version_serves() -> None:
    assert flavours.console_sso_path(None) == "/aws_mwaa/aws-console-sso"
    assert flavours.console_sso_path(V3) == "/pluginsv2/aws_mwaa/aws-console-sso"
    assert flavours.console_sso_path(V2) == "/aws_mwaa/aws-console-sso"


def test_before_its_probe_a_session_assumes_the_newest_flavour() -> None:
    assert flavours.assumed() is FLAVOURS[-1] is flavours.login_candidates()[0]
    assert flavours.assumed().major == 3


def test_a_login_without_the_version_names_the_flavours_major() -> None:
    assert (V2.approximate_version, V3.approximate_version) == ("2.x", "3.x")


def test_api_roots_and_cookies_come_from_the_table() -> None:
    assert flavours.API_ROOTS == "/api/v1 or /api/v2"
    assert set(flavours.CREDENTIAL_COOKIES) == {"session", "_token"}


@pytest.mark.parametrize("flavour", FLAVOURS, ids=lambda f: f.label)
def test_every_flavours_login_cookie_is_masked_in_logs(flavour: flavours.Flavour) -> None:
    text = redaction.redact(f"Set-Cookie: {flavour.credential_cookie}=Zm9vYmFyYmF6cXV4; Path=/")
    assert text == f"Set-Cookie: {flavour.credential_cookie}=***; Path=/"


def test_plain_text_logs() -> None:
    assert V2.log_text("[2026-01-01] INFO - hello\nbye") == "[2026-01-01] INFO - hello\nbye"
    assert V2.log_text({"content": "one line"}) == "one line"


def test_structured_logs_read_as_a_traceback_would_show_them() -> None:
    entries = [
        {"timestamp": "2026-01-01T00:00:00Z", "level": "info", "event": "Task started"},
        {
            "timestamp": "2026-01-01T00:00:01Z",
            "level": "error",
            "event": "Task failed",
            "error_detail": [
                {
                    "exc_type": "ValueError",
                    "exc_value": "bad input",
                    "frames": [{"filename": "/dags/etl.py", "lineno": 12, "name": "extract"}],
                }
            ],
        },
        "a bare line",
    ]
    assert V3.log_text({"content": entries}) == (
        "[2026-01-01T00:00:00Z INFO] Task started\n"
        "[2026-01-01T00:00:01Z ERROR] Task failed\n"
        "Traceback (most recent call last):\n"
        '  File "/dags/etl.py", line 12, in extract\n'
        "ValueError: bad input\n"
        "a bare line"
    )
    assert V3.log_text([{"event": "no time"}]) == "no time"
