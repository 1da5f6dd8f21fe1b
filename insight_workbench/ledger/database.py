"""Opening the ledger: SQLite in the cache folder by default, PostgreSQL for a team.

`INSIGHT_LEDGER` names it: a SQLite file path or a `postgresql://` URL (default:
`ledger.sqlite` in the cache folder, `INSIGHT_CACHE_DIR`). Opening migrates it to the
newest schema (Alembic, `migrations/`); a ledger already there is known by one read of
Alembic's version table, without loading Alembic at all. Every write runs in `writing()`,
which holds the ledger's one write lock for the whole transaction, so hash chains stay
unbroken and a run is recorded once when several processes write at the same moment.
"""

from __future__ import annotations

import getpass
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import Inspector, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from insight_workbench.errors import InputError
from insight_workbench.ledger.tables import KEY
from insight_workbench.loading.lockdown import cache_dir
from insight_workbench.terminal import invisible, os_text, printable

MIGRATIONS = Path(__file__).with_name("migrations")
BUSY_SECONDS = 60  # how long a writer waits for another one before giving up
WRITE_LOCK = 7_420_113  # PostgreSQL advisory lock id of the ledger's writers
# The newest revision in `migrations/versions/` (a test keeps the two in step): a ledger
# whose version table holds it needs no migration.
SCHEMA_REVISION = "0001"
HIDDEN = "***"  # a password in messages, as SQLAlchemy hides the one before the host


@dataclass(frozen=True)
class Ledger:
    engine: Engine
    where: str  # for messages: the SQLite path or the URL without its password

    @property
    def backend(self) -> str:
        return self.engine.dialect.name  # "sqlite" or "postgresql"


POSTGRESQL_SCHEMES = ("postgresql:", "postgresql+psycopg:", "postgres:")


def ledger_setting() -> str:
    return os.environ.get("INSIGHT_LEDGER") or str(cache_dir() / "ledger.sqlite")


def acting_user() -> str:
    """Who is acting on the command line: `INSIGHT_USER`, else the OS user name. Every
    command that records who acted asks here, so each refuses the same names alike on
    both backends (`InputError`) before it writes anything."""
    named = os.environ.get("INSIGHT_USER")
    if named == "":  # set but empty: as if unset, the OS user
        named = None
    if named is not None and not named.strip():
        raise InputError("INSIGHT_USER: must name who is acting, not be blank")
    where = "INSIGHT_USER" if named is not None else "the operating-system user name"
    return _storable_user(where, (named or getpass.getuser()).strip())


def _storable_user(where: str, who: str) -> str:
    """`who` as the ledger can hold it: UTF-8 text (the environment may hold other
    bytes, which no database can store) of at most `KEY` characters (PostgreSQL's limit),
    with no control character, line separator, bidi control or invisible character
    (zero-width spaces, soft hyphens, Hangul fillers: `invisible`): a name is shown on one
    line of the audit trail, the history and the certificates, where a line break, an
    escape sequence or a right-to-left override would let it pass for another entry,
    recolour the terminal or read backwards."""
    text = os_text(who)  # the environment's bytes, whatever the locale's encoding
    if text is None:
        raise InputError(f"{where}: not valid UTF-8 (check the terminal's encoding)")
    who = text
    if printable(who) != who or any(invisible(c) for c in who):
        # what a terminal would show as an escape, or an invisible character (a zero-width
        # space, a soft hyphen) that would let the name pass for another
        raise InputError(
            f"{where}: holds a control character, line break, bidi control or invisible character"
        )
    if len(who) > KEY:
        raise InputError(f"{where}: too long ({len(who)} characters; at most {KEY})")
    return who


def acting_role() -> str:
    """The role an entry of the audit trail names for a command: `cli`, or the app
    role of the session that started it (`INSIGHT_ACTING_ROLE`, set by the app)."""
    return os.environ.get("INSIGHT_ACTING_ROLE") or "cli"


def open_ledger(setting: str | None = None) -> Ledger:
    """The ledger named by `setting` (default: `INSIGHT_LEDGER`), migrated to the newest
    schema. A setting that names no usable database raises `InputError`."""
    return _open(setting or ledger_setting())


