"""Which export folders a workspace was checked against.

A workspace is found by its manifest's checksum, but the manifest does not change
when a file it lists is altered or truncated afterwards, or when a copy of the folder
has a file replaced. So a workspace is reused for a folder only when the files the
manifest pins by hash are, by their identity on disk (size, modification time, inode,
device), files already hashed against the manifest. Any other folder has its pinned
files hashed where they lie first (no copy, no load): a mismatch refuses the snapshot
as a first load would, a match is remembered beside the workspace.
"""

from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from insight_workbench.atomic import write_atomically
from insight_workbench.errors import InputError
from insight_workbench.loading import manifest as mf
from insight_workbench.loading.readers import shown
from insight_workbench.loading.safe_files import open_regular

REMEMBERED = 32  # folders per workspace; the oldest is forgotten (and hashed again if seen)
BLOCK = 1 << 20


def identity(folder: Path, manifest: mf.Manifest) -> str:
    """A digest of the on-disk identity of every file the manifest pins (`lstat` only:
    nothing is opened or followed). Raises `InputError` when a listed file is missing."""
    mf.check_listed_files_exist(manifest, folder)
    found = []
    for key, entry in sorted(manifest.tables.items()):
        info = os.lstat(folder / entry.file)
        found.append([key, info.st_size, info.st_mtime_ns, info.st_ino, info.st_dev])
    return hashlib.sha256(json.dumps(found).encode()).hexdigest()


def is_known(workspace: Path, folder_identity: str) -> bool:
    return folder_identity in _remembered(workspace)


def remember(workspace: Path, folder_identity: str) -> None:
    """Add the folder to those checked against `workspace` (a lost race between two
    processes only means a later hash)."""
    known = [i for i in _remembered(workspace) if i != folder_identity] + [folder_identity]
    data = json.dumps(known[-REMEMBERED:]).encode()
    write_atomically(_record(workspace), data)


def check_in_place(folder: Path, manifest: mf.Manifest) -> None:
    """Hash every pinned file where it lies; the first mismatch in table order is
    refused with the message a first load gives."""
    entries = sorted(manifest.tables.items())
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        digests = list(pool.map(lambda item: _sha256(folder / item[1].file, item[1].file), entries))
    for (key, entry), digest in zip(entries, digests, strict=True):
        if digest != entry.sha256:
            raise InputError(
                f"{shown(key)}: sha256 of {shown(entry.file)} is {digest}, "
                f"the manifest expects {entry.sha256}"
            )


def _sha256(path: Path, relative: str) -> str:
    digest = hashlib.sha256()
    with os.fdopen(open_regular(path, shown(relative)), "rb") as source:
        for block in iter(lambda: source.read(BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


def _record(workspace: Path) -> Path:
    return workspace.with_name(workspace.name + ".folders")


def _remembered(workspace: Path) -> list[str]:
    try:
        found = json.loads(_record(workspace).read_bytes())
    except (OSError, ValueError):
        return []
    return [i for i in found if isinstance(i, str)] if isinstance(found, list) else []
