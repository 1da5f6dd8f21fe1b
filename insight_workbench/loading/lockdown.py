"""DuckDB connections that can reach no file but their own database.

Every connection the workbench opens on snapshot data is locked down: no
external file, URL or extension (`enable_external_access=false`, no extension
autoloading), and `lock_configuration=true`, so no query can undo it. The one
folder DuckDB may still use is the process's own spill folder (`temp_directory`),
where it writes what does not fit in `memory_limit`. Settings come from the
environment (`INSIGHT_THREADS`, `INSIGHT_MEMORY_LIMIT`, `INSIGHT_TEMP_DIR`) or
from the `ingest` command's options.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

from insight_workbench.atomic import process_running, writer_gone, writer_id
from insight_workbench.errors import InputError
from insight_workbench.loading.raw_tables import quote_literal

SIZE = re.compile(r"\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)?", re.IGNORECASE)
BASE_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
    "allow_community_extensions": False,
    "preserve_insertion_order": True,
}
GLOB_CHARACTERS = frozenset("*?[]{}")
MAX_THREADS = 256  # DuckDB starts every thread at once: thousands take minutes


@dataclass(frozen=True)
class Settings:
    threads: int | None = None
    memory_limit: str | None = None
    temp_dir: Path | None = None  # where the spill folders go (default: the cache's tmp/)


def settings_from_env(threads: int | None = None, memory_limit: str | None = None) -> Settings:
    """The environment's settings; `threads` and `memory_limit` (command options) win."""
    threads_from = "--threads"
    if threads is None and os.environ.get("INSIGHT_THREADS"):
        threads_from = "INSIGHT_THREADS"
        text = os.environ["INSIGHT_THREADS"].strip()
        if not text.isdigit():
            raise InputError("INSIGHT_THREADS: must be a whole number of threads")
        threads = int(text)
    if threads is not None and threads < 1:
        raise InputError(f"{threads_from}: must be at least 1")
    if threads is not None and threads > MAX_THREADS:
        raise InputError(f"{threads_from}: must be at most {MAX_THREADS}")
    where = "--memory-limit" if memory_limit else "INSIGHT_MEMORY_LIMIT"
    memory_limit = memory_limit or os.environ.get("INSIGHT_MEMORY_LIMIT") or None
    if memory_limit is not None and not SIZE.fullmatch(memory_limit.strip()):
        raise InputError(f"{where}: must be a size such as 1GB or 512MB")
    temp = os.environ.get("INSIGHT_TEMP_DIR")
    return Settings(threads, memory_limit, Path(temp).expanduser() if temp else None)


def check_safe_path(path: Path, setting: str) -> None:
    """DuckDB reads glob characters in a path as a pattern: refuse them in our folders."""
    if GLOB_CHARACTERS & set(str(path)):
        raise InputError(f"{setting}: the path must not contain any of * ? [ ] {{ }}")


def cache_dir() -> Path:
    """`INSIGHT_CACHE_DIR`, else `$XDG_CACHE_HOME/insight-workbench` or
    `~/.cache/insight-workbench`, a leading `~` read as the shell reads it. A relative
    `XDG_CACHE_HOME` is ignored, as the XDG specification says: the cache (and the
    default ledger in it) would move with the working folder."""
    configured = os.environ.get("INSIGHT_CACHE_DIR")
    if configured:
        root = Path(configured).expanduser()
    else:
        xdg = os.environ.get("XDG_CACHE_HOME", "")
        base = Path(xdg) if Path(xdg).is_absolute() else Path.home() / ".cache"
        root = base / "insight-workbench"
    check_safe_path(root, "INSIGHT_CACHE_DIR")
    return root.absolute()


def spill_root(settings: Settings) -> Path:
    return settings.temp_dir or cache_dir() / "tmp"


_spill: dict[Path, Path] = {}


