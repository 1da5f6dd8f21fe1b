"""The report made from a run's executed notebook: the notebook scrubbed, HTML, PDF.

The executed notebook is rewritten to name its inputs by file name, as run.json does,
and its error outputs lose their paths. The HTML shows outputs only, its charts
drawing on the reports folder's one copy of plotly.js. The PDF is printed when a
printer is found (see pdf) and the caller wants one; when not, the record says why.
A failure is recorded in the run's record, never raised.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import nbformat

from insight_workbench.atomic import WriteError, naming_the_target, write_atomically
from insight_workbench.loading.manifest import sha256_file
from insight_workbench.reports.pdf import print_pdf
from insight_workbench.reports.report_html import export_report, shared_script_name
from insight_workbench.reports.report_style import ReportContext
from insight_workbench.reports.run_records import (
    EXPORT_STAGE,
    RESULTS_FILE,
    PreparedRun,
    recorded_parameters,
    without_paths,
    write_failure,
)
from insight_workbench.timeutil import format_utc

NO_PDF = "not requested"  # why a run asked not to print has no PDF


def write_report(
    executed: Path, prepared: PreparedRun, record: dict[str, Any], root: Path, *, pdf: bool
) -> None:
    """The report made from the executed notebook: HTML, the shared plotly.js, the PDF
    (when `pdf`). A failure is recorded in `record`, never raised: a file that could
    not be written by its name, a notebook left unreadable as such."""
    folder = executed.parent
    try:
        scrub_notebook(executed, prepared)
        script = write_shared_script(root)
        record["shared"] = {"plotly.js": script}
        html = folder / record["files"]["html"]
        with naming_the_target(html):
            printable = export_html(executed, html, _context(record, folder), script["path"])
        if pdf:
            _print(html, printable, record)
        else:
            record["pdf"] = {"status": "skipped", "reason": NO_PDF}
    except WriteError as error:
        record["status"], record["error"] = "failed", write_failure(error, folder)
    except (OSError, ValueError, nbformat.ValidationError) as error:  # a notebook left
        # truncated or unreadable: the record says so, never "running"
        record["status"] = "failed"
        reason = error.strerror if isinstance(error, OSError) else "unreadable notebook"
        record["error"] = {
            "cell": None,
            "ename": type(error).__name__,
            "evalue": reason,
            "stage": EXPORT_STAGE,  # the notebook ran: its report could not be written
        }


def export_html(executed: Path, target: Path, context: ReportContext, script: str) -> str:
    """The report as HTML: outputs only, sanitised, with its charts and nothing loaded
    from the network (see report_html). Returns its printable copy (no script)."""
    return export_report(executed, target, context, script)


def write_shared_script(root: Path) -> dict[str, str]:
    """The reports folder's one copy of plotly.js (written once, rewritten only if it
    differs), and how a run folder two levels down names it."""
    name = shared_script_name()
    digest = _plotly_bundle_digest()
    path = root / name
    if not path.is_file() or path.is_symlink() or sha256_file(path) != digest:
        with naming_the_target(path):
            path.unlink(missing_ok=True)
            write_atomically(path, _plotly_bundle())
    return {"path": f"../../{name}", "sha256": digest}


def _plotly_bundle() -> bytes:
    from plotly.offline import get_plotlyjs

    bundle: str = get_plotlyjs()
    return bundle.encode("utf-8")


@cache  # the installed bundle cannot change while this process runs
def _plotly_bundle_digest() -> str:
    return hashlib.sha256(_plotly_bundle()).hexdigest()


def scrub_notebook(executed: Path, prepared: PreparedRun) -> None:
    """The executed notebook names its inputs by file name, as run.json does: papermill
    wrote the absolute paths the kernel needed into its metadata and parameters cell. A
    failed cell's traceback and any printed warning name files by their last part too
    (the code's own paths are the machine's, under a home folder)."""
    notebook = nbformat.read(executed, as_version=4)
    shown = recorded_parameters({**prepared.parameters, "results_path": RESULTS_FILE})
    papermill_meta = notebook.metadata.get("papermill", {})
    papermill_meta.update(
        input_path=prepared.notebook.path.name, output_path=executed.name, parameters=shown
    )
    for cell in notebook.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            lines = [f"{name} = {value!r}" for name, value in shown.items()]
            cell.source = "# Parameters (paths by file name)\n" + "\n".join(lines) + "\n"
        for output in cell.get("outputs", []):
            _outputs_without_paths(output)
    with naming_the_target(executed):
        write_atomically(executed, nbformat.writes(notebook).encode("utf-8"))


ANSI_CODES = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _outputs_without_paths(output: Any) -> None:
    if output.get("output_type") == "error":
        output["evalue"] = without_paths(str(output.get("evalue", "")))
        output["traceback"] = [
            without_paths(ANSI_CODES.sub("", str(line))) for line in output.get("traceback", [])
        ]
    elif output.get("output_type") == "stream" and output.get("name") == "stderr":
        output["text"] = without_paths(str(output.get("text", "")))  # warnings name files


def _print(html: Path, printable: str, record: dict[str, Any]) -> None:
    """The PDF beside `html`, printed from its script-free copy in a folder of its own,
    then written whole and readable by its owner only, as the other files of a run."""
    pdf = html.with_suffix(".pdf")
    with tempfile.TemporaryDirectory(prefix="insight-printable-") as folder:
        copy = Path(folder) / html.name
        copy.write_text(printable, encoding="utf-8")
        printed = print_pdf(copy, Path(folder) / pdf.name)
        if printed.pdf is not None:
            with naming_the_target(pdf):
                write_atomically(pdf, printed.pdf.read_bytes())
    if printed.pdf is not None:
        record["files"]["pdf"] = pdf.name
        record["pdf"] = {"status": "printed"}
    else:
        record["pdf"] = {"status": "skipped", "reason": printed.skipped}


def _context(record: dict[str, Any], folder: Path) -> ReportContext:
    return ReportContext(
        notebook=record["notebook"],
        snapshot_id=record["snapshot"]["snapshot_id"],
        as_of=record["as_of"],
        run_id=f"{record['notebook']}/{folder.name}",
        generated=format_utc(datetime.now(UTC).replace(microsecond=0)),
    )
