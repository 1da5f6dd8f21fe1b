"""Past runs under a reports folder: listing them, and pruning old ones.

Reports hold personal data, so they are not kept forever: `prune_runs` deletes
whole run folders whose run started more than N days ago (by run.json's
`start`). A folder without a readable run.json is not a run and is left alone; one
that holds files is reported (its record was deleted or damaged).

Nothing here leaves the reports folder: a notebook or run folder that is a
symbolic link is skipped (and reported), never listed, read or deleted through,
and a run.json naming a file outside its own run folder marks the run as
damaged: that file is never read or served. A run recorded as `running` whose
process is gone is recorded as failed ("interrupted") when runs are listed, never
when they are only read (`reports verify` writes nothing).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from insight_workbench.atomic import write_atomically
from insight_workbench.errors import InputError
from insight_workbench.reports.run_lock import LOCK_FILE, unless_running
from insight_workbench.reports.run_records import RUN_FILE
from insight_workbench.small_files import RECORD_BYTES, SHOWN_FILE_BYTES, read_small
from insight_workbench.timeutil import parse_timestamp

LINK = "a symbolic link, not followed"
UNREADABLE = "not a readable run record"
NO_RECORD = "a folder with files but no run.json"
INTERRUPTED = {
    "cell": None,
    "ename": "interrupted",
    "evalue": "the run stopped before it finished (its process is gone)",
}


@dataclass(frozen=True)
class PastRun:
    folder: Path
    record: dict[str, Any]
    start: datetime

    @property
    def notebook(self) -> str:
        return str(self.record.get("notebook", self.folder.parent.name))

    @property
    def problem(self) -> str | None:
        """Why the record cannot be trusted (a file it names is outside its folder)."""
        return damage(self.folder, self.record)

    @property
    def status(self) -> str:
        return "damaged" if self.problem else str(self.record.get("status", "unknown"))

    @property
    def html(self) -> Path | None:
        return self._file("html")

    @property
    def pdf(self) -> Path | None:
        return self._file("pdf")

    def _file(self, kind: str) -> Path | None:
        name = (self.record.get("files") or {}).get(kind)
        if not name or self.problem:
            return None
        path = self.folder / name
        return path if path.is_file() else None

    def read_html(self) -> bytes | None:
        """The HTML report's bytes; None if there is none or it is not a plain file."""
        return self._read(self.html)

    def read_pdf(self) -> bytes | None:
        """The PDF's bytes; None if the run has none (no printer) or it is not a plain file."""
        return self._read(self.pdf)

    @staticmethod
    def _read(path: Path | None) -> bytes | None:
        if path is None:
            return None
        try:
            return read_small(path, path.name, SHOWN_FILE_BYTES, follow_links=False)
        except (OSError, InputError):
            return None


@dataclass(frozen=True)
class Skipped:
    path: Path
    reason: str


@dataclass
class RunScan:
    runs: list[PastRun] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


@dataclass
class Pruned:
    removed: list[Path] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    runs: int = 0  # the runs found under the reports folder, old or not


def list_runs(out: str | Path) -> list[PastRun]:
    """Every run under `out` (`<out>/<notebook>/<run>/run.json`), newest first."""
    return scan_runs(out).runs


def scan_runs(out: str | Path, *, settle: bool = True) -> RunScan:
    """The runs under `out`, newest first, and what was skipped (symbolic links, records
    that cannot be read). With `settle`, an interrupted run is recorded as such; without,
    nothing is written."""
    scan = RunScan()
    for notebook_folder in _folders(Path(out), scan):
        for folder in _folders(notebook_folder, scan):
            _add_run(folder, scan, settle)
    scan.runs.sort(key=lambda r: (r.start, str(r.folder)), reverse=True)
    return scan


def scan_one_run(folder: Path) -> RunScan:
    """The run in `folder` alone, read only (nothing is written, no other run is read)."""
    scan = RunScan()
    _add_run(folder, scan, settle=False)
    return scan


def _add_run(folder: Path, scan: RunScan, settle: bool) -> None:
    run = _read_run(folder, scan)
    if run is None:
        return
    if settle and run.record.get("status") == "running":
        run = _settle_interrupted(run)
    scan.runs.append(run)


