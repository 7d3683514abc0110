"""A notebook executed with nbclient and saved at once holds no secret, ``%mwaa ui`` included (issue 17 #15).

nbclient's kernel has no Jupyter server routes to mint a link on click, so ``%mwaa ui`` there shows no token at
all; only the explicit ``--token-link`` puts one in an output (replaced when it expires)."""

from __future__ import annotations

import nbformat
from nbclient import NotebookClient
from secret_scan import leaks

CELLS = ("%load_ext mwaa_magic", "%mwaa_login fast3", "%mwaa ui", "%mwaa dags -o d\nlen(d)")


def test_a_notebook_saved_right_after_mwaa_ui_holds_no_token(aws, issued, tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    NotebookClient(nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    path = tmp_path / "executed.ipynb"
    nbformat.write(nb, path)  # at once: well within the token's 60 s
    secrets = set(issued())
    assert len(secrets) >= 2  # the login's web token and cookie at least
    assert leaks(tmp_path, secrets)[2] == {}
    saved = path.read_text()
    assert "aws-console-sso" not in saved
    assert "--token-link" in saved  # the ui cell says how to get a link anyway
    assert "250" in saved  # the notebook really ran against the stub
