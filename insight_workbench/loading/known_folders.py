"""Which export folders a workspace was checked against.

A workspace is found by its manifest's checksum (and the bytes of the few files the
manifest does not pin), but the manifest does not change when a file it lists is
altered or truncated afterwards, or when a copy of the folder has a file replaced. So
a workspace is reused for a folder only when the files the manifest pins are, by
their identity on disk (size, modification and change times, inode, device), files
already hashed against the manifest. The change time cannot be set back: rewriting a
file, extracting it again or touching it changes it. Any other folder has its pinned
files hashed where they lie first (no copy, no load): a mismatch refuses the snapshot
as a first load would, a match is remembered beside the workspace.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from insight_workbench.atomic import write_atomically
from insight_workbench.loading import manifest as mf
from insight_workbench.loading.raw_tables import shown
from insight_workbench.loading.safe_files import hash_regular
from insight_workbench.loading.verified_files import SourceFile, check_digest

REMEMBERED = 32  # folders per workspace; the oldest is forgotten (and hashed again if seen)


def identity(sources: list[SourceFile], manifest: mf.Manifest) -> str | None:
    """A digest of the on-disk identity of every source file the manifest pins (`lstat`
    only: the sources were checked to be regular files); None when one has gone since,
    which no record ever matches."""
    found = _looked_at(sources, manifest)
    return None if found is None else _digest(found)


def _looked_at(
    sources: list[SourceFile], manifest: mf.Manifest
) -> list[tuple[str, os.stat_result]] | None:
    """Each pinned source file's `lstat`, by its name; None when one has gone."""
    found = []
    for source in _pinned(sources, manifest):
        try:
            found.append((source.relative, os.lstat(source.path)))
        except OSError:
            return None
    return found


def _digest(found: list[tuple[str, os.stat_result]]) -> str:
    fields = [
        [name, i.st_size, i.st_mtime_ns, i.st_ctime_ns, i.st_ino, i.st_dev] for name, i in found
    ]
    return hashlib.sha256(json.dumps(fields).encode()).hexdigest()


def is_known(workspace: Path, folder_identity: str | None) -> bool:
    return folder_identity is not None and folder_identity in _remembered(workspace)


# A file changed within this long before its identity was taken, on a file system that
# keeps whole seconds (ext3, small ext4 inodes, FAT's two seconds, some network shares),
# may change again unseen: a rewrite in that second keeps the same times. Such a folder
# is not remembered, and is hashed again next time. (Times with nanoseconds show a file
# system that would show the rewrite.)
RACY_NS = 2_000_000_000
SECOND_NS = 1_000_000_000


def remember(
    workspace: Path,
    folder_identity: str | None,
    sources: list[SourceFile],
    manifest: mf.Manifest,
    taken_ns: int,
) -> None:
    """Add the folder to those checked against `workspace`, when its pinned files still
    have the identity taken (at `taken_ns`, `time.time_ns()`) before they were hashed
    (`folder_identity`), and none had changed just before then. Only a hint: when the
    cache cannot be written (read-only, full), or two processes race, the folder is
    hashed again next time."""
    found = _looked_at(sources, manifest)
    if folder_identity is None or found is None or _digest(found) != folder_identity:
        return  # changed while being hashed: nothing to vouch for
    moment = taken_ns - RACY_NS
    if any(racy(info.st_mtime_ns, info.st_ctime_ns, moment) for _, info in found):
        return  # its times could not show a change made while it was hashed
    if not workspace.is_file():  # replaced meanwhile by another build: nothing to vouch for
        return
    known = [i for i in _remembered(workspace) if i != folder_identity] + [folder_identity]
    with contextlib.suppress(OSError):
        write_atomically(_record(workspace), json.dumps(known[-REMEMBERED:]).encode())


def racy(mtime_ns: int, ctime_ns: int, moment_ns: int) -> bool:
    """Whether times in whole seconds, at `moment_ns` or later, could hide a change."""
    whole = mtime_ns % SECOND_NS == 0 and ctime_ns % SECOND_NS == 0
    return whole and max(mtime_ns, ctime_ns) >= moment_ns


def check_in_place(sources: list[SourceFile], manifest: mf.Manifest) -> None:
    """Hash every pinned source file where it lies (the files a build copies and checks);
    the first mismatch in table order is refused with the message a first load gives."""
    pinned = _pinned(sources, manifest)
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        digests = list(pool.map(lambda s: hash_regular(s.path, shown(s.relative)), pinned))
    for source, digest in zip(pinned, digests, strict=True):
        check_digest(source, manifest.tables[source.key], digest)


def _pinned(sources: list[SourceFile], manifest: mf.Manifest) -> list[SourceFile]:
    return [s for s in sources if mf.listed_entry(manifest, s.key, s.relative) is not None]


def _record(workspace: Path) -> Path:
    return workspace.with_name(workspace.name + ".folders")


def _remembered(workspace: Path) -> list[str]:
    try:
        found = json.loads(_record(workspace).read_bytes())
    except (OSError, ValueError):
        return []
    return [i for i in found if isinstance(i, str)] if isinstance(found, list) else []
