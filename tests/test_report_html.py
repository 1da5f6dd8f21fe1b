"""The pieces of a safe report: Markdown escaping, the sanitiser, the chart placeholders."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import nbformat
import pytest
from nbconvert.filters.markdown import markdown2html

from insight_workbench.loading.snapshot import Snapshot
from insight_workbench.markdown_text import escape_markdown, markdown_code
from insight_workbench.policy import load_policy
from insight_workbench.reports.report_html import (
    Chart,
    assemble,
    export_report,
    inline_shared_script,
    sanitise,
    script_hash,
    take_charts,
)
from insight_workbench.reports.report_style import ReportContext, css_string
from insight_workbench.reports.results import ReportInputs, header, open_analyst_inputs

CONTEXT = ReportContext("audit", "snap-1", "2026-11-28T02:00:00Z", "audit/run", "now")

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
    "A:green-badge :red-background[x] :material/check_circle: :smile: :help -> B -- C >= 5",
    "=== heading?",
]


@pytest.mark.parametrize("value", PLANTED)
def test_escaped_markdown_reads_as_the_text_itself(value: str) -> None:
    rendered = markdown2html(escape_markdown(value)).strip().replace("\u2060", "")
    inner = rendered.removeprefix("<p>").removesuffix("</p>")
    expected = re.sub("\n+", " ", value).replace("&", "&amp;").replace("<", "&lt;")
    assert inner.replace("&gt;", ">").replace("&quot;", '"') == expected


@pytest.mark.parametrize("control", ["\u202e", "\u202a", "\u2066", "\u2069", "\x9b"])
def test_a_bidi_override_or_isolate_is_shown_as_its_code(control: str) -> None:
    """A right-to-left override in a note would show the rest of the sentence backwards."""
    rendered = markdown2html(escape_markdown(f"approved by {control}Legal at 10:00")).strip()
    assert control not in rendered
    assert rendered == f"<p>approved by \\u{ord(control):04x}Legal at 10:00</p>"


@pytest.mark.parametrize("mark", ["\u200e", "\u200f", "\u061c"])
def test_a_direction_mark_typed_on_purpose_is_kept(mark: str) -> None:
    """Hebrew and Arabic typists insert these marks; they move only the punctuation beside
    them."""
    rendered = markdown2html(escape_markdown(f"\u05d3\u05e0\u05d9{mark} ACME")).strip()
    assert rendered == f"<p>\u05d3\u05e0\u05d9{mark} ACME</p>"


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
    document = assemble("", "<body>", body, charts, CONTEXT, "../../plotly-9.min.js")
    assert document.count('class="plotly-graph-div"') == 1
    assert '"x": ["\\u003cb\\u003e"]' in document  # data inside the JSON cannot close it
    assert "<pre>chart-guess-1</pre>" in document
    assert document.count('<svg class="static-chart"') == 1  # the printable copy
    assert ">&lt;b&gt;</text>" in document  # its labels are text too


def one_bar_chart(label: str, token: str) -> list[Chart]:
    """The charts taken from a notebook whose one output is a bar chart of `label`."""
    figure = {"data": [{"type": "bar", "x": [label], "y": [1]}], "layout": {}}
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("")]
    notebook.cells[0].outputs = [
        nbformat.v4.new_output("display_data", data={"application/vnd.plotly.v1+json": figure})
    ]
    return take_charts(notebook, token)


def test_the_printable_copy_runs_no_script_and_keeps_each_static_chart() -> None:
    charts = one_bar_chart("<b>", "p")
    body = sanitise("<p>before</p><div>chart-p-1</div><p>after</p>")
    screen = assemble("", "<body>", body, charts, CONTEXT, "../../plotly-9.min.js")
    printable = assemble("", "<body>", body, charts, CONTEXT, for_print=True)
    assert "<script" in screen
    assert "<script" not in printable
    assert "script-src 'none'" in printable
    assert 'class="plotly-graph-div"' not in printable
    static = '<div class="print-chart">'
    assert printable.count(static) == screen.count(static) == 1
    chart = screen.split(static, 1)[1].split("</svg>", 1)[0]
    assert chart in printable  # the same drawing as the report's own
    assert printable.index("<p>before") < printable.index(static) < printable.index("<p>after")
    inline = assemble("", "<body>", body, charts, CONTEXT)  # plotly.js carried inline
    bundle = inline.split("<script>", 1)[1].split("</script>", 1)[0]
    assert len(bundle) > 1_000_000
    assert f"'{script_hash(bundle)}'" in inline
    assert "'self'" not in inline


def test_plotly_is_loaded_from_the_reports_folder_or_put_inline() -> None:
    charts = one_bar_chart("a", "t")
    body = sanitise("<div>chart-t-1</div>")
    shared = assemble("", "<body>", body, charts, CONTEXT, "../../plotly-9.min.js")
    assert '<script src="../../plotly-9.min.js"></script>' in shared
    assert "script-src 'self' 'sha256-" in shared
    assert len(shared) < 100_000  # plotly.js (megabytes) is not in the file
    inline = inline_shared_script(shared)
    assert "<script src=" not in inline
    assert "'self'" not in inline
    bundle = inline.split("<script>", 1)[1].split("</script>", 1)[0]
    assert f"'{script_hash(bundle)}'" in inline  # the bundle runs by its hash


def test_a_value_cannot_leave_the_page_header_s_css_string() -> None:
    quoted = css_string('x"; } body { display: none } </style><script>')
    assert quoted.count('"') == 2
    assert not set(quoted[1:-1]) & set('"<>{};')


def test_a_bidi_override_in_the_snapshot_id_cannot_turn_the_page_header_round() -> None:
    """An export named `export-2026-11<U+202E>` printed every page's header backwards
    from there ("Generated …" read as "detareneG"), on screen and in the PDF."""
    from insight_workbench.reports.report_style import page_css

    context = ReportContext("access_review", "export-2026-11\u202e", "as", "run", "now")
    for text in (page_css(context, False), context.title, *(v for _, v in context.facts())):
        assert "\u202e" not in text
    assert "export-2026-11\\u202e" in context.title


def written_notebook(folder: Path, name: str, text: str, lexer: str) -> Path:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["language_info"] = {"name": "python", "pygments_lexer": lexer}
    notebook.cells = [nbformat.v4.new_markdown_cell(f"# {name}"), nbformat.v4.new_code_cell("")]
    notebook.cells[1].outputs = [
        nbformat.v4.new_output("display_data", data={"text/html": f"<p>{text}</p>"})
    ]
    path = folder / f"{name}.ipynb"
    nbformat.write(notebook, path)
    return path


def test_each_export_shows_its_own_notebook_only(tmp_path: Path) -> None:
    """The exporter is built once per process: an export keeps nothing of the one before,
    and exports from several threads at once each get their own notebook."""
    first = written_notebook(tmp_path, "first", "first-planted-text", "ipython3")
    second = written_notebook(tmp_path, "second", "second-planted-text", "python")

    def export(source: Path, target: str) -> str:
        printable = export_report(source, tmp_path / target, CONTEXT, None)
        written = (tmp_path / target).read_text(encoding="utf-8")
        assert printable.split("<main>", 1)[1] == written.split("<main>", 1)[1]  # no chart
        return written

    alone = export(first, "alone.html")
    other = export(second, "other.html")
    again = export(first, "again.html")
    assert again == alone
    assert "first-planted-text" in alone
    assert "second-planted-text" not in alone
    assert "second-planted-text" in other
    assert "first-planted-text" not in other
    with ThreadPoolExecutor(max_workers=4) as pool:
        sources = [first, second] * 4
        done = list(pool.map(export, sources, [f"t{i}.html" for i in range(len(sources))]))
    assert done == [alone, other] * 4


def test_an_analyst_report_without_suppression_does_not_call_itself_analyst_safe(
    sample: Snapshot, tmp_path: Path
) -> None:
    """A policy may set `min_cell = 1`, which suppresses nothing: the header then says a
    figure may be one person's instead of "Analyst-safe"."""
    policy = tmp_path / "policy.toml"
    policy.write_text("[deidentification]\nmin_cell = 1\n", encoding="utf-8")
    plain = header(ReportInputs(sample, load_policy(), sample.manifest.exported_at, None), False)
    assert "*Analyst-safe data only: no identifier of anyone.*" in plain
    loose = ReportInputs(sample, load_policy(policy), sample.manifest.exported_at, str(policy))
    said = header(loose, personal_data=False)
    assert "Analyst-safe data only" not in said
    assert "nothing is suppressed" in said
    assert "Do not share this report as analyst-safe" in said


