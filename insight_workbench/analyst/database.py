"""The analyst's data: a separate DuckDB database holding only de-identified tables.

`analyst_data(snapshot, key)` derives, in DuckDB, four tables from a loaded
snapshot into a database of their own, locked down like the workspace (no file,
URL or extension is reachable from it). It is built once per snapshot and key
into a file of the cache folder and reopened read-only afterwards (`cache.py`):

- `orgs`: org_pseudonym, product, status, created_month, subscription_start_month,
  closed_month (organisations are not people; their names are left out anyway)
- `users`: user_pseudonym, org_pseudonym, role, created_month, deleted, user_number
- `logins`: ts, success, ip_network (/24 for IPv4, /48 for IPv6, IPv4-mapped and 6to4
  IPv6 read as the IPv4 address they hold), browser_family, os_family,
  referrer_domain, and what the usage reports would otherwise work out again on every
  query: user_number (NULL for an unknown account), org_product (the product of the
  user's organisation), day (UTC), london_weekday (1 = Monday), london_hour,
  first_login_month (UTC month of the user's first successful login)
- `usage_events`: ts, product, event_type, user_number

`user_number` is the pseudonym's position among all the pseudonyms in sorted order:
the same person as the pseudonym, as a small number that is quick to count. Sorted
pseudonyms are in no order of the user ids, so it says nothing more than the pseudonym.
The log tables hold the number alone (`users` pairs it with the pseudonym): tens of
millions of rows store and scan faster without a 22-character text on each.

Names, emails, telephones, user and organisation ids, login and event ids, full
IP addresses and full user agents never enter that database, so nothing built on
it can show them: an analyst connection simply has no identifiable tables.
Every text column holds a word of a closed vocabulary (`vocabulary.py`) or its
"other" bucket, never text copied from the snapshot.
Pseudonyms, IP networks and agent families are computed over the distinct values
only (a set of users, addresses and agents, not of log rows) and joined back in
DuckDB; so is what a login inherits from its user (number, product, first login).
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from insight_workbench.analyst import vocabulary
from insight_workbench.analyst.cache import open_cached
from insight_workbench.analyst.pseudonyms import org_pseudonym, pseudonym_map
from insight_workbench.analyst.user_agents import UNKNOWN, family_table
from insight_workbench.loading.lockdown import Settings, settings_from_env
from insight_workbench.loading.snapshot import Snapshot
from insight_workbench.loading.workspace import one_thread_if_small
from insight_workbench.policy import load_policy
from insight_workbench.progress import OnStep, Steps
from insight_workbench.sql import define, read_sql
from insight_workbench.timeutil import to_utc

ANALYST_TABLES = ("orgs", "users", "logins", "usage_events")
LONDON = "Europe/London"  # the local time of the hour-of-week columns
BATCH_ROWS = 1_000_000
_MAPPED = bytes(10) + b"\xff\xff"
_SIX_TO_FOUR = b"\x20\x02"  # 2002::/16: the IPv4 address is the next 32 bits


_VOCABULARIES = {
    "products": list(vocabulary.PRODUCTS),
    "statuses": list(vocabulary.STATUSES),
    "roles": list(vocabulary.ROLES),
    "event_types": list(vocabulary.EVENT_TYPES),
    "referrers": list(vocabulary.REFERRER_DOMAINS),
    "other": vocabulary.OTHER,
    "direct": vocabulary.DIRECT,
    "unknown": UNKNOWN,
    "london": LONDON,
}


@dataclass
class AnalystData:
    """De-identified tables of one snapshot, in a database of their own.

    Use `cursor()` per thread or call. `min_cell` is the policy's minimum cell
    size: every aggregate built on this data suppresses smaller counts of people.
    """

    con: duckdb.DuckDBPyConnection
    snapshot_id: str
    exported_at: datetime  # UTC: the default as_of
    min_cell: int
    path: Path | None = None  # the cache file it was read from
    built: bool = False  # True when this call built that file
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor in UTC (the database is set so, then locked)."""
        with self._lock:
            return self.con.cursor()

    def as_of(self, moment: datetime | None) -> datetime:
        return to_utc(self.exported_at if moment is None else moment)

    def close(self) -> None:
        self.con.close()


def ip_network(text: str | None) -> str | None:
    """The /24 (IPv4) or /48 (IPv6) network of an address; None when it is not one."""
    if text is None:
        return None
    cleaned = text.strip().strip("[]").split("%", 1)[0]
    try:
        packed = socket.inet_pton(socket.AF_INET6, cleaned)
    except (OSError, ValueError):
        try:
            address = ipaddress.IPv4Address(cleaned)
        except ValueError:
            return None
        return str(ipaddress.ip_network(f"{address}/24", strict=False))
    if packed[:12] == _MAPPED:  # ::ffff:a.b.c.d is an IPv4 client
        return socket.inet_ntop(socket.AF_INET, packed[12:15] + bytes(1)) + "/24"
    if packed[:2] == _SIX_TO_FOUR:  # 2002:AABB:CCDD::/48 holds all of a.b.c.d: an IPv4 client
        return socket.inet_ntop(socket.AF_INET, packed[2:5] + bytes(1)) + "/24"
    return socket.inet_ntop(socket.AF_INET6, packed[:6] + bytes(10)) + "/48"


