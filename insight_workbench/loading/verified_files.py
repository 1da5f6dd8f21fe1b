"""A snapshot's files, copied into a private folder and checked against the manifest.

Each table file and each de-identified dataset (with its `.meta.json` sidecar) is
copied once, its bytes hashed as they are copied; the loader then reads only the
copies, which nothing outside the workbench can change between the check and the
load. Copies get generated names (`t3.csv`), so no character of an export's file
name, or of the snapshot folder's path, ever reaches DuckDB as a glob pattern.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from insight_workbench.errors import InputError
from insight_workbench.loading import manifest as mf
from insight_workbench.loading.bounded import read_csv_header
from insight_workbench.loading.raw_tables import shown
from insight_workbench.loading.safe_files import (
    check_directory,
    check_regular,
    copy_hashing,
    hash_regular,
)
from insight_workbench.loading.schema import TABLES

DEIDENTIFIED = "deidentified"


@dataclass(frozen=True)
class SourceFile:
    """One export file of the snapshot, found by name (nothing opened yet)."""

    key: str  # table name, or `deidentified/<name>`
    relative: str  # path inside the snapshot folder, as the manifest writes it
    path: Path
    sidecar: str | None = None  # `deidentified/<name>.meta.json` when present

    @property
    def sidecar_path(self) -> Path:
        return self.path.with_name(self.path.stem + ".meta.json")


@dataclass(frozen=True)
class VerifiedFile:
    source: SourceFile
    copy: Path  # the private copy the loader reads
    sha256: str
    entry: mf.ManifestEntry | None  # None: a dataset the manifest does not list
    sidecar_copy: Path | None
    sidecar_sha256: str | None = None


def source_files(folder: Path) -> list[SourceFile]:
    """Every table file and dataset of the snapshot; anything that is not a regular file
    inside the folder (a symbolic link, a FIFO, a device) is refused before it is opened."""
    found = [SourceFile(key, path.name, path) for key, path in mf.table_files(folder).items()]
    if os.path.lexists(folder / DEIDENTIFIED):
        check_directory(folder / DEIDENTIFIED, DEIDENTIFIED)
        for key, path in mf.deidentified_files(folder).items():
            sidecar = path.with_name(path.stem + ".meta.json")
            relative = f"{DEIDENTIFIED}/{path.name}"
            listed_sidecar = f"{DEIDENTIFIED}/{sidecar.name}" if os.path.lexists(sidecar) else None
            found.append(SourceFile(key, relative, path, listed_sidecar))
    for source in found:
        check_regular(source.path, shown(source.relative))
        if source.path.suffix == ".csv":  # a bounded look at the header before any copy
            read_csv_header(source.path, shown(source.relative))
        if source.sidecar:
            check_regular(source.sidecar_path, shown(source.sidecar))
    return found


def check_listing(folder: Path, manifest: mf.Manifest, sources: list[SourceFile]) -> None:
    """Every file the manifest lists exists, under its own name: an entry that lists a
    file found under another name (a dataset's file under another dataset's key) would
    pin nothing, and is refused."""
    mf.check_listed_files_exist(manifest, folder)
    keys = {PurePosixPath(s.relative): s.key for s in sources}
    for key, entry in manifest.tables.items():
        found = keys.get(PurePosixPath(entry.file))
        if found is not None and found != key:
            raise InputError(
                f"{mf.MANIFEST}: table '{shown(key)}' lists '{shown(entry.file)}', "
                f"the file of '{shown(found)}'"
            )
        if found is None and key not in TABLES and not key.startswith("deidentified/"):
            raise InputError(
                f"{mf.MANIFEST}: '{shown(key)}' is not a table of the export format: "
                f"'{shown(entry.file)}' would be neither checked nor read"
            )
        if found is None:
            # Not a file the loader reads: its rows and hash would be checked against
            # nothing, and the table or dataset silently left out.
            raise InputError(
                f"{mf.MANIFEST}: table '{shown(key)}' lists '{shown(entry.file)}', which is "
                f"not its file: {shown(key)}.csv or {shown(key)}.parquet"
            )


def loose_digests(sources: list[SourceFile], manifest: mf.Manifest) -> list[tuple[str, str]]:
    """(path, sha256) of every file the manifest does not pin by hash: unlisted datasets
    and sidecars (small, read on every open). A workspace is made for exactly these
    bytes: any change to one of them names another workspace."""
    found = []
    for source in sources:
        if mf.listed_entry(manifest, source.key, source.relative) is None:
            found.append((source.relative, hash_regular(source.path, shown(source.relative))))
        if source.sidecar:
            found.append((source.sidecar, hash_regular(source.sidecar_path, shown(source.sidecar))))
    return sorted(found)


def copy_verified(
    manifest: mf.Manifest, sources: list[SourceFile], into: Path
) -> dict[str, VerifiedFile]:
    """Copy every source file into the private folder `into` and check it against the
    manifest (its listing checked already: `check_listing`); the first mismatch in table
    order is the one reported."""
    entries = {s.key: mf.listed_entry(manifest, s.key, s.relative) for s in sources}
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        copied = list(pool.map(lambda item: _copy(item[1], into, item[0]), enumerate(sources)))
    verified: dict[str, VerifiedFile] = {}
    for source, (copy, digest, sidecar, sidecar_digest) in zip(sources, copied, strict=True):
        entry = entries[source.key]
        if entry is not None:
            check_digest(source, entry, digest)
        verified[source.key] = VerifiedFile(source, copy, digest, entry, sidecar, sidecar_digest)
    return verified


def check_loose_unchanged(files: dict[str, VerifiedFile], loose: list[tuple[str, str]]) -> None:
    """Refuse copies of unpinned files (unlisted datasets, sidecars) whose bytes are not
    those `loose_digests` hashed before: the workspace is named for those bytes, and a
    file changed between the two reads would fill it with others."""
    copied = [(f.source.relative, f.sha256) for f in files.values() if f.entry is None]
    copied += [
        (f.source.sidecar, f.sidecar_sha256 or "") for f in files.values() if f.source.sidecar
    ]
    if sorted(copied) == loose:
        return
    changed = sorted(set(copied) ^ set(loose))[0][0]
    raise InputError(f"{shown(changed)}: changed while the snapshot was read; run it again")


def check_digest(source: SourceFile, entry: mf.ManifestEntry, digest: str) -> None:
    """Refuse a file whose bytes hash to `digest` where its manifest entry pins another."""
    if digest != entry.sha256:
        raise InputError(
            f"{shown(source.key)}: sha256 of {shown(source.relative)} is {digest}, "
            f"the manifest expects {entry.sha256}"
        )


def _copy(source: SourceFile, into: Path, index: int) -> tuple[Path, str, Path | None, str | None]:
    copy = into / f"t{index}{source.path.suffix}"
    digest = copy_hashing(source.path, shown(source.relative), copy)
    sidecar, sidecar_digest = None, None
    if source.sidecar:
        sidecar = into / f"t{index}.meta.json"
        sidecar_digest = copy_hashing(source.sidecar_path, shown(source.sidecar), sidecar)
    return copy, digest, sidecar, sidecar_digest
