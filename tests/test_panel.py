"""The environment picker (ipywidgets), driven from Python in a real InteractiveShell against the emulator."""

from __future__ import annotations

import json
import time

import pytest

from mwaa_magic.kernel.registry import sessions

ipywidgets = pytest.importorskip("ipywidgets")


def picker_for(shell, line: str = ""):
    """``%mwaa_login`` with no environment name: the picker, once its first listing is done."""
    picker = shell.run_line_magic("mwaa_login", line)
    assert type(picker).__name__ == "EnvironmentPicker"
    assert picker.wait(30), "the listing did not finish"
    return picker


def cell_texts(picker) -> list[str]:
    return [getattr(c, "value", None) or getattr(c, "description", "") for c in picker.table.children]


def all_widget_state() -> str:
    """Everything a notebook would save about the live widgets, as one string."""
    from ipywidgets.widgets import widget as module

    instances = getattr(module, "_instances", None) or getattr(ipywidgets.Widget, "widgets", {})
    states = [w.get_state() for w in list(instances.values())]
    manager = ipywidgets.Widget.get_manager_state() if hasattr(ipywidgets.Widget, "get_manager_state") else {}
    return json.dumps([states, manager], default=str)


def test_lists_environments_with_status_version_and_access_mode(ipython):
    picker = picker_for(ipython, "--region us-east-1")
    assert sorted(picker.environments) == ["demo-airflow2", "demo-airflow3", "legacy-failed", "staging-updating"]
    info = picker.environments["demo-airflow3"]
    assert (info.status, info.airflow_version, info.webserver_access_mode) == ("AVAILABLE", "3.0.6", "PUBLIC_ONLY")
    assert picker.environments["staging-updating"].status == "UPDATING"
    texts = " ".join(cell_texts(picker))
    for fragment in ("demo-airflow2", "2.10.3", "CREATE_FAILED", "UPDATING", "PRIVATE_ONLY", "AVAILABLE"):
        assert fragment in texts
    assert not picker.loading and picker.busy.value == "" and picker.last_error is None
    assert picker.variable.value == "mwaa"
    assert picker.profile.options[0][1] == "" and picker.region.value == "us-east-1"
    assert "eu-west-1" in picker.region.options and "us-east-1" in picker.region.options


def test_environments_not_available_are_shown_but_cannot_be_logged_in_to(ipython):
    picker = picker_for(ipython, "--region us-east-1")
    disabled = {name: button.disabled for name, button in picker.buttons.items()}
    assert disabled == {"demo-airflow2": False, "demo-airflow3": False, "legacy-failed": True, "staging-updating": True}
    assert picker.login_button.disabled, "nothing chosen yet"
    with pytest.raises(Exception, match="UPDATING"):
        picker.select("staging-updating")
    assert picker.selected is None and picker.login_button.disabled
    picker.buttons["demo-airflow2"].click()
    assert picker.selected == "demo-airflow2" and not picker.login_button.disabled
    assert picker.buttons["demo-airflow2"].button_style == "info"


def test_region_change_relists(ipython):
    picker = picker_for(ipython, "--region us-east-1")
    picker.region.value = "eu-west-1"
    assert picker.wait(30)
    assert list(picker.environments) == ["eu-reporting"]
    assert picker.environments["eu-reporting"].webserver_access_mode == "PUBLIC_AND_PRIVATE"
    picker.region.value = "ap-south-1"
    assert picker.wait(30)
    assert picker.environments == {} and "No MWAA environments in ap-south-1" in picker.last_error


def test_listing_runs_in_background_and_stale_results_are_dropped(ipython, mwaa_env):
    picker_for(ipython, "--region us-east-1")  # warm: botocore's region data loads once per kernel
    mwaa_env.admin.set(control_latency=0.5)
    picker = ipython.run_line_magic("mwaa_login", "--region us-east-1")
    assert picker.loading, "the magic returned while the listing still runs: the kernel does not wait for it"
    assert "Loading environments in us-east-1" in picker.busy.value
    assert picker.refresh_button.disabled
    picker.region.value = "eu-west-1"  # while us-east-1 is still loading
    assert picker.wait(30)
    time.sleep(1.5)  # let the us-east-1 listing finish too: its answer must be dropped
    assert list(picker.environments) == ["eu-reporting"]
    assert [c.description for c in picker.table.children if isinstance(c, ipywidgets.Button)] == ["eu-reporting"]
    assert not picker.refresh_button.disabled and picker.busy.value == ""


