"""Files written whole or not at all.

The bytes go to a temporary file in the target's folder (so the final rename
stays on one file system), are flushed to disk, and the file is then renamed
into place; on any failure the temporary file is removed and the target is
left as it was. The files hold data from snapshots, so they are readable by
their owner only (0600, as `tempfile.mkstemp` creates them). A character device or
a pipe (`/dev/stdout`, `/dev/null`) is written into as a stream instead. Folders of files
are written the same way: into a temporary folder beside or inside the target,
moved into place once complete.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from insight_workbench.errors import InputError


def write_atomically(target: Path, data: bytes, *, overwrite: bool = True) -> None:
    """Write `data` to `target`. With `overwrite=False` an existing target is never
    replaced, even one that appears while writing: FileExistsError."""
    if not overwrite and target.exists():
        raise FileExistsError(target)
    stream = _open_stream(target)
    if stream is not None:  # /dev/stdout, /dev/null, a named pipe: written into, never replaced
        with stream:
            stream.write(data)
        return
    remove_leftovers(target.parent, target.name)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=_prefix(target.name), suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(temporary, target)
        else:
            _place_without_replacing(Path(temporary), target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _open_stream(target: Path) -> BinaryIO | None:
    """`target` opened for writing when it is a stream rather than a file; else None.
    One of this process's descriptors (`/dev/stdout`) is written as the shell opened it
    (`>>` appends)."""
    descriptor = own_descriptor(target)
    if descriptor is not None:
        return os.fdopen(os.dup(descriptor), "wb")
    return target.open("wb") if _is_stream(target) else None


_DESCRIPTOR = re.compile(r"/(?:proc/(?:self|(\d+))|dev)/fd/(\d+)")


def own_descriptor(target: Path) -> int | None:
    """The open file descriptor of this process that `target` names, through any links
    (`/dev/stdout` links to `/proc/self/fd/1`); None for any other path."""
    path = os.path.abspath(target)
    for _ in range(40):  # as many links as the kernel follows
        named = _DESCRIPTOR.fullmatch(path)
        if named is not None:
            own = named[1] is None or int(named[1]) == os.getpid()
            return int(named[2]) if own else None
        try:
            link = os.readlink(path)
        except OSError:
            return None
        path = os.path.normpath(os.path.join(os.path.dirname(path), link))
    return None


def _is_stream(target: Path) -> bool:
    """Whether `target` (followed through links) is a character device or a pipe, which
    is written into: renaming a file over it would put a regular file where the device
    was (as root, over /dev/null). A disk or a socket is refused."""
    try:
        mode = target.stat().st_mode
    except OSError:
        return False
    if stat.S_ISBLK(mode) or stat.S_ISSOCK(mode):
        raise InputError(f"{target}: a device or socket, not a file to write")
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)


def _place_without_replacing(temporary: Path, target: Path) -> None:
    # A hard link fails when the target exists, so nothing is ever overwritten.
    try:
        os.link(temporary, target)
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links: check, then rename
        if target.exists():
            raise FileExistsError(target) from None
        os.replace(temporary, target)
        return
    os.unlink(temporary)


@contextlib.contextmanager
def new_parents(path: Path) -> Iterator[None]:
    """The missing folders above `path`, made; those made here are removed again when the
    block fails, so that a failed write leaves nothing behind."""
    made: list[Path] = []
    try:
        for folder in reversed(path.parents):
            if not folder.is_dir():
                folder.mkdir()  # a file in the way: FileExistsError, as for any write
                made.append(folder)
        yield
    except BaseException:
        for folder in reversed(made):
            with contextlib.suppress(OSError):  # not empty: something else put a file there
                folder.rmdir()
        raise


@contextlib.contextmanager
def staged_folder(target: Path, *, existing: str = "empty") -> Iterator[Path]:
    """A temporary folder to write the files of folder `target` into: put in place when
    the block succeeds, removed on any failure (then `target` is left as it was).

    A missing `target` is written beside it and renamed into place. An existing one is
    written from a temporary folder inside it (so its permissions and mount stay), whose
    entries are moved up at the end; what was there already is, by `existing`: "empty"
    (refused, FileExistsError: nothing may be overwritten), "replace" (deleted once the
    new files are complete) or "merge" (kept, unless a new file has its name)."""
    if not target.is_dir():
        with new_parents(target):
            remove_leftovers(target.parent, target.name)
            stage = Path(
                tempfile.mkdtemp(dir=target.parent, prefix=_prefix(target.name), suffix=".tmp")
            )
            try:
                yield stage
                os.rename(stage, target)
            except BaseException:
                shutil.rmtree(stage, ignore_errors=True)
                raise
        return
    remove_writers_leftovers(target)
    stage = Path(tempfile.mkdtemp(dir=target, prefix=_prefix("writing"), suffix=".tmp"))
    try:
        yield stage
        _move_up(stage, target, existing)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _prefix(name: str) -> str:
    """A temporary file's or folder's name names its writer: the process id, and the
    process-id namespace that id belongs to (a container sharing the folder has its own)."""
    return f".{name}.{writer_id()}."


def writer_id() -> str:
    """`<pid namespace>-<pid>`: this process, as the names of its temporary files carry it."""
    return f"{_pid_namespace()}-{os.getpid()}"


def writer_gone(namespace: int, pid: int) -> bool:
    """Whether the writer `writer_id` named has ended. A process of another pid namespace
    (a container sharing the folder) cannot be seen from here: it counts as running."""
    return namespace == _pid_namespace() and not process_running(pid)


def _pid_namespace() -> int:
    try:
        return os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        return 0


# What follows `.<name>.` in a temporary name made by `_prefix` and tempfile.
_WRITER = re.compile(r"(?P<ns>\d+)-(?P<pid>\d+)\.[a-z0-9_]+\.tmp")
# A temporary entry of any name: `.<name>.<namespace>-<pid>.<random>.tmp`.
_ANY_WRITER = re.compile(r"\.(?P<name>.+)\.(?P<ns>\d+)-(?P<pid>\d+)\.[a-z0-9_]+\.tmp")
# What `staged_folder` makes inside an existing folder.
WRITER_KINDS = ("writing", "replaced", "discarding")


def remove_leftovers(folder: Path, name: str) -> None:
    """Remove what writers in `folder` left there when killed: temporary files and
    folders of this process-id namespace whose process is gone. Those of `name`, and
    those of any other file or folder written there (a pack killed half-written holds
    one person's data, and the next pack may be written under another name); not the
    `staged_folder` kinds of another name, which `remove_writers_leftovers` rolls back."""
    try:
        written = [(entry, _writer(entry.name, name)) for entry in folder.iterdir()]
    except OSError:
        return
    for entry, writer in written:
        if writer is None and name not in WRITER_KINDS:
            found = _ANY_WRITER.fullmatch(entry.name)
            writer = found if found and found["name"] not in WRITER_KINDS else None
        if writer is None or not writer_gone(int(writer["ns"]), int(writer["pid"])):
            continue
        with contextlib.suppress(OSError):
            if name != "replaced":
                _remove(entry)
            elif (claimed := _claim(entry)) is not None:  # killed while moving files up
                _roll_back(claimed, folder)


def process_running(pid: int) -> bool:
    """Whether a process `pid` may still be running (another user's counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # another user's process, or no process id at all: left alone
    return True


def remove_writers_leftovers(folder: Path) -> None:
    """What `staged_folder` writers killed inside `folder` left there (see `remove_leftovers`)."""
    for kind in WRITER_KINDS:
        remove_leftovers(folder, kind)


def _move_up(stage: Path, target: Path, existing: str) -> None:
    """Move the staged entries up into `target`, whole or not at all: what they replace
    (everything for "replace", the entries of the same names for "merge") steps aside
    first (renames), the new entries move up, and the old go only then; a failure or an
    interruption between puts the old back and takes the new away, and so does the next
    writer into `target` after a kill (`remove_leftovers`, by the folder set aside)."""
    before = [entry for entry in target.iterdir() if entry != stage]
    if before and existing == "empty":
        raise FileExistsError(target)
    if existing == "replace":  # another writer's folder in the making is not ours to move
        before = [entry for entry in before if not _in_the_making(entry.name)]
    else:
        new = {entry.name: entry for entry in stage.iterdir()}
        before = [entry for entry in before if entry.name in new]
        for entry in before:  # a folder is never replaced by a file (nor deleted with it)
            if entry.is_dir() and not entry.is_symlink() and not new[entry.name].is_dir():
                raise InputError(f"cannot write {entry}: a folder is in the way of that file")
    aside = Path(tempfile.mkdtemp(dir=target, prefix=_prefix("replaced"), suffix=".tmp"))
    # Each entry moving up by its identity (a rename keeps it): a rollback takes away
    # only these, never another writer's entry of the same name.
    coming: list[dict[str, Any]] = []
    for entry in sorted(stage.iterdir()):
        found = os.lstat(entry)
        coming.append({"name": entry.name, "dev": found.st_dev, "ino": found.st_ino})
    try:
        (aside / OLD).mkdir()
        for entry in before:
            os.rename(entry, aside / OLD / entry.name)
        # From here on those entries may be in `target`: a writer killed before the end
        # is rolled back by the next (`remove_leftovers`).
        write_atomically(aside / COMING, json.dumps(coming).encode("ascii"))
        for item in coming:
            os.replace(stage / item["name"], target / item["name"])
    except BaseException:
        _roll_back(aside, target)
        raise
    # Done: one rename marks the folder set aside as discarded, never to be rolled back.
    done = aside.with_name(aside.name.replace(".replaced.", ".discarding.", 1))
    os.rename(aside, done)
    shutil.rmtree(done, ignore_errors=True)


# Inside a `replaced` folder: the entries moved aside, and those moving up.
OLD, COMING = "old", "coming.json"


def _roll_back(aside: Path, target: Path) -> None:
    """Undo an unfinished `_move_up` into `target` by its `aside` folder: the entries
    that moved up go, and those moved aside come back where nothing took their name.
    Safe to run again after an interruption: the note of what moved up goes first."""
    if (aside / COMING).is_file():
        for item in json.loads((aside / COMING).read_bytes()):
            moved = target / item["name"]
            with contextlib.suppress(FileNotFoundError):
                found = os.lstat(moved)
                if (found.st_dev, found.st_ino) == (item["dev"], item["ino"]):
                    _remove(moved)
        (aside / COMING).unlink()
    if (aside / OLD).is_dir():
        for entry in (aside / OLD).iterdir():
            if not os.path.lexists(target / entry.name):
                os.rename(entry, target / entry.name)
    shutil.rmtree(aside)


def _claim(entry: Path) -> Path | None:
    """A killed writer's `replaced` folder, renamed to this writer's name so that no
    other rolls it back at the same time (one rename wins); None when another did."""
    claimed = entry.with_name(f"{_prefix('replaced')}{secrets.token_hex(4)}.tmp")
    try:
        os.rename(entry, claimed)
    except OSError:
        return None
    return claimed


def _in_the_making(name: str) -> bool:
    return any(_writer(name, kind) for kind in WRITER_KINDS)


def _writer(name: str, kind: str) -> re.Match[str] | None:
    """(pid namespace, pid) of the writer a temporary `.<kind>.` entry's name names."""
    start = f".{kind}."
    return _WRITER.fullmatch(name[len(start) :]) if name.startswith(start) else None


def _remove(entry: Path) -> None:
    shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()


NOT_IN_PLAIN_NAMES = re.compile(r"[^A-Za-z0-9._-]+")


def plain_file_name(text: str, longest: int, instead: str) -> str:
    """`text` (a key, a snapshot id) as a file name: letters, digits, `.`, `_` and `-`
    only, at most `longest` of them, so that markup, a path or a control never makes one;
    `instead` when nothing is left."""
    return NOT_IN_PLAIN_NAMES.sub("_", text)[:longest].strip("._") or instead


def within(path: Path, folder: Path) -> bool:
    """Whether `path` is `folder` or lies under it, links followed on both sides (so
    that no alias of the folder gets through)."""
    return path.resolve().is_relative_to(folder.resolve())


def file_in_the_way(target: Path) -> Path | None:
    """The nearest existing folder of `target`'s path when it is not a folder."""
    for folder in target.absolute().parents:
        if folder.exists():
            return None if folder.is_dir() else folder
    return None


class WriteError(OSError):
    """An OSError raised while writing the file it names (`filename`)."""

    @property
    def kind(self) -> str:
        """The built-in error the OS reason maps to (`OSError`, `PermissionError`...)."""
        return type(OSError(self.errno, self.strerror)).__name__


@contextlib.contextmanager
def naming_the_target(target: Path) -> Iterator[None]:
    """An OSError while writing `target` becomes a WriteError naming `target`: the OS
    names no file for a full disk, or names the temporary file. FileExistsError is left
    as it is (a refusal to overwrite, not a failure to write)."""
    try:
        yield
    except WriteError:
        raise
    except OSError as error:
        if isinstance(error, FileExistsError):
            raise
        raise WriteError(
            error.errno, error.strerror or type(error).__name__, str(target)
        ) from error


@contextlib.contextmanager
def reported_write_errors(target: Path) -> Iterator[None]:
    """An OSError while writing `target` (no space, no permission, read-only file system)
    becomes one InputError: `cannot write <target>: <reason>`. A file where a folder of
    the path should be is named first (the OS would only say that something exists)."""
    blocking = file_in_the_way(target)
    if blocking is not None:
        raise InputError(f"cannot write {target}: {blocking} is a file, not a folder")
    try:
        yield
    except OSError as error:
        if isinstance(error, FileExistsError):
            raise
        reason = error.strerror or type(error).__name__
        raise InputError(f"cannot write {target}: {reason}") from None
