"""`report NOTEBOOK --snapshot S --out DIR`, `reports prune --older-than DAYS` and
`reports verify PATH`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperCommand

from insight_workbench.commands.common import AsOfOption, output_folder, outside_the_snapshot, say
from insight_workbench.commands.progress_bar import QuietOption, progress_bar
from insight_workbench.errors import InputError
from insight_workbench.reports.notebooks import MONTHLY_SET, RESERVED
from insight_workbench.terminal import os_text, printable

if TYPE_CHECKING:
    from insight_workbench.reports.run_records import PreparedRun, RunResult

DEFAULT_REPORTS = Path("reports")
PAIR_OPTIONS = ("-p", "--parameter")


class ReportCommand(TyperCommand):
    """`-p NAME VALUE` takes two values and may repeat. Typer declares options of one
    value, so each pair is joined as NAME=VALUE before parsing (a name has no `=`)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return super().parse_args(ctx, self.arguments_as_parsed(args))

    def arguments_as_parsed(self, args: list[str]) -> list[str]:
        """The words as the parser reads them (see `repeated_options`)."""
        return join_pairs(args)


def join_pairs(args: list[str]) -> list[str]:
    joined: list[str] = []
    rest = iter(args)
    for arg in rest:
        if arg == "--":
            joined += [arg, *rest]
            break
        if arg in PAIR_OPTIONS:
            pair = [next(rest, None), next(rest, None)]
            if pair[0] is None or pair[1] is None or "=" in pair[0]:
                raise InputError(f"{arg}: takes a parameter NAME and a VALUE")
            joined += [arg, f"{pair[0]}={pair[1]}"]
            continue
        joined.append(arg)
    return joined


def report(
    snapshot: Annotated[Path, typer.Option("--snapshot", help="Snapshot folder to report on.")],
    out: Annotated[
        Path, typer.Option("--out", help="Reports folder; each run gets its own sub-folder.")
    ],
    notebook: Annotated[
        str | None,
        typer.Argument(help="Notebook path, or the bare name of one in notebooks/."),
    ] = None,
    as_of: AsOfOption = None,
    parameter: Annotated[
        list[str] | None,
        typer.Option(
            "-p",
            "--parameter",
            metavar="NAME VALUE",
            help="NAME VALUE: set a notebook parameter (repeatable); unknown names and values "
            "of another kind than its default are refused.",
        ),
    ] = None,
    run_all: Annotated[
        bool,
        typer.Option("--all", help="Run the monthly set: " + ", ".join(MONTHLY_SET) + "."),
    ] = False,
    no_pdf: Annotated[
        bool,
        typer.Option("--no-pdf", help="Print no PDF (the HTML report is the same)."),
    ] = False,
    quiet: QuietOption = False,
    progress_file: Annotated[
        Path | None,
        typer.Option(
            "--progress-file",
            help="Append a line per finished cell: NOTEBOOK, cells done, cells in all "
            "(tab-separated; the app reads it to show 'cell n of m').",
        ),
    ] = None,
) -> None:
    """Run a parameterised notebook with papermill: writes the executed notebook, an HTML
    report without code, its PDF (unless --no-pdf) and run.json into OUT/NOTEBOOK/TIME/.
    Exit 2 when a cell fails (run.json names the cell; the partial notebook is kept) or
    the input is unusable."""
    from insight_workbench.reports.progress_file import both, step_writer
    from insight_workbench.reports.report_export import NO_PDF
    from insight_workbench.reports.run_records import notebook_folder
    from insight_workbench.reports.runner import execute

    out = output_folder("--out", out)
    outside_the_snapshot("--out", out, snapshot)
    prepared = prepare_report(snapshot, notebook, as_of, parameter, run_all)
    for run in prepared:  # every run's folder checked before the first notebook runs
        notebook_folder(out, run.notebook.name)
    with progress_bar(quiet) as phase:
        results = []
        for run in prepared:
            name = run.notebook.name
            written = step_writer(progress_file, name) if progress_file else None
            results.append(execute(run, out, both(phase(name), written), pdf=not no_pdf))
    failed = [r for r in results if not r.succeeded]
    for result in results:
        typer.echo(f"{result.record['status']:<9} {printable(result.folder)}")
        pdf = result.record.get("pdf") or {}
        if pdf.get("status") == "skipped" and pdf.get("reason") != NO_PDF:
            note = f"{result.record['notebook']}: PDF skipped: {pdf['reason']}"
            typer.echo(f"note: {printable(note)}", err=True)
    for result in failed:  # names the notebook and folders given: shown as escapes
        typer.echo(f"error: {printable(_describe_failure(result))}", err=True)
    raise typer.Exit(2 if failed else 0)


def prepare_report(
    snapshot: Path,
    notebook: str | None,
    as_of: str | None = None,
    parameter: list[str] | None = None,
    run_all: bool = False,
) -> list[PreparedRun]:
    """Everything `report` checks before the first notebook runs (InputError if unusable):
    takes the command's own arguments, `-p` pairs joined as NAME=VALUE."""
    if run_all == (notebook is not None):
        raise InputError("give one NOTEBOOK or --all")
    names = list(MONTHLY_SET) if run_all else [str(notebook)]
    pairs = [_utf8_pair(*p.partition("=")[::2]) for p in parameter or []]
    return _prepare(names, snapshot, as_of, pairs, strict=not run_all)


def _utf8_pair(name: str, value: str) -> tuple[str, str]:
    """A `-p` pair read as UTF-8, whatever the locale: bytes of another encoding would
    reach the kernel, fail there and leave a run record no strict JSON reader takes."""
    read = (os_text(name), os_text(value))
    if read[0] is None or read[1] is None:
        shown = printable(read[0] or name.encode("utf-8", "backslashreplace").decode())
        raise InputError(f"-p {shown}: not valid UTF-8 (check the terminal's encoding)")
    return read[0], read[1]


