"""The analyst database, built once per snapshot and key into a file of the cache folder.

The file is `analyst/<manifest sha256>-<version>-<key fingerprint>.duckdb` in the
cache folder (`INSIGHT_CACHE_DIR`, see `loading/lockdown.py`). The version hashes
`ANALYST_VERSION`, the loader's version and the workspace's variant; the key
fingerprint is an HMAC of a fixed label under the key, so neither the file name
nor the file holds the key, and another key gives another file. The file holds
the analyst tables only (pseudonyms and closed-vocabulary words). It is written
under a temporary name in `tmp/`, made owner-only and renamed into place; a file
that cannot be opened or lacks a table is built again. Building a new file
removes the older ones of the same snapshot (an earlier key or version).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from insight_workbench.errors import InputError
from insight_workbench.loading.lockdown import (
    Settings,
    cache_dir,
    connect_new_file,
    connect_read_only,
    spill_folder,
)
from insight_workbench.loading.snapshot import Snapshot
from insight_workbench.loading.workspace import LOADER_VERSION

# Bump whenever the analyst tables change: older files are then built again.
ANALYST_VERSION = 1
FINGERPRINT_LABEL = b"insight-workbench analyst cache: key fingerprint"
FOLDER = "analyst"

Builder = Callable[[duckdb.DuckDBPyConnection], None]


def key_fingerprint(key: bytes) -> str:
    """Tells keys apart without revealing them: HMAC-SHA256 of a fixed label, truncated."""
    return hmac.new(key, FINGERPRINT_LABEL, hashlib.sha256).hexdigest()[:16]


def analyst_file(snapshot: Snapshot, key: bytes) -> Path:
    """Where the analyst database of `snapshot` under `key` is kept."""
    checksum = snapshot.manifest.checksum
    return cache_dir() / FOLDER / f"{checksum}-{_version(snapshot)}-{key_fingerprint(key)}.duckdb"


def open_cached(
    snapshot: Snapshot, key: bytes, settings: Settings, build: Builder
) -> tuple[duckdb.DuckDBPyConnection, Path, bool]:
    """A locked read-only connection to the analyst file, its path, and whether it was
    built now (`build` fills a new database; it runs once per snapshot and key)."""
    target = analyst_file(snapshot, key)
    spill = spill_folder(settings)
    con = _open(target, settings, spill)
    if con is not None:
        return con, target, False
    with _build_lock(target.parent.parent, snapshot.manifest.checksum):
        con = _open(target, settings, spill)
        if con is not None:  # built meanwhile by another process
            return con, target, False
        _build(target, snapshot.manifest.checksum, settings, spill, build)
    con = _open(target, settings, spill)
    if con is None:
        raise InputError(f"{target}: the analyst data just built cannot be opened")
    return con, target, True


def _version(snapshot: Snapshot) -> str:
    """Analyst and loader versions and the workspace's variant (its files not pinned by the
    manifest), hashed: a workspace built again gets its analyst data built again."""
    cursor = snapshot.cursor()
    try:
        row = cursor.execute("SELECT variant FROM workspace_info").fetchone()
    finally:
        cursor.close()
    text = json.dumps(
        {"analyst": ANALYST_VERSION, "loader": LOADER_VERSION, "variant": row[0] if row else None}
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _open(target: Path, settings: Settings, spill: Path) -> duckdb.DuckDBPyConnection | None:
    """The locked connection to `target`; None when it is absent, unreadable or incomplete."""
    if not target.is_file():
        return None
    try:
        con = connect_read_only(target, settings, spill)
    except duckdb.Error:
        return None
    from insight_workbench.analyst.database import ANALYST_TABLES

    try:
        found = con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        tables = {str(name) for (name,) in found}
        size = con.execute("SELECT block_size * total_blocks FROM pragma_database_size()")
        blocks = size.fetchone()
        # A truncated file still opens (its catalogue comes first): it is shorter than its blocks.
        if tables != set(ANALYST_TABLES) or not blocks or target.stat().st_size < blocks[0]:
            con.close()
            return None
        return con
    except (duckdb.Error, OSError):
        con.close()
        return None


@contextmanager
def _build_lock(root: Path, checksum: str) -> Iterator[None]:
    """One build of a snapshot's analyst data at a time; others wait, then reuse it."""
    # The analyst files are the workspace's data, pseudonymised: for the owner only.
    for name in (FOLDER, "tmp", "locks"):
        (root / name).mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(OSError):  # a cache root not ours to change
        root.chmod(0o700)
    for name in (FOLDER, "tmp"):
        (root / name).chmod(0o700)
    with (root / "locks" / f"analyst-{checksum}.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _build(target: Path, checksum: str, settings: Settings, spill: Path, build: Builder) -> None:
    tmp = target.parent.parent / "tmp"
    prefix = f"analyst-{checksum[:16]}"
    for leftover in tmp.glob(f"{prefix}-*"):  # we hold the lock: a crashed build's
        leftover.unlink(missing_ok=True)
    part = tmp / f"{prefix}-{os.getpid()}-{secrets.token_hex(4)}.duckdb"
    try:
        con = connect_new_file(part, settings, spill)
        try:
            part.chmod(0o600)  # before any row is written (tmp/ is the owner's only)
            build(con)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        part.chmod(0o600)
        _sync(part)
        os.replace(part, target)
        _sync(target.parent)
        for older in target.parent.glob(f"{checksum}-*.duckdb"):
            if older != target:
                older.unlink(missing_ok=True)
    finally:
        for leftover in tmp.glob(f"{part.name}*"):  # the file and any write-ahead log
            leftover.unlink(missing_ok=True)


def _sync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
