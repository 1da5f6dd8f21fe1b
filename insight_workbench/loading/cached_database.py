"""A DuckDB file of the cache, built once under a lock and reopened read-only.

The file is `<folder>/<name>.duckdb` under the cache root. It is opened read-only
and locked down; one that does not open, is shorter than its blocks or fails the
caller's check is built again. A build holds a per-snapshot file lock in `locks/`
(other processes wait, then reuse the file), writes under a temporary name in
`tmp/`, renames the file into place and removes the older files of the same
snapshot. The folders are the owner's only: they hold the snapshot's data. A build
killed midway leaves its temporary files (among them copies of the export's files):
every later opening of any cached file removes those of builds whose process ended.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import secrets
import shutil
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import duckdb

from insight_workbench.atomic import writer_gone, writer_id
from insight_workbench.errors import InputError, resource_problem
from insight_workbench.loading.lockdown import Settings, connect_read_only, owner_only_folder

T = TypeVar("T")
# The cached files this process opened: a block that fails its checksum is only found
# when a query reads it, and then the file is removed so that the next run builds it anew.
OPENED: set[Path] = set()


def remove_opened() -> list[Path]:
    """Remove every cached file this process opened (one of them was found damaged); the
    paths removed. A cache is only a copy: the export it came from builds it again."""
    removed = []
    for target in sorted(OPENED):
        with contextlib.suppress(OSError):
            target.unlink()
            removed.append(target)
    OPENED.clear()
    return removed


def open_or_build(
    target: Path,
    lock: str,
    reopen: Callable[[], T | None],
    build: Callable[[], None],
    what: str,
) -> tuple[T, bool]:
    """What `reopen` makes of `target`, and whether `build` had to make the file first
    (under the lock `lock`, once however many processes ask at the same time); `what`
    names the data in the error when even a new file does not open."""
    root = target.parent.parent
    remove_dead_builds(root / "tmp")
    found = reopen()
    if found is not None:
        return found, False
    _owner_only_folders(root, target.parent.name)
    with _build_lock(root, lock):
        found = reopen()
        if found is not None:  # built meanwhile by another process
            return found, False
        build()
    found = reopen()
    if found is None:
        raise InputError(f"{target}: {what} just built cannot be opened")
    return found, True


def open_checked(
    target: Path,
    settings: Settings,
    spill: Path,
    accept: Callable[[duckdb.DuckDBPyConnection], T | None],
) -> T | None:
    """`accept`'s result on a locked read-only connection to `target`; None (and the
    connection closed) when the file is absent, unreadable, truncated or not accepted."""
    if not target.is_file():
        return None
    try:
        con = connect_read_only(target, settings, spill)
    except duckdb.Error:
        return None
    try:
        if _complete(con, target):
            found = accept(con)
            if found is not None:
                OPENED.add(target)
                return found
    except (duckdb.Error, OSError):
        pass
    con.close()
    return None


def scratch_token(checksum: str) -> str:
    """Names this build's temporary files in `tmp/` apart from any other process's, and
    names the process (`remove_dead_builds`)."""
    return f"{checksum[:16]}-{writer_id()}-{secrets.token_hex(4)}"


# A build's temporary file, its write-ahead log or its folder of copies in `tmp/`:
# `<kind>-<checksum>-<pid namespace>-<pid>-<random>` (see `scratch_token`).
_SCRATCH = re.compile(r"(?:build|copies|analyst)-[0-9a-f]{16}-(\d+)-(\d+)-[0-9a-f]{8}(?:\..+)?")


def remove_dead_builds(tmp: Path) -> None:
    """The temporary files and folders in `tmp` of builds, of any snapshot, whose process
    has ended (killed midway): copies of an export are personal data, so they must not
    wait for a build of that same snapshot. A running build's are left alone."""
    try:
        entries = list(tmp.iterdir())
    except OSError:  # no tmp/ yet, or not ours to read
        return
    for entry in entries:
        writer = _SCRATCH.fullmatch(entry.name)
        if writer is None or not writer_gone(int(writer[1]), int(writer[2])):
            continue
        with contextlib.suppress(OSError):  # a cache this user may only read
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()


def remove_leftovers(tmp: Path, kinds: tuple[str, ...], checksum: str) -> None:
    """A crashed build's temporary files and folders (call it holding the lock)."""
    for kind in kinds:
        for leftover in tmp.glob(f"{kind}-{checksum[:16]}-*"):
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)


def build_failure(error: BaseException, root: Path, spill: Path, what: str) -> InputError | None:
    """One line for a build of `what` that ran out of memory or disk, naming the folder:
    the spill folder's when the error names that folder, else the cache folder `root`;
    None for any other failure. (The error's text is only searched, never shown.)"""
    problem = resource_problem(error)
    if problem is None:
        return None
    folder = spill.parent if str(spill) in str(error) else root
    return InputError(f"{folder}: {what} could not be built: {problem}")


def put_in_place(part: Path, target: Path, checksum: str) -> None:
    """Moves the finished file `part` to `target`, durably; older files of the snapshot
    go, with the records kept beside them (`<file>.<record>`)."""
    part.chmod(0o600)
    _sync(part)
    try:
        os.replace(part, target)
    except IsADirectoryError:  # named by the cache's own path, not the build's
        in_the_way = "a folder is in the way of the cache's file"
        raise IsADirectoryError(errno.EISDIR, in_the_way, str(target)) from None
    _sync(target.parent)
    for older in target.parent.glob(f"{checksum}-*.duckdb*"):
        if not older.name.startswith(target.name):
            older.unlink(missing_ok=True)


def _complete(con: duckdb.DuckDBPyConnection, target: Path) -> bool:
    # A truncated file may still open and answer (its catalogue and first tables come
    # first): it is shorter than its blocks.
    blocks = con.execute("SELECT block_size * total_blocks FROM pragma_database_size()").fetchone()
    return blocks is not None and target.stat().st_size >= blocks[0]


def _owner_only_folders(root: Path, folder: str) -> None:
    """The cache's folders (see `lockdown.owner_only_folder`). One inside the cache that
    is another user's and that anyone may write to (no sticky bit) is refused: whoever
    made it, say in `/tmp`, could remove or swap the files built there."""
    for path in (root, *(root / name for name in (folder, "tmp", "locks"))):
        owner_only_folder(path)
        if path == root:
            continue
        held = path.stat()
        open_to_all = held.st_mode & stat.S_IWOTH and not held.st_mode & stat.S_ISVTX
        if held.st_uid != os.geteuid() and open_to_all:
            raise InputError(
                f"INSIGHT_CACHE_DIR: {path} is another user's folder that anyone may write "
                "to: choose a cache folder of your own"
            )


@contextmanager
def _build_lock(root: Path, name: str) -> Iterator[None]:
    with (root / "locks" / f"{name}.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _sync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
