"""How a report looks on screen and on paper.

On paper (A4): every column on the page (cells wrap, headings do not; a report with a
table of many columns is printed landscape: Chromium lays out every page at the width
of the first, so one landscape page among portrait ones would still cut that table),
no row split across pages, a title kept with its table,
charts as their static SVG copy (no toolbar), and on every page a header naming the
report, snapshot, as-of, run and generation time, with page numbers below.
"""

from __future__ import annotations

from dataclasses import dataclass

from insight_workbench.terminal import controls_shown

SCREEN_CSS = """
body { max-width: 1200px; margin: 0 auto; }
.report-meta { font-size: 0.85em; color: #444; border-bottom: 1px solid #ccc;
  margin-bottom: 1em; padding: 0.5em 0; }
.report-meta span { margin-right: 1.5em; white-space: nowrap; }
table.report-table { table-layout: auto; width: 100%; margin: 0 0 1em 0; }
table.report-table th, table.report-table td { text-align: left !important;
  padding: 0.3em 0.5em; overflow-wrap: break-word; }
table.report-table td.num { text-align: right !important; }
table.report-table td.nw { white-space: nowrap; }
table.report-table td.brk { overflow-wrap: anywhere; }
table.report-table thead th { border-bottom: 1px solid #888; vertical-align: bottom; }
h4.table-title { margin: 1.2em 0 0.4em 0; }
h4.table-title span { font-weight: normal; color: #555; }
.summary table.report-table { width: auto; min-width: 50%; }
.plotly-graph-div { width: 100%; height: 380px; }
.print-chart { display: none; }
.print-chart svg { width: 100%; height: auto; max-height: 82mm; }
"""

PRINT_CSS = """
@page { margin: 16mm 11mm 14mm 11mm; }
@media print {
  html, body { font-size: 8.5pt; max-width: none; }
  .jp-OutputArea-output, .jp-RenderedHTMLCommon, .jp-Cell, main, body {
    overflow: visible !important; width: auto !important; }
  .jp-OutputArea-child, .jp-Cell { display: block !important; }
  /* nbconvert prints an output as a table cell, which shrinks to its content: a chart's
     SVG, 100% of that, fell back to 300px wide and printed too small to read. */
  .jp-OutputArea-output { display: block !important; }
  .plotly-graph-div, .modebar, .modebar-container { display: none !important; }
  .print-chart { display: block; break-inside: avoid; }
  table.report-table { font-size: 7.5pt; width: 100% !important; }
  table.report-table.wide { font-size: 7pt; }
  table.report-table th, table.report-table td { padding: 0.15em 0.3em; }
  table.report-table th { white-space: nowrap; }
  thead { display: table-header-group; }
  tr, td, th { break-inside: avoid; }
  h1, h2, h3, h4, .table-title { break-after: avoid; break-inside: avoid; }
  .titled-table.short, .summary { break-inside: avoid; }
  .report-meta { display: none; }
  a { color: inherit; text-decoration: none; }
}
"""


@dataclass(frozen=True)
class ReportContext:
    """What every page of a report names: the report, its snapshot, as-of and run."""

    notebook: str
    snapshot_id: str
    as_of: str
    run_id: str
    generated: str

    @property
    def title(self) -> str:
        return controls_shown(f"{self.notebook} - {self.snapshot_id} - as of {self.as_of}")

    def facts(self) -> list[tuple[str, str]]:
        """The facts as shown: the snapshot id comes from the export, and a bidi override
        in it would turn the rest of the header round (as the app's tables show them)."""
        return [
            (name, controls_shown(value))
            for name, value in [
                ("Report", self.notebook),
                ("Snapshot", self.snapshot_id),
                ("As of", self.as_of),
                ("Run", self.run_id),
                ("Generated", self.generated),
            ]
        ]


def page_css(context: ReportContext, landscape: bool) -> str:
    """The page size, header and page numbers (CSS page-margin boxes)."""
    header = " · ".join(f"{name} {value}" for name, value in context.facts())
    box = "font-family: sans-serif; font-size: 7pt; color: #444;"
    return (
        f"@page {{ size: A4{' landscape' if landscape else ''}; "
        f"@top-left {{ content: {css_string(header)}; {box} }} "
        f'@bottom-right {{ content: "Page " counter(page) " of " counter(pages); {box} }} '
        f"@bottom-left {{ content: {css_string(context.notebook)}; {box} }} "
        "}"
    )


def css_string(text: str) -> str:
    """`text` as a CSS string whose every character outside letters, digits and a few
    marks is escaped: a value cannot end the string, the rule or the style element."""
    safe = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .:-_·+,")
    return '"' + "".join(c if c in safe else f"\\{ord(c):x} " for c in text) + '"'