def test_an_analyst_report_counts_to_the_start_of_the_day_asked_for(sample_path: Path) -> None:
    inputs = open_analyst_inputs(sample_path, "2026-11-27T23:29:59Z")
    assert inputs.as_of == datetime(2026, 11, 27, tzinfo=UTC)
    assert open_analyst_inputs(sample_path, "2026-11-27T23:30:00Z").as_of == inputs.as_of


@pytest.mark.parametrize(
    ("value", "broken"),
    [
        (":green-badge", ":\u2060green-badge"),
        ("x:red-background[y]", "x:\u2060red-background\\[y\\]"),
        (":material/check_circle:", ":\u2060material/check_circle:"),
        (":white_check_mark:", ":\u2060white_check_mark:"),
        (":streamlit:", ":\u2060streamlit:"),
        ("ok :+1: :100:", "ok :\u2060\\+1: :\u2060100:"),
        ("a -> b", "a -\u2060\\> b"),
        ("org:O9", "org:O9"),  # Streamlit shows these as written: left alone
        ("at 09:15:00", "at 09:15:00"),
    ],
)
def test_streamlit_s_own_markdown_is_kept_as_text(value: str, broken: str) -> None:
    """Streamlit reads directives, icons, emoji and arrows after unescaping: an invisible
    joiner keeps each as the text it is (a value cannot add a badge or a tick)."""
    assert escape_markdown(value) == broken


@pytest.mark.parametrize(
    ("value", "span"),
    [
        ("row:users:12", "`row:users:12`"),
        (
            "dataset:x:**b** [a](http://e.x) :green-badge",
            "`dataset:x:**b** [a](http://e.x) :green-badge`",
        ),
        ("a`b", "``a`b``"),
        ("`a", "`` `a ``"),
        ("line\nbreak \u202e", "`line break \\u202e`"),
        # Streamlit writes `:material/` as `:material_` even in a span: a joiner keeps it.
        ("org:material/home:", "`org:\u2060material/home:`"),
        ("org:material_home: :smile:", "`org:material_home: :smile:`"),
    ],
)
def test_a_code_span_shows_the_value_as_it_is(value: str, span: str) -> None:
    """A key in a heading is copied into the command line: a code span shows it exactly,
    with nothing in it read as Markdown."""
    assert markdown_code(value) == span
    inner = markdown2html(markdown_code(value)).strip()
    assert inner.startswith("<p><code>")
    assert "<a" not in inner
    assert "<strong>" not in inner