def test_refresh_lists_again(ipython, mwaa_env):
    picker = picker_for(ipython, "--region us-east-1")
    before = mwaa_env.admin.calls().get("ListEnvironments", 0)
    picker.refresh_button.click()
    assert picker.wait(30)
    assert mwaa_env.admin.calls().get("ListEnvironments", 0) == before + 1
    assert len(picker.environments) == 4


def test_log_in_binds_variable_registry_and_shows_the_card(ipython, mwaa_env):
    if not mwaa_env.env.get("MWAA_MAGIC_WEBSERVER_URLS"):
        pytest.skip("the emulator runs without Airflow")
    picker = picker_for(ipython, "--region us-east-1")
    picker.buttons["demo-airflow3"].click()
    assert "/mwaa/open?environment=demo-airflow3&amp;region=us-east-1" in picker.open_link.value
    picker.variable.value = "from_panel"
    picker.login_button.click()
    assert picker.last_error is None, picker.last_error
    session = ipython.user_ns["from_panel"]
    assert sessions.current == "from_panel" and sessions.get() is session
    assert session.environment.name == "demo-airflow3" and session.major == 3
    assert picker.session is session
    assert any(d["dag_id"] == "hello_world" for d in session.dags())
    state = all_widget_state()
    leaked = [s for s in mwaa_env.admin.secrets() if s and s in state]
    assert mwaa_env.admin.secrets() and not leaked, f"{len(leaked)} secret(s) in widget state"
    assert "aws-console-sso" not in state and "WebToken" not in state


def test_panel_function_finds_the_loaded_magics(ipython, mwaa_env):
    if not mwaa_env.env.get("MWAA_MAGIC_WEBSERVER_URLS"):
        pytest.skip("the emulator runs without Airflow")
    import mwaa_magic

    picker = mwaa_magic.panel(region="us-east-1")
    assert picker.wait(30)
    picker.select("demo-airflow2")
    assert picker.login() is ipython.user_ns["mwaa"]
    assert ipython.user_ns["mwaa"].major == 2 and sessions.current == "mwaa"


def test_listing_denied_is_one_line_inline(ipython, mwaa_env, monkeypatch):
    for name, value in mwaa_env.identity_env(3).items():  # dave: no airflow:ListEnvironments
        monkeypatch.setenv(name, value)
    picker = picker_for(ipython, "--region us-east-1")
    assert picker.environments == {}
    assert "airflow:ListEnvironments" in picker.last_error and "\n" not in picker.last_error
    assert "mwaa-picker-error" in picker.message.value and "Traceback" not in picker.message.value


def test_login_denied_is_one_line_inline(ipython, mwaa_env, monkeypatch):
    for name, value in mwaa_env.identity_env(2).items():  # carol: no Airflow role anywhere
        monkeypatch.setenv(name, value)
    picker = picker_for(ipython, "--region us-east-1")
    picker.select("demo-airflow3")
    assert picker.login() is None
    assert picker.last_error.startswith("Access denied") and "airflow:CreateWebLoginToken" in picker.last_error
    assert "\n" not in picker.last_error and "Traceback" not in picker.message.value
    assert "mwaa" not in ipython.user_ns or ipython.user_ns["mwaa"] is not picker.session
    assert not picker.login_button.disabled, "a failed login leaves the panel usable"


def test_no_credentials_and_unknown_profile_are_inline(ipython, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # never ask an instance-metadata address
    picker = picker_for(ipython, "--region us-east-1")
    assert picker.last_error.startswith("No AWS credentials found")
    picker = picker_for(ipython, "--region us-east-1 --profile nope")
    assert picker.profile.value == "nope"
    assert "AWS profile 'nope' is not in your AWS config" in picker.last_error


def test_error_text_is_escaped(ipython, mwaa_env):
    picker = picker_for(ipython, "--region us-east-1")
    picker._show_error("<img src=x onerror=alert(1)>")
    assert "<img" not in picker.message.value and "&lt;img" in picker.message.value


def test_variable_name_must_be_an_identifier(ipython, mwaa_env):
    picker = picker_for(ipython, "--region us-east-1")
    picker.select("demo-airflow3")
    picker.variable.value = "not a name"
    assert picker.login() is None
    assert "not a valid Python variable name" in picker.last_error
