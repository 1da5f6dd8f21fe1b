"""Options and helpers shared by the commands.

Every command module is imported to build the app (and its help), so a module's top
level imports only what is light; the library is imported inside the command.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from insight_workbench.atomic import file_in_the_way, own_descriptor, within, write_atomically
from insight_workbench.errors import InputError
from insight_workbench.terminal import is_terminal, json_text, os_text, printable

DAY = re.compile(r"\d{4}-\d{2}-\d{2}")  # a date as YYYY-MM-DD (not an ISO week date)

SnapshotArg = Annotated[
    Path, typer.Argument(help="Snapshot folder (manifest.json and the table files).")
]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Date (00:00 UTC of that day) or ISO 8601 timestamp. Default: the export time.",
    ),
]


def utf8(value: Any) -> Any:
    """A text option's value (or list of values) read as UTF-8 (whatever the locale's
    encoding), refused when it is not: bytes a terminal in another encoding passed on,
    which no key, id or ledger entry can hold."""
    if isinstance(value, list):
        return [utf8(text) for text in value]
    if not isinstance(value, str):
        return value
    text = os_text(value)
    if text is None:
        raise typer.BadParameter("not valid UTF-8 (check the terminal's encoding)")
    return text


def given_key(where: str, key: str) -> str:
    """A record key as given (`org:O17`); one empty or of white space alone names no
    record, and is refused rather than looked up."""
    if not key.strip():
        raise InputError(f"{where}: an empty key was given")
    return key


PolicyOption = Annotated[
    Path | None, typer.Option("--policy", help="policy.toml overriding the defaults.")
]


def output_file(option: str, text: str | None) -> Path | None:
    """The file an output option names; None for none or `-` (standard output). A path
    ending in `/` names a folder: refused, never written as a file of that name."""
    if text is None or text == "-":
        return None
    if text.endswith("/"):
        raise InputError(f"{option} {text}: ends in '/', a folder; give the path of a file")
    target = Path(text)
    _writable_before_the_work(option, target)
    return target


def outside_the_snapshot(option: str, target: Path | None, snapshot: Path) -> None:
    """The export folder is never written to: an output inside it (a slip in a path)
    would overwrite the snapshot's own files or add files that later runs read as its
    data."""
    if target is not None and within(target, snapshot):
        raise InputError(
            f"{option} {target}: inside the snapshot folder {snapshot}, which is never "
            "written to; give a path outside it"
        )


def _writable_before_the_work(option: str, target: Path) -> None:
    """Refuse a target that cannot be written before the command does its work: `check
    --record` would otherwise record its run and only then fail to write its output.
    (A full disk still shows only at the write, which is whole or not at all.)"""
    _refused_as_a_folder(option, target)
    if own_descriptor(target) is not None or (target.exists() and not target.is_file()):
        return  # one of this process's streams (`/dev/stdout`), a device or a pipe
    folder = target.absolute().parent
    if not folder.is_dir():
        raise InputError(f"{option} {target}: cannot be written (its folder does not exist)")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"{option} {target}: cannot be written (its folder is not writable)")


def _refused_as_a_folder(option: str, target: Path) -> None:
    """A target that is a folder, or lies under a file, is never written."""
    if not target.name or target.is_dir():
        raise InputError(f"{option} {target}: a folder; give the path of a file")
    blocking = file_in_the_way(target)
    if blocking is not None:
        raise InputError(f"{option} {target}: {blocking} is a file, not a folder")


def output_folder(option: str, value: str | Path) -> Path:
    """The folder an output option names: `-` (standard output) cannot take one."""
    if str(value) == "-":
        raise InputError(f"{option} -: this writes files, not to standard output; give a path")
    return Path(value)


def write_json(document: Any, output: Path | None = None) -> None:
    write_text(json_text(document), output, data=True, as_json=True)


STDOUT_CLOSED = "standard output is closed: nothing can be printed"


def say(text: str) -> None:
    """A command's result for people (a table, a verdict): printed on standard output,
    which must be open, else exit 2 (exit 0 or 1 would report what nobody saw)."""
    write_text(text + "\n")


def write_text(
    text: str, output: Path | None = None, *, data: bool = False, as_json: bool = False
) -> None:
    """Print `text`, or write it to `output` whole or not at all (a clear error when it
    cannot be written). `data` (JSON, CSV) goes to a pipe or file as the UTF-8 bytes
    `--output` writes, escape sequences and all, whatever the locale's encoding: a
    program reads them. On a terminal, where a person reads, control and bidi
    characters of data show as escapes (`\\x1b`), as in tables; text for people is
    written in the terminal's encoding, what it cannot show escaped (`cli.main`)."""
    if output is None:
        if sys.stdout is None:  # started with standard output closed: nothing can read it
            raise InputError(STDOUT_CLOSED)
        if data:
            _print_data(text, as_json)
        else:
            typer.echo(text, nl=False)
        return
    _refused_as_a_folder("--output", output)  # again: it may have changed since
    try:
        write_atomically(output, text.encode("utf-8"))
    except OSError as error:
        raise InputError(f"--output {output}: cannot be written ({error.strerror})") from None


def _print_data(text: str, as_json: bool) -> None:
    out = sys.stdout
    if is_terminal(out):
        shown = printable(text, keep_newlines=True)
        if as_json:  # what the terminal cannot show, as JSON's escapes: still JSON
            shown = _unencodable_as_json_escapes(shown, out.encoding or "utf-8")
        typer.echo(shown, nl=False)
        return
    binary = getattr(out, "buffer", None)
    if binary is None:  # a stream in memory (a caller capturing output) takes text
        out.write(text)
        return
    out.flush()
    binary.write(text.encode("utf-8"))
    binary.flush()


def _unencodable_as_json_escapes(text: str, encoding: str) -> str:
    """`text` with each character `encoding` cannot hold written as JSON's `\\u` escape
    (a pair of them beyond U+FFFF): what Python's own escapes (`\\xe9`, `\\U0001f600`)
    would show is not JSON, and JSON on a terminal must still read as JSON."""
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return "".join(char if _holds(encoding, char) else _u_escape(char) for char in text)
    except LookupError:  # an encoding Python does not know: the stream fails alike
        return text
    return text


def _holds(encoding: str, char: str) -> bool:
    try:
        char.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def _u_escape(char: str) -> str:
    return json.dumps(char)[1:-1]  # ensure_ascii: \uXXXX, or a surrogate pair beyond U+FFFF


def parse_format(value: str, allowed: tuple[str, ...]) -> str:
    """`--format`: one of `allowed`, else a clear error (exit 2)."""
    if value not in allowed:
        raise InputError(f"--format {value}: must be one of {', '.join(allowed)}")
    return value