def _prepare(
    names: list[str], snapshot: Path, as_of: str | None, pairs: list[tuple[str, str]], strict: bool
) -> list[PreparedRun]:
    """Check every run before the first starts. With --all a `-p` name goes to the
    notebooks that declare it and must be declared by at least one."""
    from insight_workbench.reports.notebooks import find_notebook, parse_value
    from insight_workbench.reports.runner import prepare_run

    notebooks = [find_notebook(name) for name in names]
    for name, _ in pairs:
        if not strict and not any(name in nb.parameters for nb in notebooks):
            raise InputError(f"-p {name}: no notebook of the monthly set has this parameter")
    prepared = []
    for nb in notebooks:
        values: dict[str, Any] = {}
        for name, text in pairs:
            if strict or name in nb.parameters:
                values[name] = parse_value(name, nb.parameters.get(name), text)
        prepared.append(prepare_run(nb.path, snapshot, as_of=as_of, parameters=values))
    return prepared


def _describe_failure(result: RunResult) -> str:
    from insight_workbench.reports.run_records import EXPORT_STAGE, WRITE_STAGE

    error = result.record.get("error") or {}
    if error.get("stage") == WRITE_STAGE:
        return _describe_write_failure(result, error)
    where = f"cell {error['cell']}" if error.get("cell") is not None else "the kernel"
    if error.get("stage") == EXPORT_STAGE:
        where = "writing the report from the executed notebook"
    if error.get("ename") == "InputError":  # the workbench's own words: no value in them
        return (
            f"{result.record['notebook']}: {_as_option(result, str(error.get('evalue')))} "
            f"(the run stopped at {where}; the partial notebook and run.json are in "
            f"{result.folder})"
        )
    return (
        f"{result.record['notebook']} failed at {where} ({error.get('ename', 'error')}); "
        f"the partial notebook and run.json are in {result.folder}"
    )


def _as_option(result: RunResult, said: str) -> str:
    """`grain: must be one of …` as `-p grain: must be one of …` when `grain` is a
    parameter `-p` can set (not one of --snapshot, --as-of, the results' path)."""
    name = said.split(":", 1)[0]
    settable = name in result.record.get("parameters", {}) and name not in RESERVED
    return f"-p {said}" if settable else said


def _describe_write_failure(result: RunResult, error: dict[str, Any]) -> str:
    """`cannot write PATH: REASON`, as for any output that cannot be written, PATH whole."""
    name = str(error.get("file", ""))
    reason = str(error.get("evalue", "")).removeprefix(f"cannot write {name}: ")
    path = os.path.normpath(result.folder / name)
    return (
        f"{result.record['notebook']}: cannot write {path}: {reason}; "
        f"run.json and what was written are in {result.folder}"
    )


reports_app = typer.Typer(
    help="Manage the reports folder (runs contain personal data).",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@reports_app.command("prune")
def prune(
    older_than: Annotated[
        int, typer.Option("--older-than", help="Delete runs started more than DAYS days ago.")
    ],
    out: Annotated[Path, typer.Option("--out", help="Reports folder.")] = DEFAULT_REPORTS,
) -> None:
    """Delete old report runs (they contain personal data); prints each folder removed.
    Symbolic links in the reports folder are never followed: each is named on stderr,
    as is a run folder without a readable run.json."""
    from insight_workbench.reports.runs import prune_runs

    pruned = prune_runs(out, older_than)
    for folder in pruned.removed:
        typer.echo(printable(folder))
    for skipped in pruned.skipped:
        typer.echo(f"skipped {printable(skipped.path)}: {printable(skipped.reason)}", err=True)
    if not pruned.runs and not pruned.skipped:  # a mistyped --out keeps every run unsaid
        typer.echo(
            f"no run found in {printable(str(out))} (runs lie in "
            "<reports folder>/<notebook>/<start time>/): nothing to prune",
            err=True,
        )


@reports_app.command("verify")
def verify(
    path: Annotated[Path, typer.Argument(help="A run folder, or a reports folder (every run).")],
    public_key: Annotated[
        Path | None,
        typer.Option(
            "--public-key",
            help="The Ed25519 public key (PEM) the runs must be signed with; default: the "
            "public half of INSIGHT_REPORT_SIGNING_KEY_FILE.",
        ),
    ] = None,
) -> None:
    """Check runs against their run.json: every file's SHA-256 (the shared plotly.js
    too), no file it does not list, and the signature; writes nothing. Exit 1 when
    anything differs, is missing, is added, cannot be checked (a symbolic link, a run
    folder without a readable run.json: each named) or is unsigned while a key is given."""
    from insight_workbench.reports.verify import verify_runs

    verdicts = verify_runs(path, public_key)
    lines = []
    for verdict in verdicts:
        if verdict.ok:
            lines.append(f"ok        {printable(verdict.folder)}  ({_signed(verdict)})")
        else:
            problems = "; ".join(map(printable, verdict.problems))  # may name a planted file
            lines.append(f"MISMATCH  {printable(verdict.folder)}: {problems}")
    if lines:
        say("\n".join(lines))
    raise typer.Exit(0 if all(v.ok for v in verdicts) else 1)


def _signed(verdict: Any) -> str:
    if verdict.signed_by is None:
        return "digests match; not signed"
    if verdict.pinned:
        return f"digests match; signed by the trusted key {verdict.signed_by}"
    return (
        f"digests match; signed by key {verdict.signed_by}, not pinned: "
        "give --public-key to require it"
    )