def ledger_written(setting: str | None = None) -> bool:
    """False when the ledger is a SQLite file that is not there: a command that only
    reads then answers as for an empty ledger without creating one, so a mistyped path
    never leaves a new ledger behind for `ledger verify` to find intact."""
    setting = setting or ledger_setting()
    return is_url(setting) or _sqlite_path(setting).exists()


class NoLedgerYet(InputError):
    """Nothing has been written where the ledger setting points: no SQLite file, an empty
    one, or a database without a single table. Not another application's database."""


def written_ledger(setting: str | None = None) -> Ledger | None:
    """`open_existing_ledger`, or None where no ledger has been written yet (`NoLedgerYet`):
    a command that only reads answers as for an empty ledger, and makes none. A missing
    SQLite file, an empty one and a new PostgreSQL database are answered alike."""
    try:
        return open_existing_ledger(setting)
    except NoLedgerYet:
        return None


def open_existing_ledger(setting: str | None = None) -> Ledger:
    """`open_ledger` for a command that only reads or checks the ledger, which never makes
    one: a SQLite file that is not there (a mistyped or deleted ledger), or a database
    without the ledger's tables (an empty file or database, a file that is no SQLite
    database, another application's), is an `InputError`, never a new, empty ledger found
    intact. A ledger of an older schema is still brought to the newest."""
    setting = setting or ledger_setting()
    if not ledger_written(setting):
        raise NoLedgerYet(f"ledger {setting}: no such file (no ledger has been written there)")
    if not is_url(setting):
        path = _sqlite_path(setting)
        if path.is_file() and path.stat().st_size == 0:
            raise NoLedgerYet(f"ledger {setting}: the file is empty (it holds no ledger)")
        # Read before the engine connects: switching to WAL would write the file.
        try:
            _refuse_no_ledger(setting, _sqlite_tables(path))
        except NoLedgerYet as error:  # a SQLite database of no table is one not yet written
            if not _sqlite_header(path):  # a file SQLite reads as empty, but not its own
                raise InputError(str(error)) from None
            raise
    return _open(setting, may_make=False)


SQLITE_HEADER = b"SQLite format 3\x00"


def _sqlite_header(path: Path) -> bool:
    """Whether the file begins as every SQLite database does."""
    with path.open("rb") as handle:
        return handle.read(len(SQLITE_HEADER)) == SQLITE_HEADER


def _refuse_another_file(setting: str, path: Path) -> None:
    """`InputError` for a file that holds something but does not begin as a SQLite
    database: SQLite reads one shorter than its header as an empty database, and the
    first write would replace it with a ledger (an empty file is made into one)."""
    try:
        foreign = path.is_file() and path.stat().st_size > 0 and not _sqlite_header(path)
    except OSError:
        return  # unreadable: the engine names why
    if foreign:
        raise InputError(
            f"ledger {setting}: is not a SQLite database (name a new or empty file, "
            "or an existing ledger)"
        )


def _sqlite_tables(path: Path) -> list[str]:
    """The tables and views of the SQLite file at `path`, read without writing to it (a
    file that is no SQLite database is an `InputError`)."""
    try:
        connection = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
        try:
            found = connection.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
                "AND name NOT LIKE 'sqlite%'"
            ).fetchall()
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise InputError(f"ledger {path}: cannot be opened ({error})") from None
    return [str(name) for (name,) in found]


def _refuse_no_ledger(where: str, tables: list[str]) -> None:
    """`InputError` unless `tables` (a database's tables and views) hold a ledger, which
    Alembic's version table marks, at any schema revision."""
    if "alembic_version" in tables:
        return
    if tables:
        raise InputError(_another_database(where, len(tables)))
    raise NoLedgerYet(f"ledger {where}: holds no ledger (no ledger has been written there)")


def _another_database(where: str, held: int) -> str:
    return (
        f"ledger {where}: holds {held} other table(s) or view(s) and no ledger "
        "(name a new or empty database, or an existing ledger)"
    )


def _sqlite_path(setting: str) -> Path:
    """A SQLite ledger's file, `~` read as the shell reads it (as the reports folder's
    setting is): a quoted `~/ledger.sqlite` made a folder named `~`."""
    return Path(setting).expanduser()


