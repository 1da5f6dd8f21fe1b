"""The `insight-workbench` command line: a thin view over the library.

Each command lives in `insight_workbench/commands/<name>.py` and is registered
below. Exit codes (docs/cli.md): 0 success, 1 findings reported, 2 unusable input.
"""

from __future__ import annotations

import os
import signal
import sys
from functools import cache
from pathlib import Path
from types import FrameType
from typing import Any

import typer
from typer.core import TyperGroup

from insight_workbench.commands import (
    check_cmd,
    decide_cmd,
    deidentify_cmd,
    evidence_cmd,
    history_cmd,
    ingest_cmd,
    ledger_cmd,
    manifest_cmd,
    report_cmd,
    sample_cmd,
    sar_cmd,
    schedule_cmd,
    usage_cmd,
    validate_cmd,
)
from insight_workbench.commands.common import STDOUT_CLOSED
from insight_workbench.commands.repeated_options import refuse_repeated
from insight_workbench.errors import (
    DEBUG_VARIABLE,
    InputError,
    debugging,
    defect_summary,
    resource_problem,
)
from insight_workbench.settings_file import apply_settings_files
from insight_workbench.terminal import printable

TYPER_INTERRUPTED = 130  # what typer returns for a Ctrl-C (KeyboardInterrupt) in a command


class _Commands(TyperGroup):
    """Click ends a command whose standard output is a pipe closed by its reader (the
    `head` of `| head` gone) with exit 1, silently: for `check` and `validate` that says
    "findings" or "quarantined rows". It is exit 2 with a message instead, as when the
    command starts with standard output closed."""

    def invoke(self, ctx: Any) -> Any:  # typer.core names its own copy of click's Context
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            _stdout_to_nowhere()  # else Python's flush at exit fails on the pipe again
            raise InputError(STDOUT_CLOSED) from None


