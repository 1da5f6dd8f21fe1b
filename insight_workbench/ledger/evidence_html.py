"""The deletion register and certificates as HTML pages an auditor can print (A4).

Every value is escaped: a key or a snapshot id is text from a snapshot and may hold
anything, markup included. The pages name runs, snapshots and manifest hashes, never
a path on the machine that wrote them, and load nothing from elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from urllib.parse import quote

from insight_workbench import __version__
from insight_workbench.ledger.decision_log import Decision, standing_exception
from insight_workbench.ledger.evidence import DeletionRecord, RunRef
from insight_workbench.ledger.instants import shown

CSS = """
@page { size: A4; margin: 18mm 16mm; }
body { font: 10.5pt/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: #111; max-width: 178mm; margin: 0 auto; padding: 1em; }
h1 { font-size: 17pt; margin: 0 0 .2em; }
h2 { font-size: 12.5pt; margin: 1.4em 0 .4em; border-bottom: 1px solid #999; }
p.meta { color: #444; margin: 0 0 1em; }
table { border-collapse: collapse; width: 100%; margin: .4em 0; }
th, td { border: 1px solid #bbb; padding: .25em .45em; text-align: left; vertical-align: top; }
th { background: #eee; }
td.n { text-align: right; }
code, .hash { font: 9pt ui-monospace, "DejaVu Sans Mono", monospace; }
code { overflow-wrap: break-word; word-break: break-word; unicode-bidi: isolate; }
.hash { word-break: break-all; }
td.key { min-width: 16mm; }
table.register td, table.register th { padding: .25em .35em; }
table.register { font-size: 8.5pt; }
table.register code { font-size: 8.5pt; }
.when, .rule, .late, .on_time { white-space: nowrap; }
.late { color: #a00; font-weight: bold; }
.on_time { color: #060; font-weight: bold; }
p.note { font-size: 9.5pt; color: #333; }
p.caveat { border-left: 3px solid #a60; padding: .2em .6em; background: #fff6e8; }
footer { margin-top: 2em; font-size: 9pt; color: #444; border-top: 1px solid #999; }
@media print {
  body { padding: 0; max-width: none; }
  a { color: inherit; text-decoration: none; }
  tr, dl, section { break-inside: avoid; }
  h2 { break-after: avoid; }
}
"""

VERDICTS = {"on_time": "On time", "late": "Late"}
METHOD = (
    "Each record compares two recorded runs of the workbench: the last snapshot that "
    "still held rows of the organisation's users or of the erasure request's person, "
    "and the first later snapshot holding none. The data was deleted between the two "
    "export times; the verdict compares the later one with the due date, so a late "
    "deletion is late by at most the days shown. Snapshots are identified by the SHA-256 "
    'of their manifest.json. "Held" counts the rows the workbench loaded: rows a '
    "snapshot quarantined (DQ-001) are not counted, so a record whose first clear snapshot "
    "quarantined rows, or whose run did not run DQ-001, says what it does not cover."
)


def register_page(
    records: Sequence[DeletionRecord], names: dict[str, str], runs: int, generated_at: str
) -> str:
    """The register: one row per record, each linking to its certificate (`names`)."""
    late = sum(1 for r in records if r.verdict == "late")
    partial = sum(1 for r in records if r.not_covered)
    rows = "".join(
        "<tr>"
        f'<td class="key"><a href="certificates/{quote(names[r.key])}">'
        f"<code>{escape(r.key)}</code></a></td>"
        f'<td class="rule">{escape(r.rule)}</td><td class="when">{_when(r.due)}</td>'
        f'<td class="when">{_when(r.last_held.exported_at)}</td>'
        f'<td class="when">{_when(r.first_clear.exported_at)}</td>'
        f'{_verdict_cell(r)}<td class="n">{_days(r)}</td><td>{_uncovered(r)}</td>'
        "</tr>"
        for r in records
    )
    body = (
        "<h1>Deletion register</h1>"
        f'<p class="meta">{len(records)} deletion record(s) from {runs} recorded run(s): '
        f"{len(records) - late} on time, {late} late"
        + (f"; {partial} with rows of the first clear snapshot not covered" if partial else "")
        + ".</p>"
        + (
            '<table class="register"><thead><tr><th>Key</th><th>Rule</th><th>Due</th>'
            "<th>Last held (export time)</th><th>First clear (export time)</th><th>Verdict</th>"
            "<th>Days late (at most)</th><th>Not covered in first clear</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
            if records
            else "<p>No deletion is recorded yet: no organisation or erasure request held "
            "in one recorded snapshot is absent from a later one.</p>"
        )
        + f'<p class="note">{escape(METHOD)}</p>'
    )
    return _page("Deletion register", body, generated_at)


def certificate_page(record: DeletionRecord, history: Sequence[Decision], generated_at: str) -> str:
    """One record's certificate: its facts, both runs, the decisions about its key and
    the exception that stands for it, if any."""
    facts = _definitions(
        [
            ("Key", f"<code>{escape(record.key)}</code>"),
            ("Rule", escape(record.rule)),
            ("Due", _when(record.due)),
            ("Verdict", f'<span class="{record.verdict}">{VERDICTS[record.verdict]}</span>'),
            ("Days late (at most)", _days(record)),
            ("Not covered", _uncovered(record)),
        ]
    )
    rows = "".join(
        f'<tr><td>{escape(table)}</td><td class="n">{count}</td></tr>'
        for table, count in record.rows.items()
    )
    again = (
        '<p class="note">This data was cleared once before and held again later; this '
        "record follows the latest clearing.</p>"
        if record.held_again
        else ""
    )
    body = (
        "<h1>Certificate of deletion</h1>"
        f'<p class="meta">Key <code>{escape(record.key)}</code>, rule {escape(record.rule)}</p>'
        + facts
        + "<h2>Last snapshot holding the data</h2>"
        + _run(record.last_held)
        + "<table><thead><tr><th>Table</th><th>Rows held</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
        + "<h2>First later snapshot without it</h2>"
        + _run(record.first_clear)
        + _caveat(record)
        + again
        + "<h2>Decisions about this key</h2>"
        + _decisions(history)
        + "<h2>Exception</h2>"
        + _exception(standing_exception(list(history), record.rule))
        + f'<p class="note">{escape(METHOD)}</p>'
    )
    return _page(f"Certificate of deletion: {record.key}", body, generated_at)


def _page(title: str, body: str, generated_at: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head>\n<body>\n{body}\n"
        f"<footer>Generated {escape(generated_at)} by Insight Workbench "
        f"{escape(__version__)} from its ledger of recorded runs.</footer>\n</body></html>\n"
    )


def _run(run: RunRef) -> str:
    return _definitions(
        [
            ("Snapshot", f"<code>{escape(run.snapshot_id)}</code>"),
            ("Exported at", _when(run.exported_at)),
            ("Manifest SHA-256", f'<span class="hash">{escape(run.manifest_sha256)}</span>'),
            ("Run", f'<span class="hash">{escape(run.run_id)}</span>'),
            ("Checked as of", _when(run.as_of)),
        ]
    )


def _decisions(history: Sequence[Decision]) -> str:
    if not history:
        return "<p>None recorded.</p>"
    rows = "".join(
        f"<tr><td>{escape(d.at)}</td><td>{escape(d.rule)}</td><td>{escape(d.action)}</td>"
        f"<td>{escape(d.by)}</td><td>{_text(d.owner)}</td><td>{_text(d.note)}</td></tr>"
        for d in history
    )
    return (
        "<table><thead><tr><th>At</th><th>Rule</th><th>Action</th><th>By</th><th>Owner</th>"
        f"<th>Note</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _exception(exception: Decision | None) -> str:
    if exception is None:
        return "<p>None.</p>"
    return _definitions(
        [
            ("Basis", _text(exception.basis)),
            ("Approved by", _text(exception.approver)),
            ("Until", _text(exception.until)),
            ("Recorded", f"{escape(exception.at)} by {escape(exception.by)}"),
        ]
    )


def _definitions(items: Iterable[tuple[str, str]]) -> str:
    rows = "".join(f'<tr><th scope="row">{escape(k)}</th><td>{v}</td></tr>' for k, v in items)
    return f"<table><tbody>{rows}</tbody></table>"


def _verdict_cell(record: DeletionRecord) -> str:
    return f'<td class="{record.verdict}">{VERDICTS[record.verdict]}</td>'


def _days(record: DeletionRecord) -> str:
    days = record.late_by_days_at_most
    return "–" if days is None else str(days)


def _uncovered(record: DeletionRecord) -> str:
    """The register's and the facts' short word on what the clearing does not cover."""
    return _text(record.not_covered_brief)


def _caveat(record: DeletionRecord) -> str:
    text = record.not_covered
    return f'<p class="note caveat">{escape(text)}</p>' if text else ""


def _when(stored: str) -> str:
    return escape(shown(stored) or "")


def _text(value: str | None) -> str:
    return escape(value) if value else "–"
