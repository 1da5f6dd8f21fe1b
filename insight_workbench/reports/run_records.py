"""A run's folder and its record, run.json.

Each run gets its own folder `<out>/<notebook>/<start time>/` (a suffix when two
runs start in the same second); nothing is ever overwritten, and nothing is written
through a notebook folder that is a symbolic link. run.json is written whole: the
first record keeps room for the last on a disk that fills up meanwhile. A run whose
file cannot be written (a full or read-only disk) records the file and the OS's
reason (`"stage": "write"`). Nothing a run records names a path of this machine: the
inputs go by their file names, and error messages lose their paths.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from insight_workbench.atomic import WriteError, write_atomically
from insight_workbench.errors import InputError
from insight_workbench.loading.manifest import sha256_file
from insight_workbench.reports.notebooks import PATH_PARAMETERS, ReportNotebook
from insight_workbench.reports.run_lock import LOCK_FILE
from insight_workbench.timeutil import to_utc

RUN_FILE = "run.json"
RESULTS_FILE = "results.json"
FOLDER_TIME = "%Y-%m-%dT%H%M%SZ"
EXPORT_STAGE = "report"  # run.json's error.stage when the report, not a cell, failed
WRITE_STAGE = "write"  # run.json's error.stage when a file of the run could not be written


@dataclass(frozen=True)
class RunResult:
    folder: Path
    record: dict[str, Any]

    @property
    def succeeded(self) -> bool:
        status: str = self.record["status"]
        return status == "succeeded"


@dataclass(frozen=True)
class PreparedRun:
    """A run whose inputs were checked: nothing has been written yet."""

    notebook: ReportNotebook
    parameters: dict[str, Any]
    record: dict[str, Any]
    signing_key: Ed25519PrivateKey | None = None


def recorded_parameters(values: dict[str, Any]) -> dict[str, Any]:
    """The parameters as recorded: a path by its file name (no path of this machine)."""
    return {
        name: file_names(value) if name in (*PATH_PARAMETERS, "results_path") else value
        for name, value in values.items()
    }


def file_names(value: Any) -> Any:
    if isinstance(value, str | Path):
        return Path(value).name
    if isinstance(value, list):
        return [file_names(v) for v in value]
    return value


# A traceback's file, spaces in its folders included (a home folder named after a person):
# IPython writes `File /home/Jane Doe/x.py:7`, Python `File "/home/Jane Doe/x.py", line 7`.
TRACEBACK_FILE = re.compile(r'(?<=File )("?)/[^\n"]*/([^/\n"]+\.pyx?)(?=:\d|", line )')


def without_paths(text: str) -> str:
    """An error message with every absolute path cut to its last part."""
    text = TRACEBACK_FILE.sub(r"\1\2", text)
    return re.sub(r"(?<![\w.:/])/(?:[^\s'\"/]+/)+([^\s'\"/]*)", r"\1", text)


# A block of most file systems; a run's last record, a digest per file, is about 2 KiB.
RESERVED_BYTES = 4 * 1024


def write_failure(error: WriteError, folder: Path) -> dict[str, Any]:
    """run.json's error for a file of the run that could not be written: the file as
    named from the run folder (no path of this machine) and the OS's reason."""
    name = os.path.relpath(error.filename, folder)
    return {
        "cell": None,
        "ename": error.kind,
        "evalue": f"cannot write {name}: {error.strerror}",
        "stage": WRITE_STAGE,
        "file": name,
    }


def write_failed(record: dict[str, Any]) -> bool:
    return (record.get("error") or {}).get("stage") == WRITE_STAGE


def left_digests(folder: Path, own: Iterable[str]) -> dict[str, str]:
    """The SHA-256 of each file the run left, so a copy of the report can be checked
    against its record: its `own` files, and any a notebook wrote beside them (`reports
    verify` names any other as added later); never the record itself or the run's lock."""
    left = {
        path.relative_to(folder).as_posix()
        for path in _files_under(folder)
        if path.parent != folder or path.name not in (RUN_FILE, LOCK_FILE)
    }
    names = sorted({*own, *left})
    return {name: sha256_file(folder / name) for name in names if (folder / name).is_file()}


def _files_under(folder: Path) -> Iterator[Path]:
    """Every regular file under `folder`, in its sub-folders too; links are not followed
    (a link is not a file the run wrote: `reports verify` names it)."""
    for root, folders, files in os.walk(folder):
        folders[:] = [f for f in folders if not (Path(root) / f).is_symlink()]
        for name in files:
            path = Path(root) / name
            if path.is_file() and not path.is_symlink():
                yield path


def notebook_folder(out: Path, notebook: str) -> Path:
    """`<out>/<notebook>`, where the notebook's runs go; InputError when it is a symbolic
    link: a run written through it would leave the reports folder, where `reports
    verify` and `reports prune` never follow (see runs)."""
    parent = out / notebook
    if parent.is_symlink():
        raise InputError(f"{parent}: a symbolic link; runs are written only inside --out")
    return parent


def new_run_folder(out: Path, notebook: str, start: datetime) -> Path:
    """`<out>/<notebook>/<start>/`, or `<start>-2`, `-3`... when taken: never reused."""
    parent = notebook_folder(out, notebook)
    stamp = to_utc(start).strftime(FOLDER_TIME)
    try:
        # owner-only, whatever the umask, as every file of a run: they hold snapshot data
        parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        for attempt in range(1, 1000):
            folder = parent / (stamp if attempt == 1 else f"{stamp}-{attempt}")
            try:
                folder.mkdir(mode=0o700)
            except FileExistsError:
                continue
            return folder
    except OSError as error:  # read-only, no space, or a file in the way
        raise InputError(f"--out {out}: cannot write there ({error.strerror})") from None
    raise InputError(f"{parent}: too many runs started at {stamp}")


def write_record(folder: Path, record: dict[str, Any], *, reserve: bool = False) -> None:
    """Write run.json atomically, so a reader never sees half a record. The first record
    of a run (`reserve`) is padded with spaces (JSON ignores them) to RESERVED_BYTES: on a
    disk that fills up during the run, the last record can still be written over it."""
    document = _record_bytes(record)
    write_atomically(folder / RUN_FILE, document.ljust(RESERVED_BYTES) if reserve else document)


def overwrite_reserved(path: Path, record: dict[str, Any]) -> bool:
    """Write `record` over the run.json at `path` within its present size, which needs no
    new block of a full disk; False (the file untouched) when it does not fit. The first
    record then stays, and the run, its lock released, reads as interrupted."""
    document = _record_bytes(record)
    size = path.stat().st_size
    if len(document) > size:
        return False
    with path.open("r+b") as file:  # never truncated: no block is freed or taken
        file.write(document.ljust(size))
        file.flush()
        os.fsync(file.fileno())
    return True


def _record_bytes(record: dict[str, Any]) -> bytes:
    return (json.dumps(record, indent=2, default=str) + "\n").encode("utf-8")


def recorded_message(ename: str, evalue: str) -> str | None:
    """What run.json keeps of an error's message: the workbench's own words (an
    `InputError` names a file, table or option, never a value), without paths. Any other
    message may quote the data (`KeyError: 'ann@example.org'`), and run.json is kept,
    signed and listed to the notebook's readers: the executed notebook holds it."""
    return without_paths(evalue)[:500] if ename == "InputError" else None
