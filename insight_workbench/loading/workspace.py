"""The workspace: a snapshot verified and typed once into a DuckDB file, reopened read-only.

A workspace lives in the cache folder (`INSIGHT_CACHE_DIR`, default
`$XDG_CACHE_HOME/insight-workbench` or `~/.cache/insight-workbench`) under
`workspaces/<manifest sha256>-<variant>.duckdb`, where the variant hashes
`LOADER_VERSION` and the bytes of the files the manifest does not pin (unlisted
datasets, sidecars). It is built under a temporary name in `tmp/`
and renamed into place when complete; a build killed midway leaves its temporary
files (the database and the copies of the export), which the next opening of any
cached file removes (`cached_database.py`). A workspace that cannot be
opened, is truncated, or whose recorded manifest, loader version or variant
differ, is built again (see `cached_database.py`). A workspace serves another folder
with the same manifest, or the same folder once a file changed, only after that
folder's files are hashed against the manifest (`known_folders.py`). The export folder
is only ever read.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb

from insight_workbench import emails
from insight_workbench.atomic import within
from insight_workbench.errors import InputError
from insight_workbench.loading import known_folders, limits
from insight_workbench.loading import manifest as mf
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
    connect_for_build,
    remove_stale_spill_folders,
    settings_from_env,
    spill_folder,
    spill_root,
)
from insight_workbench.loading.snapshot import Snapshot, load_tables, snapshot_from_database
from insight_workbench.loading.verified_files import (
    SourceFile,
    check_listing,
    check_loose_unchanged,
    copy_verified,
    loose_digests,
    source_files,
)
from insight_workbench.progress import OnStep

# Bump whenever typing, quarantine or the workspace's tables change: older workspaces
# are then built again.
LOADER_VERSION = 23
# Rows in one of DuckDB's row groups: a table no larger is scanned by one thread anyway.
ROW_GROUP_ROWS = 122_880


@dataclass(frozen=True)
class Workspace:
    path: Path
    built: bool  # False when an existing workspace was reused


def open_snapshot(
    path: str | Path,
    settings: Settings | None = None,
    on_step: OnStep | None = None,
    reading: Settings | None = None,
) -> Snapshot:
    """The snapshot at `path`, read-only from its workspace (built on first use).
    Raises `InputError` for an unusable snapshot."""
    return ingest(path, settings, on_step, reading)[1]


def ingest(
    path: str | Path,
    settings: Settings | None = None,
    on_step: OnStep | None = None,
    reading: Settings | None = None,
) -> tuple[Workspace, Snapshot]:
    """Verify and type the snapshot into its workspace unless that is done already;
    `on_step` hears of each table once it is loaded (nothing when the workspace is reused).
    The workspace is built with `settings` and read with `reading` (default: the same)."""
    settings = settings or settings_from_env()
    reading = reading or settings
    folder = Path(path)
    manifest = mf.read_manifest(folder)
    sources = source_files(folder)  # checked as files, as for a first load
    check_listing(folder, manifest, sources)
    unlisted = any(mf.listed_entry(manifest, s.key, s.relative) is None for s in sources)
    settings = one_thread_if_small(settings, manifest, unlisted)
    reading = one_thread_if_small(reading, manifest, unlisted)
    loose = loose_digests(sources, manifest)
    variant = _variant(loose)
    root = cache_dir()
    _outside_the_export(folder, root, "INSIGHT_CACHE_DIR")
    if settings.temp_dir is not None:  # else the spill folder is in the cache folder
        _outside_the_export(folder, settings.temp_dir, "INSIGHT_TEMP_DIR")
    target = root / "workspaces" / f"{manifest.checksum}-{variant}.duckdb"
    spill = spill_folder(settings)
    taken = time.time_ns()
    pinned = known_folders.identity(sources, manifest)
    snapshot, built = open_or_build(
        target,
        manifest.checksum,
        lambda: _open(target, folder, manifest, variant, reading, spill),
        lambda: _build(manifest, sources, pinned, taken, target, loose, settings, spill, on_step),
        "the workspace",
    )
    if not known_folders.is_known(target, pinned):  # files changed since, or another folder
        try:
            known_folders.check_in_place(sources, manifest)
        except BaseException:
            snapshot.con.close()
            raise
        known_folders.remember(target, pinned, sources, manifest, taken)
    return Workspace(target, built), snapshot


def _outside_the_export(folder: Path, path: Path, setting: str) -> None:
    """The export folder is never written to: a cache or spill folder inside it would add
    the workbench's files to the snapshot."""
    if within(path, folder):
        raise InputError(
            f"{setting}: {path} is inside the snapshot folder {folder}, which is never "
            "written to; choose a folder outside it"
        )


