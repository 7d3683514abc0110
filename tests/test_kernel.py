"""The extension in a real ipykernel (jupyter_client) and in notebooks executed by nbclient."""

from __future__ import annotations

import json
import queue
import time

import nbformat
import pytest
from jupyter_client.manager import start_new_kernel
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from mwaa_magic.kernel.display import LOGIN_MIME


@pytest.fixture
def kernel(mwaa_env, tmp_path):
    manager, client = start_new_kernel(kernel_name="python3", env=mwaa_env.client_env(), cwd=str(tmp_path))
    yield client
    client.stop_channels()
    manager.shutdown_kernel(now=True)


def execute(client, code: str, timeout: float = 120) -> tuple[dict, list[dict]]:
    """Run code; return the execute_reply content and the iopub messages of that request."""
    msg_id = client.execute(code)
    reply = client.get_shell_msg(timeout=timeout)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = client.get_shell_msg(timeout=timeout)
    messages = []
    while True:
        msg = client.get_iopub_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        messages.append(msg)
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return reply["content"], messages


def test_login_in_a_kernel(kernel, mwaa_env):
    reply, _ = execute(kernel, "%load_ext mwaa_magic")
    assert reply["status"] == "ok"
    reply, messages = execute(kernel, "%mwaa_login demo-airflow3")
    assert reply["status"] == "ok"
    data = next(m["content"]["data"] for m in messages if m["msg_type"] == "display_data")
    assert data[LOGIN_MIME]["environment"] == "demo-airflow3"
    assert "%mwaa ui" in data["text/html"]  # a kernel with no Jupyter server: no /mwaa/open route to link to
    everything = json.dumps([m["content"] for m in messages])
    assert not any(secret in everything for secret in mwaa_env.admin.secrets())
    reply, messages = execute(kernel, "len(mwaa.dags())")
    assert reply["status"] == "ok"
    assert any(m["msg_type"] == "execute_result" and m["content"]["data"]["text/plain"] == "3" for m in messages)


def test_errors_fail_the_cell_with_one_line(kernel):
    execute(kernel, "%load_ext mwaa_magic")
    reply, messages = execute(kernel, "%mwaa_login no-such-environment")
    assert reply["status"] == "error" and reply["ename"] == "EnvironmentNotFound"
    error = next(m["content"] for m in messages if m["msg_type"] == "error")
    assert len(error["traceback"]) == 1 and "demo-airflow3" in error["traceback"][0]


def test_token_link_is_replaced_when_it_expires(kernel, mwaa_env):
    execute(kernel, "%load_ext mwaa_magic")
    execute(kernel, "%config MwaaMagics.link_lifetime = 1.0")
    assert execute(kernel, "%mwaa_login demo-airflow3")[0]["status"] == "ok"
    reply, messages = execute(kernel, "%mwaa ui --token-link")
    assert reply["status"] == "ok"
    shown = next(m["content"] for m in messages if m["msg_type"] == "display_data")
    display_id = shown["transient"]["display_id"]
    assert "aws-console-sso?login=true#" in shown["data"]["text/html"]
    assert not any(s in shown["data"]["text/plain"] for s in mwaa_env.admin.secrets())
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            msg = kernel.get_iopub_msg(timeout=1)
        except queue.Empty:
            continue
        if msg["msg_type"] == "update_display_data" and msg["content"]["transient"]["display_id"] == display_id:
            assert "expired" in msg["content"]["data"]["text/html"] and "#" not in msg["content"]["data"]["text/html"]
            return
    pytest.fail("the token link was not replaced after it expired")


def test_executed_notebook_holds_no_secret(mwaa_env, tmp_path):
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(c)
            for c in (
                "%load_ext mwaa_magic",
                "%mwaa_login demo-airflow3",
                "%mwaa dags",
                "run = mwaa.trigger('hello_world', wait=True)\nrun['state']",
                "%mwaa_login demo-airflow2 --as old\nold.dags()[:1]",
                "mwaa",
            )
        ]
    )
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute(
        env=mwaa_env.client_env()
    )
    path = tmp_path / "executed.ipynb"
    nbformat.write(nb, path)
    saved = path.read_text()
    secrets = mwaa_env.admin.secrets()
    assert len(secrets) >= 2 and not any(secret in saved for secret in secrets)
    assert "'success'" in saved


def test_failing_cell_stops_nbclient(mwaa_env, tmp_path):
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(c) for c in ("%load_ext mwaa_magic", "%mwaa_login staging-updating", "print('not reached')")
        ]
    )
    with pytest.raises(CellExecutionError) as info:
        NotebookClient(nb, timeout=120, kernel_name="python3").execute(env=mwaa_env.client_env())
    assert "UPDATING" in str(info.value)
    assert not nb.cells[2].get("outputs")