def is_url(setting: str) -> bool:
    """Whether the ledger setting is a database URL rather than a SQLite file's path."""
    return setting.startswith(POSTGRESQL_SCHEMES) or "://" in setting


_opened: dict[str, Ledger] = {}  # one engine (and its pool) per ledger per process


def _open(setting: str, *, may_make: bool = True) -> Ledger:
    """The ledger named by `setting`, migrated; when not `may_make`, a database that
    holds no ledger yet is refused rather than made into one."""
    if setting in _opened:
        return _opened[setting]
    if setting.startswith(POSTGRESQL_SCHEMES):
        ledger = Ledger(_postgresql_engine(setting), _without_password(setting))
    elif "://" in setting:
        raise InputError("INSIGHT_LEDGER: give a SQLite file path or a postgresql:// URL")
    else:
        _refuse_another_file(setting, _sqlite_path(setting))
        ledger = Ledger(_sqlite_engine(_sqlite_path(setting)), setting)
    try:
        if not _is_current(ledger):
            if not may_make:
                _refuse_no_ledger(ledger.where, _tables(ledger))
            _migrate(ledger)
    except DBAPIError as error:  # unreachable, not a database, or not ours to write
        ledger.engine.dispose()
        raise InputError(f"ledger {ledger.where}: cannot be opened ({_reason(error)})") from None
    except InputError:
        ledger.engine.dispose()
        raise
    _opened[setting] = ledger
    return ledger


def _is_current(ledger: Ledger) -> bool:
    """Whether Alembic's version table names the newest revision. A ledger that cannot
    be reached fails here; one without the table (a new ledger) is simply not current."""
    with ledger.engine.connect() as connection:
        try:
            with connection.begin():
                found = connection.execute(text("SELECT version_num FROM alembic_version"))
                return list(found.scalars()) == [SCHEMA_REVISION]
        except DBAPIError:
            return False


def _tables(ledger: Ledger) -> list[str]:
    """The database's tables and views, in every schema (another application's may
    keep its tables out of the default one)."""
    with ledger.engine.connect() as connection:
        found = inspect(connection)
        return [
            name
            for schema in _schemas(found)
            for name in found.get_table_names(schema) + found.get_view_names(schema)
        ]


def _migrate(ledger: Ledger) -> None:
    """Upgrade to the newest schema under the write lock, so that processes opening a
    new ledger at once migrate it once (Alembic rereads the version table inside it)."""
    from alembic import command  # loaded only when a ledger needs migrating
    from alembic.config import Config
    from alembic.util.exc import CommandError

    try:
        with writing(ledger) as connection:
            _refuse_another_database(ledger, connection)
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS))
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except CommandError:  # a schema revision this version does not know: a newer one's
        raise InputError(
            f"ledger {ledger.where}: its schema revision is unknown here (made by another "
            "version of the workbench, or not a ledger)"
        ) from None


def _refuse_another_database(ledger: Ledger, connection: Connection) -> None:
    """A database holding tables or views but no ledger is another application's (or a
    mistyped setting naming one): the ledger never writes its tables into it, nor calls
    it an empty ledger found intact. Every schema counts, not only the default one."""
    found = inspect(connection)
    if "alembic_version" in found.get_table_names():
        return  # a ledger (or one being made): Alembic's version table tells which
    held = sum(
        len(found.get_table_names(schema)) + len(found.get_view_names(schema))
        for schema in _schemas(found)
    )
    if held:
        raise InputError(_another_database(ledger.where, held))


def _schemas(found: Inspector) -> list[str]:
    """Every schema but the database's own catalogues."""
    return [
        schema
        for schema in found.get_schema_names()
        if schema != "information_schema" and not schema.startswith("pg_")
    ]


def close_ledgers() -> None:
    """Close every ledger this process opened (their pooled connections too)."""
    for ledger in _opened.values():
        ledger.engine.dispose()
    _opened.clear()


