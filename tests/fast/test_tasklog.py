"""Airflow 3 task logs' ``::group::`` markers are shown as the Airflow UI shows them (issue 12)."""

from mwaa_magic.core.tasklog import TaskLog

RAW = (
    "[2026-11-28T09:00:00Z INFO] ::group::Log message source details\n"
    "[2026-11-28T09:00:00Z INFO] sources=['/logs/x.log']\n"
    "[2026-11-28T09:00:00Z INFO] ::endgroup::\n"
    "[2026-11-28T09:00:01Z INFO] Task started <script>\n"
)


def test_groups_fold_in_html_and_indent_in_text():
    log = TaskLog(RAW)
    assert "::group::" not in log and "::endgroup::" not in log
    assert str(log).splitlines()[0] == "▸ Log message source details"
    assert str(log).splitlines()[1].startswith("    [2026") and log.endswith("Task started <script>")
    html = log._repr_html_()
    assert "<details><summary>Log message source details</summary>" in html and "&lt;script&gt;" in html
    assert log.raw == RAW and repr(log) == str(log)


def test_a_log_without_groups_is_unchanged():
    assert TaskLog("a\nb") == "a\nb"
