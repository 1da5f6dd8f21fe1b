"""The report as one safe HTML file, printable as it is.

A notebook's outputs hold values from the snapshot; whatever markup or script
they carry must never reach a reader's browser. So the export:

1. takes each chart out of the notebook as its figure JSON (the library's
   `application/vnd.plotly.v1+json` output) and leaves a placeholder holding a
   secret token in its place;
2. exports the rest with nbconvert (outputs only, no code; a template without
   require.js, MathJax, mermaid or widgets, so nothing comes from the network);
3. sanitises the exported body with nh3 against an allow-list: no script, no
   event handler, no link, no style block, images only as inline data;
4. puts each chart back as an empty div and its JSON in a
   `<script type="application/json">` (data, never run), drawn by one fixed
   script of ours with plotly.js, and beside it the chart's static copy for
   print (report_style, static_charts);
5. adds a Content-Security-Policy that lets only those scripts run (ours by
   hash, plotly.js from the report's own folder) and loads nothing else.

plotly.js (4-5 MB) is not in each report: one copy sits at the top of the reports
folder, referenced relatively, its sha256 recorded in run.json. For a frame with no
folder around it (the app's preview), `inline_shared_script` puts the bundle back in.
Cells tagged `notebook-only` (how to run the notebook) are left out of the report.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import secrets
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import nbformat
import nh3
from nbconvert import HTMLExporter
from plotly.offline import get_plotlyjs, get_plotlyjs_version
from plotly.utils import PlotlyJSONEncoder

from insight_workbench.atomic import write_atomically
from insight_workbench.reports.report_style import (
    PRINT_CSS,
    SCREEN_CSS,
    ReportContext,
    page_css,
)
from insight_workbench.reports.static_charts import printable_chart

PLOTLY_MIME = "application/vnd.plotly.v1+json"
NOTEBOOK_ONLY = "notebook-only"
TEMPLATE = "insight_report.html.j2"
# The lab template without anything it would load or run.
TEMPLATE_SOURCE = """{%- extends 'index.html.j2' -%}
{% block html_head_js %}{% endblock html_head_js %}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{% block html_head_js_mathjax %}{% endblock html_head_js_mathjax %}
{% block html_head_js_mermaidjs %}{% endblock html_head_js_mermaidjs %}
"""
# The one script a report runs besides plotly.js: draws each chart from its JSON.
DRAW_CHARTS = (
    "document.querySelectorAll('script[type=\"application/json\"][data-chart]')"
    ".forEach(function (data) {"
    " var figure = JSON.parse(data.textContent);"
    " var target = document.getElementById(data.getAttribute('data-chart'));"
    " Plotly.newPlot(target, figure.data || [], figure.layout || {},"
    " {responsive: true, displaylogo: false});"
    " });"
)
ALLOWED_TAGS = {
    *("div", "span", "p", "br", "hr", "blockquote", "pre", "code", "section"),
    *("h1", "h2", "h3", "h4", "h5", "h6", "strong", "b", "em", "i", "sup", "sub", "del"),
    *("ul", "ol", "li", "dl", "dt", "dd"),
    *("table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td"),
    "img",
}
ALLOWED_ATTRIBUTES = {
    "*": {"class"},
    "table": {"border"},
    "tr": {"style"},
    "th": {"colspan", "rowspan", "style"},
    "td": {"colspan", "rowspan", "style"},
    "img": {"src", "alt", "width", "height"},
}
INLINE_IMAGE = re.compile(r"data:image/(png|jpeg|gif);base64,[A-Za-z0-9+/=\s]*\Z")


@dataclass(frozen=True)
class Chart:
    placeholder: str
    figure: dict[str, Any]


def shared_script_name() -> str:
    """The file name of the shared plotly.js, by its version."""
    return f"plotly-{get_plotlyjs_version()}.min.js"


def export_report(
    executed: Path, target: Path, context: ReportContext, script_src: str | None
) -> str:
    """Write the executed notebook's outputs to `target` as a sanitised report; its charts
    load plotly.js from `script_src` (relative), or carry it inline when None. Returns
    the printable copy: the same page with no script, each chart as its static drawing."""
    notebook = nbformat.read(executed, as_version=4)
    notebook.cells = [
        cell for cell in notebook.cells if NOTEBOOK_ONLY not in cell.metadata.get("tags", [])
    ]
    token = secrets.token_hex(16)  # unknown to the data, so a value cannot forge a chart
    charts = take_charts(notebook, token)
    with _EXPORTER_LOCK:
        exported = _exporter().from_notebook_node(
            notebook, resources={"metadata": {"name": "report"}}
        )
    head, body_tag, body = split_document(exported[0])
    body = sanitise(body)
    document = assemble(head, body_tag, body, charts, context, script_src)
    write_atomically(target, document.encode("utf-8"))
    return assemble(head, body_tag, body, charts, context, for_print=True)


# One exporter per process: it compiles its templates once, not once per report (a
# process running several reports, as `--all` does, pays that once). An export sets
# the exporter's filters for its notebook, so exports take turns.
_EXPORTER_LOCK = threading.Lock()


@cache
def _exporter() -> HTMLExporter:
    return HTMLExporter(
        template_name="lab",
        template_file=TEMPLATE,
        extra_loaders=[jinja2.DictLoader({TEMPLATE: TEMPLATE_SOURCE})],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        anchor_link_text="",
    )


def take_charts(notebook: Any, token: str) -> list[Chart]:
    """Replace every chart output by a placeholder (text only) and return the figures."""
    charts: list[Chart] = []
    for cell in notebook.cells:
        for index, output in enumerate(cell.get("outputs", [])):
            figure = output.get("data", {}).get(PLOTLY_MIME)
            if not isinstance(figure, dict):
                continue
            placeholder = f"chart-{token}-{len(charts) + 1}"
            charts.append(Chart(placeholder, figure))
            cell.outputs[index] = nbformat.v4.new_output(
                "display_data", data={"text/html": f"<div>{placeholder}</div>"}
            )
    return charts


def split_document(document: str) -> tuple[str, str, str]:
    """The template's head, its <body> tag, and what lies inside <main>."""
    head_end = document.index("</head>")
    body_tag = re.search(r"<body\b[^>]*>", document[head_end:])
    main_start = document.index("<main>", head_end) + len("<main>")
    main_end = document.rindex("</main>")
    if body_tag is None or main_end < main_start:
        raise ValueError("the report template changed: no <body> and <main> found")
    head = document[document.index("<head>") + len("<head>") : head_end]
    if re.search(r"<script\b", head, re.IGNORECASE):
        raise ValueError("the report template changed: its head has a script")
    head = re.sub(r"<title>.*?</title>|<meta charset=[^>]*>", "", head, flags=re.DOTALL)
    return head, body_tag.group(0), document[main_start:main_end]