@contextmanager
def writing(ledger: Ledger) -> Iterator[Connection]:
    """One write transaction holding the ledger's write lock; committed at the end,
    rolled back on an error."""
    try:
        with ledger.engine.connect() as connection:
            connection = connection.execution_options(ledger_write=True)
            with connection.begin():
                if ledger.backend == "postgresql":
                    lock = text("SELECT pg_advisory_xact_lock(:id)")
                    connection.execute(lock, {"id": WRITE_LOCK})
                yield connection
    except DBAPIError as error:  # never the statement's parameters: they may be personal
        raise InputError(f"ledger {ledger.where}: cannot be written ({_reason(error)})") from None


@contextmanager
def reading(ledger: Ledger) -> Iterator[Connection]:
    """One read transaction: a consistent view of the ledger. On PostgreSQL one snapshot
    for the whole transaction (REPEATABLE READ): at its default, each statement sees the
    latest commit, so a chain and its head read while others write disagreed, and
    `verify` named a break that was not there."""
    try:
        with ledger.engine.connect() as connection:
            if ledger.backend == "postgresql":
                connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                yield connection
    except DBAPIError as error:
        raise InputError(f"ledger {ledger.where}: cannot be read ({_reason(error)})") from None


def open_to_others(setting: str | None = None) -> tuple[Path, int] | None:
    """A SQLite ledger whose file its group or others may read or write, with its mode;
    None for a private file or a PostgreSQL ledger. A new ledger is made private, but
    one made otherwise (by hand, by an older workbench, a copy) keeps its mode."""
    setting = setting or ledger_setting()
    if is_url(setting):
        return None
    path = _sqlite_path(setting)
    try:
        mode = path.stat().st_mode & 0o777
    except OSError:
        return None
    return (path, mode) if mode & 0o066 else None  # read or write; execute grants neither


def _make_owner_only(path: Path) -> None:
    """Create a new SQLite ledger's file readable by its owner only, whatever the umask
    (SQLite would follow it, and give its journal files the same mode): it holds decision
    notes and the IP addresses of ACC-004's keys."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except OSError as error:
        raise InputError(f"ledger {path}: cannot be created ({error.strerror})") from None


def _sqlite_engine(path: Path) -> Engine:
    path = path.absolute()
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as error:
        raise InputError(f"ledger {path}: the folder cannot be made ({error.strerror})") from None
    _make_owner_only(path)
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": BUSY_SECONDS})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Transactions are begun below, not by the driver, so that writers take the
        # write lock at BEGIN (IMMEDIATE) rather than failing halfway through.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        _use_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_SECONDS * 1000}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        write = connection.get_execution_options().get("ledger_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _use_wal(cursor: Any) -> None:
    """Switch a SQLite ledger to write-ahead logging. Processes opening a new ledger at
    once can deadlock on the switch, and SQLite then fails one at once instead of
    waiting: that one tries again, for as long as a writer waits for another."""
    deadline = time.monotonic() + BUSY_SECONDS
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _postgresql_engine(url: str) -> Engine:
    # Up to the parameters, not the path: a password may hold an unencoded `/` too.
    if url.split("://", 1)[1].split("?", 1)[0].count("@") > 1:
        # read either way, part of the password would be shown as the host
        raise InputError(
            "INSIGHT_LEDGER: the URL's user or password holds '@': write it as %40 (and '/' as %2F)"
        )
    try:
        parsed = make_url(url).set(drivername="postgresql+psycopg")
    except (ArgumentError, ValueError):  # ValueError: a port that is no number
        raise InputError("INSIGHT_LEDGER: not a valid postgresql:// URL") from None
    return create_engine(parsed, pool_pre_ping=True)


def _without_password(url: str) -> str:
    """The URL for messages, its password hidden: the one before the host and any given
    as a parameter (`?password=…`, which the server's client library reads as well)."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return "postgresql://…"
    secret = [name for name in parsed.query if "password" in name.lower()]
    hidden = parsed.update_query_dict(dict.fromkeys(secret, HIDDEN))
    return hidden.render_as_string(hide_password=True).replace(quote(HIDDEN, safe=""), HIDDEN)


def _reason(error: DBAPIError) -> str:
    """The driver's first line, which names the cause (never a value from a snapshot)."""
    return str(error.orig).strip().splitlines()[0] if error.orig else "unavailable"