def owner_only_folder(path: Path) -> None:
    """`path` and any missing folder above it, each made the owner's alone (the cache and
    its spill hold personal data). A folder that already exists keeps its mode: a cache
    shared on purpose stays shared, a read-only one stays so, `/tmp` is never changed."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for made in reversed(missing):
        try:
            made.mkdir(mode=0o700)
        except FileExistsError:  # made meanwhile by another process: theirs to set
            continue
        made.chmod(0o700)  # exactly: the umask may have narrowed what mkdir made


def spill_folder(settings: Settings) -> Path:
    """This process's own spill folder, removed when the process ends (readers of one
    workspace never share one)."""
    root = spill_root(settings).absolute()
    if root not in _spill:
        check_safe_path(root, "INSIGHT_TEMP_DIR")
        try:
            owner_only_folder(root)
            folder = Path(tempfile.mkdtemp(prefix=f"spill-{writer_id()}-", dir=root))
        except OSError as error:
            if settings.temp_dir is not None:
                raise InputError(
                    f"INSIGHT_TEMP_DIR: {root}: cannot hold a spill folder ({error.strerror})"
                ) from None
            # A cache this user may only read (workspaces built by someone else, or a
            # read-only mount) still serves readers: they spill to the system's temp.
            folder = Path(tempfile.mkdtemp(prefix=f"insight-workbench-spill-{os.getpid()}-"))
        atexit.register(shutil.rmtree, folder, True)
        _spill[root] = folder
    return _spill[root]


def remove_stale_spill_folders(root: Path) -> None:
    """Spill folders of processes that ended without cleaning up (`spill-<pid namespace>-
    <pid>-…`: a process of another namespace, a container sharing the cache, is left
    alone; an older `spill-<pid>-…` is judged by its process id alone)."""
    if not root.is_dir():
        return
    for folder in root.glob("spill-*-*"):
        parts = folder.name.split("-")
        namespaced = len(parts) > 3 and parts[1].isdigit() and parts[2].isdigit()
        if namespaced:
            gone = writer_gone(int(parts[1]), int(parts[2]))
        else:
            gone = parts[1].isdigit() and not process_running(int(parts[1]))
        if gone:
            shutil.rmtree(folder, ignore_errors=True)


def connect_read_only(path: Path, settings: Settings, spill: Path) -> duckdb.DuckDBPyConnection:
    """A locked, read-only connection to the database file `path`."""
    return _connect_locked(path, settings, spill, read_only=True)


def connect_new_file(path: Path, settings: Settings, spill: Path) -> duckdb.DuckDBPyConnection:
    """A locked database file being written (data enters it only from Python, e.g. Arrow)."""
    return _connect_locked(path, settings, spill, read_only=False)


def _connect_locked(
    path: Path, settings: Settings, spill: Path, *, read_only: bool
) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path), read_only=read_only, config=BASE_CONFIG)
    try:
        _lock(con, settings, spill, allowed=[])
    except BaseException:
        con.close()
        raise
    return con


def connect_for_build(
    path: Path, settings: Settings, spill: Path, readable: Path
) -> duckdb.DuckDBPyConnection:
    """A new database file that may read only the folder `readable` (the verified
    copies). Its configuration stays changeable, for the loader's per-table time zone;
    external access, once off, cannot be turned back on. DuckDB does not sync the file
    to disk at each commit: the finished file is synced once, before it is renamed into
    place, and an unfinished one is thrown away."""
    con = duckdb.connect(str(path), config={**BASE_CONFIG, "fsync_mode": "NONE"})
    try:
        _apply(con, settings, spill, allowed=[readable])
    except BaseException:
        con.close()
        raise
    return con


def _lock(
    con: duckdb.DuckDBPyConnection, settings: Settings, spill: Path, allowed: list[Path]
) -> None:
    locked = con.execute("SELECT current_setting('lock_configuration')").fetchone()
    if locked and locked[0]:
        # The same database opened again in this process: DuckDB shares the locked
        # instance. Make sure that it really is shut off.
        external = con.execute("SELECT current_setting('enable_external_access')").fetchone()
        if not external or external[0]:
            raise RuntimeError("a locked DuckDB connection still has external access")
        return
    _apply(con, settings, spill, allowed)
    con.execute("SET lock_configuration = true")


def _apply(
    con: duckdb.DuckDBPyConnection, settings: Settings, spill: Path, allowed: list[Path]
) -> None:
    con.execute("SET GLOBAL TimeZone = 'UTC'")
    con.execute(f"SET temp_directory = {quote_literal(str(spill))}")
    if settings.threads is not None:
        con.execute(f"SET threads = {int(settings.threads)}")
    if settings.memory_limit is not None:
        try:
            con.execute(f"SET memory_limit = {quote_literal(settings.memory_limit.strip())}")
        except duckdb.Error:
            raise InputError(
                "--memory-limit / INSIGHT_MEMORY_LIMIT: must be a size such as 1GB or 512MB"
            ) from None
    if allowed:
        listed = ", ".join(quote_literal(str(p) + os.sep) for p in allowed)
        con.execute(f"SET allowed_directories = [{listed}]")
    con.execute("SET enable_external_access = false")