def export_state(path: str | Path) -> tuple[str, str | None]:
    """What an open `Snapshot` of the folder `path` stands for: its manifest's checksum and
    the on-disk identity of the files the manifest pins (None when one has just gone). A
    holder of an open snapshot opens it again when either changes, and the files are
    then checked as `ingest` checks them. Raises `InputError` for an unusable folder."""
    folder = Path(path)
    manifest = mf.read_manifest(folder)
    return manifest.checksum, known_folders.identity(source_files(folder), manifest)


def one_thread_if_small(
    settings: Settings, manifest: mf.Manifest, unlisted: bool = False
) -> Settings:
    """`settings` on one thread when no thread count is set and every table and dataset
    the manifest lists fits in one row group: each scan then runs on one thread whatever
    the setting, and starting a parallel plan's tasks only adds to every statement (a
    small snapshot builds with about a tenth less CPU, and no slower). An `unlisted`
    dataset's rows are not known before it is read: its snapshot keeps every core. For
    the workspace, and the analyst database (made from listed tables only)."""
    if settings.threads is not None or unlisted:
        return settings
    if any(entry.rows > ROW_GROUP_ROWS for entry in manifest.tables.values()):
        return settings
    return replace(settings, threads=1)


def _variant(loose: list[tuple[str, str]]) -> str:
    text = json.dumps(
        {
            "loader": LOADER_VERSION,
            "email_key": emails.KEY_EDITION,
            # The longest field kept: a longer one is quarantined, so it changes the rows.
            "field_bytes": limits.max_field_bytes(),
            "loose": loose,
        }
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


BUILT_TABLES = "workspace_tables"
TABLE_NAMES = "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"


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

    def made_for_this(con: duckdb.DuckDBPyConnection) -> Snapshot | None:
        info = con.execute(
            "SELECT loader_version, manifest_sha256, variant FROM workspace_info"
        ).fetchall()
        if info != [(LOADER_VERSION, manifest.checksum, variant)]:
            return None
        present = {name for (name,) in con.execute(TABLE_NAMES).fetchall()}
        if BUILT_TABLES not in present:  # built before the list was kept
            return None
        built = {name for (name,) in con.execute(f"SELECT * FROM {BUILT_TABLES}").fetchall()}
        if not built <= present:
            return None
        return snapshot_from_database(con, folder, manifest)

    return open_checked(target, settings, spill, made_for_this)


def _build(
    manifest: mf.Manifest,
    sources: list[SourceFile],
    pinned: str | None,
    taken: int,
    target: Path,
    loose: list[tuple[str, str]],
    settings: Settings,
    spill: Path,
    on_step: OnStep | None,
) -> None:
    """Build the workspace `target` from the folder's `sources`; their `pinned` identity
    (taken before the copy, at `taken`) is remembered as checked when it is still theirs after it.
    `loose`: the digests of the unpinned files that name the workspace (its variant),
    which the copies must still have."""
    variant = _variant(loose)
    tmp = target.parent.parent / "tmp"
    # We hold this snapshot's lock: nobody else builds it.
    remove_leftovers(tmp, ("build", "copies"), manifest.checksum)
    remove_stale_spill_folders(spill_root(settings))
    token = scratch_token(manifest.checksum)
    copies = tmp / f"copies-{token}"
    part = tmp / f"build-{token}.duckdb"
    try:
        copies.mkdir(mode=0o700)
        files = copy_verified(manifest, sources, copies)
        check_loose_unchanged(files, loose)
        con = connect_for_build(part, settings, spill, copies)
        try:
            load_tables(con, manifest, files, on_step)
            con.execute(
                "CREATE TABLE workspace_info AS SELECT $loader AS loader_version, "
                "$checksum AS manifest_sha256, $variant AS variant, now() AS built_at",
                {"loader": LOADER_VERSION, "checksum": manifest.checksum, "variant": variant},
            )
            # Every table it was built with: one dropped since (by hand) means a rebuild.
            con.execute(f"CREATE TABLE {BUILT_TABLES} AS {TABLE_NAMES}")
            con.execute("CHECKPOINT")
        finally:
            con.close()
        put_in_place(part, target, manifest.checksum)
        known_folders.remember(target, pinned, sources, manifest, taken)
    except (duckdb.Error, OSError) as error:
        failure = build_failure(error, target.parent.parent, spill, "the workspace")
        if failure is None:
            raise
        raise failure from None
    finally:
        shutil.rmtree(copies, ignore_errors=True)
        for leftover in tmp.glob(f"build-{token}*"):  # the file and any write-ahead log
            leftover.unlink(missing_ok=True)
