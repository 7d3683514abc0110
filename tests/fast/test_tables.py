"""How a Table looks: text left and numbers right, "1 row", coloured marks, failing rows, long cells in full."""

from __future__ import annotations

import re

import pytest

from mwaa_magic.core.table import Table

pytestmark = pytest.mark.fast

CHECKS = [
    {"result": "✓", "check": "credentials", "found": "arn:aws:iam::1:user/a", "fix": "", "time": "0.01 s"},
    {"result": "✗", "check": "environment", "found": "no <env>", "fix": "pick one", "time": "0.20 s"},
    {"result": "⚠", "check": "clock", "found": "3 s off", "fix": "sync", "time": "0.05 s"},
    {"result": "skipped", "check": "web login", "found": "no token", "fix": "", "time": ""},
]


def test_rows_are_counted_in_english():
    one = Table([{"n": 1}], ["n"], "DAGs")
    assert repr(one).endswith("(1 row)") and "1 rows" not in one._repr_html_() and "(1 row)" in one._repr_html_()
    assert repr(Table([], ["n"])).endswith("(0 rows)") and repr(Table([{"n": 1}, {"n": 2}], ["n"])).endswith("(2 rows)")


def test_text_columns_are_left_aligned_and_numbers_right_aligned():
    table = Table([{"name": "a", "count": 7}, {"name": "longer", "count": 1234}], ["name", "count"])
    lines = repr(table).splitlines()
    assert lines[2] == "a           7" and lines[3] == "longer   1234"
    html = table._repr_html_()
    cells = re.findall(r"<td style='([^']*)'>([^<]*)</td>", html)
    assert ("text-align:left", "a") in [(s.split(";")[0], v) for s, v in cells]
    assert ("text-align:right", "1234") in [(s.split(";")[0], v) for s, v in cells]
    assert "text-align:right" in re.search(r"<th[^>]*>count</th>", html).group(0)


def test_marks_are_coloured_with_theme_variables_and_failing_rows_stand_out():
    html = Table(CHECKS, ["result", "check", "found", "fix", "time"])._repr_html_()
    for mark, colour in [("✓", "success"), ("✗", "error"), ("⚠", "warn")]:
        # the theme's colour mixed with its text colour (readable in light and dark themes: browser tests)
        assert re.search(rf"color:color-mix\(in srgb, var\(--jp-{colour}-color1[^;>]*>{mark}<", html), mark
    assert re.search(r"color:color-mix\(in srgb, var\(--jp-ui-font-color0[^;>]*>skipped<", html)
    rows = re.findall(r"<tr[^>]*>.*?</tr>", html.split("<tbody>")[1])
    failing = [r for r in rows if "✗" in r]
    assert len(failing) == 1 and "inset 3px 0 var(--jp-error-color1" in failing[0].split(">")[0]  # a red bar, a tint
    assert all("--jp-error-color1" not in r.split(">")[0] for r in rows if "✗" not in r)
    assert re.search(r"white-space:nowrap[^>]*>0\.01 s<", html)  # a time never wraps


def test_a_timestamp_never_wraps_at_its_hyphens():
    row = {"filename": "dags/a.py", "timestamp": "2026-12-04T15:16:52.467167Z", "day": "2026-12-04"}
    html = Table([row], ["filename", "timestamp", "day"])._repr_html_()
    for value in row.values():
        cell = re.search(rf"<td style='([^']*)'>{re.escape(value)}</td>", html).group(1)
        assert ("white-space:nowrap" in cell) is (value != "dags/a.py"), value


def test_long_cells_are_shown_in_full_in_html_and_escaped():
    path = "dags/" + "very_long_folder_name/" * 8 + "broken_dag.py"
    trace = "Traceback (most recent call last):\n" + '  File "x.py", line 1\n' * 20 + "ImportError: <no module>"
    html = Table([{"file": path, "error": trace}], ["file", "error"])._repr_html_()
    assert path in html and "..." not in html and "…" not in html
    assert "<details" in html and "ImportError: &lt;no module&gt;" in html and "<no module>" not in html
    assert "..." in repr(Table([{"file": path}], ["file"]))  # text may still cut


def test_text_output_has_no_markup():
    text = repr(Table(CHECKS, ["result", "check", "found", "fix", "time"], "mwaa doctor"))
    assert "<" not in text.replace("no <env>", "") and "`" not in text and "var(" not in text
