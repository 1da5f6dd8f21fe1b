"""Opening a snapshot's files safely: regular files inside the folder, read once.

A file is checked with `lstat` before it is opened (a FIFO is never opened, a
symbolic link never followed), opened with `O_NOFOLLOW`, and the open file is
checked to be the one that was inspected. Its bytes are then hashed as they are
copied, so what is verified is exactly what is loaded.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from insight_workbench.errors import InputError
from insight_workbench.loading import limits

BLOCK = 1 << 20
INSIDE = "only plain files inside the snapshot folder are read"


def check_regular(path: Path, where: str) -> os.stat_result:
    """The `lstat` of `path`, refusing anything but a regular file."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        raise InputError(f"{where}: missing from the snapshot folder") from None
    except OSError as error:
        raise InputError(f"{where}: cannot be read ({error.strerror})") from None
    if stat.S_ISLNK(info.st_mode):
        raise InputError(f"{where}: is a symbolic link ({INSIDE})")
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"{where}: is not a regular file ({INSIDE})")
    return info


def check_directory(path: Path, where: str) -> None:
    """Refuse a folder of the snapshot that is a symbolic link or not a folder."""
    try:
        info = os.lstat(path)
    except OSError as error:
        raise InputError(f"{where}: cannot be read ({error.strerror})") from None
    if not stat.S_ISDIR(info.st_mode):
        raise InputError(f"{where}: is not a folder inside the snapshot (a symbolic link?)")


def open_regular(path: Path, where: str) -> int:
    """A file descriptor of the regular file `path`, the very file `lstat` saw."""
    seen = check_regular(path, where)
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as error:
        raise InputError(f"{where}: cannot be read ({error.strerror})") from None
    opened = os.fstat(fd)
    if not stat.S_ISREG(opened.st_mode) or (opened.st_dev, opened.st_ino) != (
        seen.st_dev,
        seen.st_ino,
    ):
        os.close(fd)
        raise InputError(f"{where}: was replaced while it was being opened")
    return fd


def hash_regular(path: Path, where: str) -> str:
    """The sha256 of the regular file `path`, read where it lies."""
    digest = hashlib.sha256()
    with os.fdopen(open_regular(path, where), "rb") as source:
        for block in read_blocks(source, where):
            digest.update(block)
    return digest.hexdigest()


def copy_hashing(path: Path, where: str, target: Path) -> str:
    """Copy `path` to the new file `target` in one read, returning the sha256 of the
    bytes copied."""
    digest = hashlib.sha256()
    with os.fdopen(open_regular(path, where), "rb") as source:
        size = os.fstat(source.fileno()).st_size
        free = shutil.disk_usage(target.parent).free
        if size > free:  # a sparse file of terabytes: refused before a byte is written
            raise InputError(
                f"{where}: {size} bytes, more than the {free} bytes free where it is copied "
                "to be checked (the cache folder's disk)"
            )
        copied = 0
        with target.open("xb") as copy:
            for block in read_blocks(source, where):
                copied += len(block)
                if copied > size:
                    raise InputError(f"{where}: grew while it was read; export it again")
                digest.update(block)
                copy.write(block)
    return digest.hexdigest()


def read_blocks(handle: IO[bytes], where: str) -> Iterator[bytes]:
    """The file's bytes block by block, refused once reading takes longer than the
    read timeout (a file on a stalled or very slow mount, or one far larger than it
    looks: a sparse file of terabytes)."""
    timeout = limits.read_timeout_seconds()
    deadline = time.monotonic() + timeout
    while block := handle.read(BLOCK):
        yield block
        if time.monotonic() > deadline:
            raise InputError(
                f"{where}: reading took longer than {timeout} s "
                f"(limit {limits.variable('read_timeout_seconds')})"
            )
