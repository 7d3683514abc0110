"""`python -m mwaa_magic.emulator install`: what it prints and what it leaves behind."""

from __future__ import annotations

import json
import sqlite3
import sys
import tempfile
from contextlib import closing

import pytest

from mwaa_magic.emulator.airflow_env import template_dir, venv_dir
from mwaa_magic.emulator.history import HISTORY_DB, HISTORY_META, history_reference
from mwaa_magic.emulator.install import Installation, is_installed, make_template, reports_version, uv_env


def test_every_install_line_names_its_version(capsys):
    """Two versions install in parallel: each line says which one it is about."""
    run = Installation("9.9.9")
    run.step("probe", [sys.executable, "-c", "print('noise')"])
    run.say("ready")
    with pytest.raises(RuntimeError, match="airflow 9.9.9: broken failed"):
        run.step("broken", [sys.executable, "-c", "raise SystemExit(3)"])
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and all(line.startswith("airflow 9.9.9: ") for line in lines), lines
    assert set(run.timings) == {"probe", "broken"}


def test_version_check_leaves_no_temporary_airflow_home(tmp_path, monkeypatch):
    if not is_installed("3.0.6"):
        pytest.skip("Airflow 3.0.6 is not installed: python -m mwaa_magic.emulator install")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert reports_version(venv_dir("3.0.6"), "3.0.6")
    assert not list(tmp_path.iterdir())


def test_airflow2_template_has_its_roles_and_users(tmp_path, capsys):
    """Airflow 2's roles (sync-perm) and one user per role, made in one process (not five CLI runs)."""
    if not is_installed("2.10.3"):
        pytest.skip("Airflow 2.10.3 is not installed: python -m mwaa_magic.emulator install")
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "airflow-2.10.3").symlink_to(venv_dir("2.10.3"))  # the venv is read, never written
    run = Installation("2.10.3")
    make_template(run, cache)
    assert "users" in run.timings and not any(step.startswith("users create") for step in run.timings)
    passwords = json.loads((template_dir("2.10.3", cache) / "users.json").read_text())
    with closing(sqlite3.connect(template_dir("2.10.3", cache) / "airflow.db")) as db:
        users = dict(
            db.execute(
                "SELECT u.username, r.name FROM ab_user u JOIN ab_user_role ur ON ur.user_id = u.id "
                "JOIN ab_role r ON r.id = ur.role_id"
            ).fetchall()
        )
        viewer_permissions = db.execute(
            "SELECT COUNT(*) FROM ab_permission_view_role pvr JOIN ab_role r ON r.id = pvr.role_id WHERE r.name = 'Viewer'"
        ).fetchone()[0]
    assert users == {"admin": "Admin", "op": "Op", "user": "User", "viewer": "Viewer"} and set(passwords) == set(users)
    assert viewer_permissions > 10


def test_uv_gets_pips_index_and_certificate_settings(monkeypatch):
    """uv reads neither pip's settings nor (by default) the system's certificates: without this, an install
    behind a TLS-inspecting proxy fails with `invalid peer certificate: UnknownIssuer` (seen here)."""
    for name in ("UV_DEFAULT_INDEX", "UV_INDEX", "UV_FIND_LINKS", "SSL_CERT_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PIP_CERT", "/etc/ssl/certs/ca-certificates.crt")
    monkeypatch.setenv("PIP_INDEX_URL", "https://mirror.example/simple")
    env = uv_env()
    assert env["SSL_CERT_FILE"] == "/etc/ssl/certs/ca-certificates.crt"
    assert env["UV_DEFAULT_INDEX"] == "https://mirror.example/simple"
    monkeypatch.setenv("UV_DEFAULT_INDEX", "https://uv.example/simple")
    assert uv_env()["UV_DEFAULT_INDEX"] == "https://uv.example/simple"  # uv's own setting wins


def test_a_new_template_drops_the_history_seeded_from_the_old_one(tmp_path):
    """A reinstall (a new recipe) makes new users and passwords: a history database seeded from the old template
    would keep the old users, and every Airflow 2 login would fail (seen after MWAA's constraints came in)."""
    if not is_installed("2.10.3"):
        pytest.skip("Airflow 2.10.3 is not installed: python -m mwaa_magic.emulator install")
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "airflow-2.10.3").symlink_to(venv_dir("2.10.3"))  # the venv is read, never written
    target = template_dir("2.10.3", cache)
    target.mkdir(parents=True)
    (target / HISTORY_DB).write_bytes(b"seeded from an older template")
    (target / HISTORY_META).write_text('{"reference": "2026-01-01T00:00:00+00:00"}')
    make_template(Installation("2.10.3"), cache)
    assert not (target / HISTORY_DB).exists() and not (target / HISTORY_META).exists()
    assert history_reference(target) is None  # so the install seeds it again from the new template
