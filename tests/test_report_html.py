"""The pieces of a safe report: Markdown escaping, the sanitiser, the chart placeholders."""

from __future__ import annotations

import re

import nbformat
import pytest
from nbconvert.filters.markdown import markdown2html

from insight_workbench.markdown_text import escape_markdown
from insight_workbench.reports.report_html import assemble, sanitise, take_charts

PLANTED = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "![x](http://127.0.0.1:9/planted.png)",
    "[y](javascript:alert(1))",
    '"><svg onload=alert(1)>',
    "line\n# heading\n\n- item",
    "$x$ *em* `code` &amp; <10 _a_ snake_case",
    "- item",
    "12. item",
    "=== heading?",
]


@pytest.mark.parametrize("value", PLANTED)
def test_escaped_markdown_reads_as_the_text_itself(value: str) -> None:
    rendered = markdown2html(escape_markdown(value)).strip()
    inner = rendered.removeprefix("<p>").removesuffix("</p>")
    expected = re.sub("\n+", " ", value).replace("&", "&amp;").replace("<", "&lt;")
    assert inner.replace("&gt;", ">").replace("&quot;", '"') == expected


@pytest.mark.parametrize("value", PLANTED)
def test_the_sanitiser_keeps_no_markup_from_data(value: str) -> None:
    cleaned = sanitise(f"<div class='jp-OutputArea'><p>{value}</p></div>")
    assert "<script" not in cleaned
    assert "<svg" not in cleaned
    assert "src=" not in cleaned
    assert not re.search(r"<[^>]*\bon\w+=", cleaned)  # no handler inside any tag


def test_the_sanitiser_keeps_tables_and_inline_images() -> None:
    table = '<table border="1" class="dataframe"><tr style="text-align: right; color: red"><td colspan="2">1</td></tr></table>'  # noqa: E501
    assert sanitise(table) == (
        '<table border="1" class="dataframe"><tbody><tr style="text-align:right">'
        '<td colspan="2">1</td></tr></tbody></table>'
    )
    png = '<img src="data:image/png;base64,iVBORw0KGgo=" alt="chart">'
    assert sanitise(png) == png
    assert sanitise('<img src="https://example.org/x.png">') == "<img>"


def test_only_the_workbench_s_own_chart_outputs_become_charts() -> None:
    notebook = nbformat.v4.new_notebook()
    figure = {"data": [{"type": "bar", "x": ["<b>"], "y": [1]}], "layout": {}}
    notebook.cells = [nbformat.v4.new_code_cell("")]
    notebook.cells[0].outputs = [
        nbformat.v4.new_output("display_data", data={"application/vnd.plotly.v1+json": figure}),
        nbformat.v4.new_output("display_data", data={"text/plain": "chart-guess-1"}),
    ]
    charts = take_charts(notebook, "secret")
    assert [c.placeholder for c in charts] == ["chart-secret-1"]
    body = sanitise("<div>chart-secret-1</div><pre>chart-guess-1</pre>")
    document = assemble("", "<body>", body, charts, "t")
    assert document.count('class="plotly-graph-div"') == 1
    assert '"x": ["\\u003cb\\u003e"]' in document  # data inside the JSON cannot close it
    assert "<pre>chart-guess-1</pre>" in document
