"""The analyst database, built once per snapshot and key into a file of the cache folder.

The file is `analyst/<manifest sha256>-<version>-<key fingerprint>.duckdb` in the
cache folder (`INSIGHT_CACHE_DIR`, see `loading/lockdown.py`). The version hashes
`ANALYST_VERSION`, the loader's version and the workspace's variant; the key
fingerprint is an HMAC of a fixed label under the key, so neither the file name
nor the file holds the key, and another key gives another file. The file holds
the analyst tables only (pseudonyms and closed-vocabulary words). It is written
under a temporary name in `tmp/`, made owner-only and renamed into place; a file
that cannot be opened, is truncated or lacks a table is built again (see
`loading/cached_database.py`). Building a new file
removes the older ones of the same snapshot (an earlier key or version).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from pathlib import Path

import duckdb

from insight_workbench.loading.cached_database import (
    build_failure,
    open_checked,
    open_or_build,
    put_in_place,
    remove_leftovers,
    scratch_token,
)
from insight_workbench.loading.lockdown import (
    Settings,
    cache_dir,
    connect_new_file,
    spill_folder,
)
from insight_workbench.loading.snapshot import Snapshot
from insight_workbench.loading.workspace import LOADER_VERSION

# Bump whenever the analyst tables change: older files are then built again.
ANALYST_VERSION = 4
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
    checksum = snapshot.manifest.checksum
    spill = spill_folder(settings)
    con, built = open_or_build(
        target,
        f"{FOLDER}-{checksum}",
        lambda: open_checked(target, settings, spill, _has_analyst_tables),
        lambda: _build(target, checksum, settings, spill, build),
        "the analyst data",
    )
    return con, target, built


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


def _has_analyst_tables(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection | None:
    from insight_workbench.analyst.database import ANALYST_TABLES

    found = con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    return con if {str(name) for (name,) in found} == set(ANALYST_TABLES) else None


def _build(target: Path, checksum: str, settings: Settings, spill: Path, build: Builder) -> None:
    tmp = target.parent.parent / "tmp"
    remove_leftovers(tmp, (FOLDER,), checksum)  # we hold the lock: a crashed build's
    part = tmp / f"{FOLDER}-{scratch_token(checksum)}.duckdb"
    try:
        con = connect_new_file(part, settings, spill)
        try:
            part.chmod(0o600)  # before any row is written (tmp/ is the owner's only)
            build(con)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        put_in_place(part, target, checksum)
    except (duckdb.Error, OSError) as error:
        failure = build_failure(error, target.parent.parent, spill, "the analyst data")
        if failure is None:
            raise
        raise failure from None
    finally:
        for leftover in tmp.glob(f"{part.name}*"):  # the file and any write-ahead log
            leftover.unlink(missing_ok=True)