def prune_runs(out: str | Path, older_than_days: int, now: datetime | None = None) -> Pruned:
    """Delete the runs that started more than `older_than_days` days before `now`
    (never one still running, never through a symbolic link)."""
    if older_than_days < 0:
        raise InputError("--older-than: must be a number of days >= 0")
    root = Path(out)
    if not root.is_dir():
        raise InputError(f"{root}: no such reports folder")
    try:
        cutoff = (now or datetime.now(UTC)) - timedelta(days=older_than_days)
    except OverflowError:  # further back than year 1: no run is that old
        cutoff = datetime.min.replace(tzinfo=UTC)
    scan = scan_runs(root)
    pruned = Pruned(skipped=scan.skipped, runs=len(scan.runs))
    for run in scan.runs:
        if run.start >= cutoff:
            continue
        if run.record.get("status") == "running":
            pruned.skipped.append(Skipped(run.folder, "still running"))
            continue
        reason = _remove_folder(run.folder)
        if reason:
            pruned.skipped.append(Skipped(run.folder, reason))
        else:
            pruned.removed.append(run.folder)
    for parent in {folder.parent for folder in pruned.removed}:  # a notebook folder left empty
        with contextlib.suppress(OSError):
            parent.rmdir()  # only if empty; a link was never listed
    pruned.removed.sort()
    return pruned


def damage(folder: Path, record: dict[str, Any]) -> str | None:
    """Which file named by `record` resolves outside `folder` (None: all are inside)."""
    files = record.get("files") or {}
    digests = record.get("sha256") or {}
    if not isinstance(files, dict) or not isinstance(digests, dict):
        return "run.json: 'files' and 'sha256' must be mappings"
    named = [(f"files.{key}", name) for key, name in files.items()]
    named += [(f"sha256.{name}", name) for name in digests]
    base = folder.resolve()
    for key, name in named:
        if not isinstance(name, str) or not name:
            return f"run.json {key}: not a file name"
        target = (folder / name).resolve()
        if target == base or not target.is_relative_to(base):
            return f"run.json {key}: outside its run folder"
    return None


def _folders(parent: Path, scan: RunScan) -> list[Path]:
    """The real sub-folders of `parent`, sorted; links among them go to `scan.skipped`."""
    try:
        entries = sorted(os.scandir(parent), key=lambda e: e.name)
    except OSError:
        return []
    folders = []
    for entry in entries:
        if entry.is_symlink():
            scan.skipped.append(Skipped(Path(entry.path), LINK))
        elif entry.is_dir(follow_symlinks=False):
            folders.append(Path(entry.path))
    return folders


def _read_run(folder: Path, scan: RunScan) -> PastRun | None:
    path = folder / RUN_FILE
    try:
        if stat.S_ISLNK(os.lstat(path).st_mode):
            scan.skipped.append(Skipped(path, LINK))
            return None
    except FileNotFoundError:
        if _holds_files(folder):  # its record deleted: said, never silently left out
            scan.skipped.append(Skipped(folder, NO_RECORD))
        return None  # no record: not a run
    except OSError:
        scan.skipped.append(Skipped(path, UNREADABLE))
        return None
    run = _read(path)
    if run is None:  # a run whose record was damaged: said, never silently left out
        scan.skipped.append(Skipped(path, UNREADABLE))
    return run


def _holds_files(folder: Path) -> bool:
    """Whether `folder` holds anything but what a starting run has before its first
    record is in place: its lock, and run.json being written (a temporary file)."""
    try:
        return any(not _starting_run_file(name) for name in os.listdir(folder))
    except OSError:
        return True  # cannot be looked into: named rather than passed over


def _starting_run_file(name: str) -> bool:
    return name == LOCK_FILE or name.startswith(f".{RUN_FILE}.")


def _settle_interrupted(run: PastRun) -> PastRun:
    """A `running` run whose lock is free has stopped without its final record: it is
    recorded as failed, interrupted (re-read under the lock, written atomically)."""
    with unless_running(run.folder) as stopped:
        if not stopped:
            return run
        current = _read(run.folder / RUN_FILE)
        if current is None or current.record.get("status") != "running":
            return current or run
        record = {**current.record, "status": "failed", "error": dict(INTERRUPTED)}
        text = json.dumps(record, indent=2, default=str) + "\n"
        with contextlib.suppress(OSError):  # a read-only folder: shown as failed anyway
            write_atomically(run.folder / RUN_FILE, text.encode("utf-8"))
        return PastRun(run.folder, record, current.start)


def _remove_folder(folder: Path) -> str | None:
    """Delete a run folder without following links; why not, if it was not deleted."""
    try:
        if not stat.S_ISDIR(os.lstat(folder).st_mode):
            return "not a folder"
        # On this platform rmtree works through open folders: it removes the links
        # inside, never what they point to, even if one appears while it runs.
        shutil.rmtree(folder)
    except OSError as error:
        return f"cannot delete: {error.strerror or type(error).__name__}"
    return None


def _read(path: Path) -> PastRun | None:
    try:
        record = json.loads(read_small(path, path.name, RECORD_BYTES, follow_links=False))
        start = parse_timestamp(record["start"])
    except (OSError, InputError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if not isinstance(record, dict):
        return None
    return PastRun(path.parent, record, start)