def analyst_data(
    snapshot: Snapshot, key: bytes, min_cell: int | None = None, settings: Settings | None = None
) -> AnalystData:
    """The analyst's database of `snapshot`, user ids pseudonymised under `key`: built
    once per snapshot and key into the cache folder, then reopened read-only."""
    if min_cell is None:
        min_cell = load_policy().deidentification.min_cell
    con, path, built = _open(snapshot, key, settings)
    manifest = snapshot.manifest
    return AnalystData(con, manifest.snapshot_id, manifest.exported_at, min_cell, path, built)


def build_analyst_file(
    snapshot: Snapshot,
    key: bytes,
    settings: Settings | None = None,
    on_step: OnStep | None = None,
) -> tuple[Path, bool]:
    """The analyst database of `snapshot` under `key` made ready in the cache folder, as
    `analyst_data` would make it (the `ingest` command, so that no app session has to):
    its path, and whether it was built now. `on_step` hears of each table it builds."""
    con, path, built = _open(snapshot, key, settings, on_step)
    con.close()
    return path, built


def _open(
    snapshot: Snapshot, key: bytes, settings: Settings | None, on_step: OnStep | None = None
) -> tuple[duckdb.DuckDBPyConnection, Path, bool]:
    return open_cached(
        snapshot,
        key,
        one_thread_if_small(settings or settings_from_env(), snapshot.manifest),
        lambda target: _fill(snapshot, key, target, on_step),
    )


def _fill(
    snapshot: Snapshot,
    key: bytes,
    target: duckdb.DuckDBPyConnection,
    on_step: OnStep | None = None,
) -> None:
    """The analyst tables into `target`, a locked database: data enters it only through
    Arrow, from Python."""
    source = snapshot.cursor()
    steps = Steps(len(ANALYST_TABLES), on_step)
    try:
        define(source, "analyst_definitions.sql")
        _register_lookups(source, key)
        for name in ANALYST_TABLES:
            # The log tables carry the user's number, not the pseudonym: a 22-character
            # text on every row costs far more to store than it tells.
            sql = read_sql(f"analyst_{name}.sql")
            reader = source.sql(sql, params=_params(sql)).to_arrow_reader(BATCH_ROWS)
            target.register("_incoming", reader)
            target.execute(f"CREATE TABLE {name} AS SELECT * FROM _incoming")
            target.unregister("_incoming")
            steps.finished(name)
    finally:
        source.close()


def _register_lookups(cursor: duckdb.DuckDBPyConnection, key: bytes) -> None:
    """Lookup tables on the snapshot side only (this cursor): raw value -> safe value."""
    _register_people(cursor, key)
    orgs = _distinct(cursor, read_sql("analyst_org_ids.sql"))
    cursor.register(
        "_org_pseudonyms",
        _lookup(orgs, "org_id", "pseudonym", lambda org_id: org_pseudonym(org_id, key)),
    )
    addresses = cursor.sql(read_sql("analyst_addresses.sql")).to_arrow_table()
    networks = [
        network if network is not None else ip_network(ip)
        for ip, network in zip(
            addresses.column("ip").to_pylist(),
            addresses.column("ip_network").to_pylist(),
            strict=True,
        )
    ]
    cursor.register(
        "_ip_networks",
        pa.table({"ip": addresses.column("ip"), "ip_network": pa.array(networks, pa.string())}),
    )
    agents = _distinct(cursor, read_sql("analyst_user_agents.sql"))
    columns = family_table(agents)
    cursor.register("_agents", pa.table({k: pa.array(v, pa.string()) for k, v in columns.items()}))


def _register_people(cursor: duckdb.DuckDBPyConnection, key: bytes) -> None:
    """`_people`: each distinct user id with its pseudonym, user number, first login
    month and organisation product (`sql/analyst_people.sql`)."""
    sql = read_sql("analyst_people.sql")
    people = cursor.sql(sql, params=_params(sql)).to_arrow_table()
    ids = people.column("user_id").to_pylist()  # distinct: the map keeps their order
    pseudonyms = list(pseudonym_map(ids, key).values())
    numbers = {p: n for n, p in enumerate(sorted(set(pseudonyms)))}
    cursor.register(
        "_people",
        people.append_column("pseudonym", pa.array(pseudonyms, pa.string())).append_column(
            "user_number", pa.array([numbers[p] for p in pseudonyms], pa.int32())
        ),
    )


def _params(sql: str) -> dict[str, object]:
    """The vocabularies `sql` uses (DuckDB refuses values for parameters it does not use)."""
    return {name: value for name, value in _VOCABULARIES.items() if f"${name}" in sql}


def _distinct(cursor: duckdb.DuckDBPyConnection, sql: str) -> list[str]:
    column = cursor.sql(sql).to_arrow_table().column(0)
    return [value for value in column.to_pylist() if value is not None]


def _lookup(
    values: Iterable[str], name: str, derived: str, convert: Callable[[str], str | None]
) -> pa.Table:
    keys = list(values)
    return pa.table(
        {
            name: pa.array(keys, pa.string()),
            derived: pa.array([convert(v) for v in keys], pa.string()),
        }
    )