app = typer.Typer(
    cls=_Commands,
    name="insight-workbench",
    help="Check the Insight Products privacy policy against platform export snapshots.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

# One line per command, in the order of docs/cli.md.
app.command("check")(check_cmd.check)
app.command("schedule")(schedule_cmd.schedule)
app.command("usage")(usage_cmd.usage)
app.command("deidentify")(deidentify_cmd.deidentify)
app.command("sar")(sar_cmd.sar)
app.command("report", cls=report_cmd.ReportCommand)(report_cmd.report)
app.add_typer(report_cmd.reports_app, name="reports")
app.command("validate")(validate_cmd.validate)
app.command("manifest")(manifest_cmd.manifest)
app.command("sample")(sample_cmd.sample)
app.command("ingest")(ingest_cmd.ingest)
app.command("history")(history_cmd.history)
app.command("decide")(decide_cmd.decide)
app.command("evidence")(evidence_cmd.evidence)
app.add_typer(ledger_cmd.ledger_app, name="ledger")


class _CtrlC:
    """Whether a Ctrl-C reached the command. A library may turn the KeyboardInterrupt
    into an error of its own (DuckDB, around a Python function it was running or
    registering): any failure after one is said "aborted" too, never a traceback."""

    seen = False

    @classmethod
    def handle(cls, signum: int, frame: FrameType | None) -> None:
        cls.seen = True
        signal.default_int_handler(signum, frame)  # raises KeyboardInterrupt


@cache  # built once per process: `app(...)` would build it again at every call
def _command() -> Any:
    """Click's command tree, as typer builds it from `app`."""
    return typer.main.get_command(app)


def _stdout_to_nowhere() -> None:
    try:
        nowhere = os.open(os.devnull, os.O_WRONLY)
        os.dup2(nowhere, sys.stdout.fileno())
        os.close(nowhere)
    except (OSError, AttributeError, ValueError):  # a stream in memory has no descriptor
        pass


def main() -> None:
    """Run the CLI; unusable input ends with one message on stderr and exit code 2."""
    _prepare()
    try:
        command = _command()
        refuse_repeated(command, sys.argv[1:])
        _read_settings_files(command, sys.argv[1:])
        code = command(standalone_mode=False, prog_name="insight-workbench")
    except InputError as error:  # may quote a file name from the snapshot: printable
        _abort_if_ctrl_c()  # a Ctrl-C in a function the loader ran reads as a bad file
        typer.echo(f"error: {printable(error)}", err=True)  # one line
        sys.exit(2)
    except OSError as error:  # a file that cannot be read or written: one line, no traceback
        _abort_if_ctrl_c()
        where = f"{printable(error.filename)}: " if error.filename else ""
        typer.echo(f"error: {where}{error.strerror or type(error).__name__}", err=True)
        sys.exit(2)
    except (MemoryError, RecursionError):  # a last guard: the loader's limits come first
        typer.echo("error: the input is too large or too deeply nested to process", err=True)
        sys.exit(2)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        typer.echo("aborted", err=True)
        sys.exit(2)
    except typer.TyperException as error:  # usage errors: unknown command, bad option value
        message = getattr(error, "format_message", None)
        text = message() if callable(message) else str(error)
        context = getattr(error, "ctx", None)
        if context is not None and text == context.get_help():  # a group named alone
            typer.echo(printable(text, keep_newlines=True), err=True)  # its help, as written
        else:
            typer.echo(f"error: {printable(text)} (see --help)", err=True)  # one line
        sys.exit(2)
    except Exception as error:  # last: DuckDB out of memory or disk, or a defect
        _abort_if_ctrl_c()
        if _interrupted(error):  # Ctrl-C in a query: as anywhere else
            typer.echo("aborted", err=True)
            sys.exit(2)
        if _damaged_block(error):
            _say_damaged()
            sys.exit(2)
        if debugging() and resource_problem(error) is None:
            raise
        typer.echo(f"error: {_unexpected(error)}", err=True)
        sys.exit(2)
    _exit_with(code)


def _unexpected(error: Exception) -> str:
    """What ran out (memory, disk), else a defect by its type and place: never its
    message, which may quote the data."""
    return resource_problem(error) or (
        f"unexpected {defect_summary(error)}; please report it (its message is not "
        f"shown, as it may quote the data; {DEBUG_VARIABLE}=1 shows it)"
    )


def _read_settings_files(command: Any, arguments: list[str]) -> None:
    """The settings the environment lacks, from the app's settings file, for a command
    that runs: help, a group named alone and an unknown command are answered whatever
    that file holds."""
    if not _runs_a_command(command, arguments):
        return
    try:
        home: Path | None = Path.home()
    except RuntimeError:  # no home folder known: only the app's file
        home = None
    apply_settings_files(os.environ, home)


def _runs_a_command(command: Any, arguments: list[str]) -> bool:
    """Whether `arguments` name a command to run, not help or a mistake. `command` is
    Click's, as typer builds it (typer carries a Click of its own: its classes are
    reached through the command)."""
    while hasattr(command, "get_command"):  # a group of commands
        if not arguments:
            return False
        found = command.get_command(command.context_class(command), arguments[0])
        if found is None:  # `--help`, or a mistake
            return False
        command, arguments = found, arguments[1:]
    # Help asked of the command itself, as Click parses its arguments: `--help` given as
    # an option's value (`--note --help`) or after `--` is no request for help.
    context = command.context_class(command, resilient_parsing=True)
    try:
        options, _, _ = command.make_parser(context).parse_args(list(arguments))
    except Exception:  # a usage error: the command itself says what is wrong
        return True
    return not options.get("help")


def _abort_if_ctrl_c() -> None:
    """After a Ctrl-C, whatever failure it caused is "aborted" (exit 2)."""
    if _CtrlC.seen:
        typer.echo("aborted", err=True)
        sys.exit(2)


def _prepare() -> None:
    """Count Ctrl-C (`_CtrlC`), unless the process was started with it ignored; and let a
    terminal that is not UTF-8 (Latin-1, cp1252) show what it cannot as escapes, as the
    messages on stderr do, instead of failing on a name from the snapshot."""
    _CtrlC.seen = False
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _CtrlC.handle)
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors="backslashreplace")


def _exit_with(code: object) -> None:
    """Exit with the command's code; typer's own code for a Ctrl-C is said "aborted" as
    any other interruption (no command exits with that code itself)."""
    if code == TYPER_INTERRUPTED:
        typer.echo("aborted", err=True)
        sys.exit(2)
    # The command is done and its output written: a Ctrl-C now would only cut short the
    # clean-up at exit (spill folders) and end the process by the signal, without a word.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.exit(code if isinstance(code, int) else 0)


def _interrupted(error: Exception) -> bool:
    """Whether DuckDB stopped a query for a Ctrl-C (it raises its own error, not
    KeyboardInterrupt)."""
    return type(error).__name__ == "InterruptException" or (
        isinstance(error, RuntimeError) and str(error) == "Query interrupted"
    )


def _damaged_block(error: Exception) -> bool:
    """Whether DuckDB read a block of a cached database that fails its checksum (found only
    when a query reads that block, not when the file is opened)."""
    return "Corrupt database file" in str(error) and "checksum" in str(error)


def _say_damaged() -> None:
    from insight_workbench.loading.cached_database import remove_opened

    removed = remove_opened()
    where = ", ".join(printable(path) for path in removed) or "a file of the cache folder"
    typer.echo(
        f"error: {where}: damaged (a block fails its checksum); removed, so that the next "
        "run builds it again from the export",
        err=True,
    )
