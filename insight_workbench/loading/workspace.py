"""The workspace: a snapshot verified and typed once into a DuckDB file, reopened read-only.

A workspace lives in the cache folder (`INSIGHT_CACHE_DIR`, default
`$XDG_CACHE_HOME/insight-workbench` or `~/.cache/insight-workbench`) under
`workspaces/<manifest sha256>-<variant>.duckdb`, where the variant hashes
`LOADER_VERSION` and the size and time of the files the manifest does not pin
(unlisted datasets, sidecars). It is built under a temporary name in `tmp/`
and renamed into place when complete; a crash leaves only a temporary file,
which the next build of that snapshot removes. A workspace that cannot be
opened, or whose recorded manifest, loader version or variant differ, is
built again. The export folder is only ever read.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from insight_workbench.errors import InputError
from insight_workbench.loading import manifest as mf
from insight_workbench.loading.lockdown import (
    Settings,
    cache_dir,
    connect_for_build,
    connect_read_only,
    remove_stale_spill_folders,
    settings_from_env,
    spill_folder,
    spill_root,
)
from insight_workbench.loading.snapshot import Snapshot, load_tables, snapshot_from_database
from insight_workbench.loading.verified_files import (
    copy_verified,
    fingerprint,
    source_files,
)
from insight_workbench.progress import OnStep

# Bump whenever typing, quarantine or the workspace's tables change: older workspaces
# are then built again.
LOADER_VERSION = 1


@dataclass(frozen=True)
class Workspace:
    path: Path
    built: bool  # False when an existing workspace was reused


def open_snapshot(
    path: str | Path, settings: Settings | None = None, on_step: OnStep | None = None
) -> Snapshot:
    """The snapshot at `path`, read-only from its workspace (built on first use).
    Raises `InputError` for an unusable snapshot."""
    return ingest(path, settings, on_step)[1]


def ingest(
    path: str | Path, settings: Settings | None = None, on_step: OnStep | None = None
) -> tuple[Workspace, Snapshot]:
    """Verify and type the snapshot into its workspace unless that is done already;
    `on_step` hears of each table once it is loaded (nothing when the workspace is reused)."""
    settings = settings or settings_from_env()
    folder = Path(path)
    manifest = mf.read_manifest(folder)
    variant = _variant(fingerprint(folder, manifest))
    root = cache_dir()
    target = root / "workspaces" / f"{manifest.checksum}-{variant}.duckdb"
    spill = spill_folder(settings)
    snapshot = _open(target, folder, manifest, variant, settings, spill)
    if snapshot is not None:
        return Workspace(target, False), snapshot
    with _build_lock(root, manifest.checksum):
        snapshot = _open(target, folder, manifest, variant, settings, spill)
        if snapshot is not None:  # built meanwhile by another process
            return Workspace(target, False), snapshot
        _build(folder, manifest, target, variant, settings, spill, on_step)
    snapshot = _open(target, folder, manifest, variant, settings, spill)
    if snapshot is None:
        raise InputError(f"{target}: the workspace just built cannot be opened")
    return Workspace(target, True), snapshot


def _variant(loose: list[tuple[str, int, int]]) -> str:
    text = json.dumps({"loader": LOADER_VERSION, "loose": loose})
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _open(
    target: Path,
    folder: Path,
    manifest: mf.Manifest,
    variant: str,
    settings: Settings,
    spill: Path,
) -> Snapshot | None:
    """The snapshot of the workspace `target`; None when it is absent, unreadable,
    corrupt or made for something else."""
    if not target.is_file():
        return None
    try:
        con = connect_read_only(target, settings, spill)
    except duckdb.Error:
        return None
    try:
        info = con.execute(
            "SELECT loader_version, manifest_sha256, variant FROM workspace_info"
        ).fetchall()
        if info != [(LOADER_VERSION, manifest.checksum, variant)]:
            con.close()
            return None
        return snapshot_from_database(con, folder, manifest)
    except duckdb.Error:
        con.close()
        return None


@contextmanager
def _build_lock(root: Path, checksum: str) -> Iterator[None]:
    """One build of a snapshot at a time; others wait, then reuse its workspace."""
    for name in ("workspaces", "tmp", "locks"):
        (root / name).mkdir(parents=True, exist_ok=True, mode=0o700)
    with (root / "locks" / f"{checksum}.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _build(
    folder: Path,
    manifest: mf.Manifest,
    target: Path,
    variant: str,
    settings: Settings,
    spill: Path,
    on_step: OnStep | None = None,
) -> None:
    tmp = target.parent.parent / "tmp"
    prefix = manifest.checksum[:16]
    _remove_leftovers(tmp, prefix)  # we hold this snapshot's lock: nobody else builds it
    remove_stale_spill_folders(spill_root(settings))
    token = f"{prefix}-{os.getpid()}-{secrets.token_hex(4)}"
    copies = tmp / f"copies-{token}"
    part = tmp / f"build-{token}.duckdb"
    try:
        copies.mkdir(mode=0o700)
        files = copy_verified(folder, manifest, source_files(folder), copies)
        con = connect_for_build(part, settings, spill, copies)
        try:
            load_tables(con, manifest, files, on_step)
            con.execute(
                "CREATE TABLE workspace_info AS SELECT $loader AS loader_version, "
                "$checksum AS manifest_sha256, $variant AS variant, now() AS built_at",
                {"loader": LOADER_VERSION, "checksum": manifest.checksum, "variant": variant},
            )
            con.execute("CHECKPOINT")
        finally:
            con.close()
        _sync(part)
        os.replace(part, target)
        _sync(target.parent)
        for older in target.parent.glob(f"{manifest.checksum}-*.duckdb"):
            if older != target:
                older.unlink(missing_ok=True)
    finally:
        shutil.rmtree(copies, ignore_errors=True)
        _remove_leftovers(tmp, token)


def _remove_leftovers(tmp: Path, prefix: str) -> None:
    for leftover in tmp.glob(f"*-{prefix}*"):
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)


def _sync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