def sanitise(body: str) -> str:
    """Only the allow-listed markup survives; scripts, handlers and links do not."""
    return nh3.clean(
        body,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style", "template", "noscript"},
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_keep_attribute,
        link_rel=None,
        url_schemes={"data"},
        url_relative="deny",
        filter_style_properties={"text-align"},
        strip_comments=True,
    )


def _keep_attribute(tag: str, name: str, value: str) -> str | None:
    if tag == "img" and name == "src" and not INLINE_IMAGE.match(value):
        return None
    return value


def assemble(
    head: str,
    body_tag: str,
    body: str,
    charts: list[Chart],
    context: ReportContext,
    script_src: str | None = None,
    for_print: bool = False,
) -> str:
    """The final document: policy first, the template's styles and ours, the facts of the
    run, then the sanitised body with the charts put back, and (only when there are
    charts) plotly.js and our one drawing script. `for_print`: no script at all (a
    printer draws only the static charts, and running plotly.js costs it seconds)."""
    for chart in charts:
        # The placeholder is the whole text of an output; it survives sanitising unchanged.
        markup = _print_markup(chart) if for_print else _chart_markup(chart)
        body = body.replace(chart.placeholder, markup, 1)
    scripted = bool(charts) and not for_print
    bundle = get_plotlyjs() if scripted and script_src is None else ""
    library = ""
    if bundle:
        library = f"<script>{bundle}</script>\n"
    elif scripted:
        library = f'<script src="{html.escape(script_src or "")}"></script>\n'
    inline = [s for s in (bundle, DRAW_CHARTS) if s] if scripted else []
    policy = content_policy(inline, own_files=bool(scripted and script_src))
    landscape = 'class="report-table wide' in body
    styles = SCREEN_CSS + PRINT_CSS + page_css(context, landscape)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n'
        f"<title>{html.escape(context.title)}</title>\n{head}\n<style>{styles}</style>\n"
        f"</head>\n{body_tag}\n<main>{_facts(context)}{body}</main>\n"
        + library
        + (f"<script>{DRAW_CHARTS}</script>\n" if scripted else "")
        + "</body>\n</html>\n"
    )


def _facts(context: ReportContext) -> str:
    return (
        '<div class="report-meta">'
        + "".join(
            f"<span><strong>{html.escape(name)}</strong> {html.escape(value)}</span>"
            for name, value in context.facts()
        )
        + "</div>"
    )


def inline_shared_script(document: str) -> str:
    """The report with plotly.js inline instead of loaded from its folder, for a frame
    that has no folder (its policy then allows that script by hash, not by origin)."""
    tag = re.search(r'<script src="(?:\.\./)*plotly-[\w.-]+\.min\.js"></script>', document)
    if tag is None:
        return document
    bundle = get_plotlyjs()
    document = document.replace(tag.group(0), f"<script>{bundle}</script>", 1)
    return document.replace("script-src 'self' ", f"script-src '{script_hash(bundle)}' ", 1)


def _chart_markup(chart: Chart) -> str:
    name = chart.placeholder.rsplit("-", 1)[-1]
    figure = json.dumps(chart.figure, cls=PlotlyJSONEncoder)
    # As data inside <script>: no character of it can end the element or start markup.
    figure = figure.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return (
        f'<div class="plotly-graph-div" id="chart-{name}"></div>'
        f'<script type="application/json" data-chart="chart-{name}">{figure}</script>'
        + _print_markup(chart)
    )


def _print_markup(chart: Chart) -> str:
    """The chart's static drawing, which its print stylesheet shows instead of it."""
    return f'<div class="print-chart">{printable_chart(chart.figure)}</div>'


def content_policy(scripts: list[str], own_files: bool = False) -> str:
    """Nothing is loaded; only the given inline scripts run (by hash), and with
    `own_files` scripts from the report's own origin (its folder, for plotly.js)."""
    sources = (["'self'"] if own_files else []) + [f"'{script_hash(s)}'" for s in scripts]
    hashes = " ".join(sources) or "'none'"
    return (
        f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; "
        "img-src data:; font-src data:; base-uri 'none'; form-action 'none'"
    )


def script_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")
