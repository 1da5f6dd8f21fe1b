"""Subject-access data packs: every row a snapshot holds about one person.

`build_pack` finds the person by email address (compared as `emails.email_key`
compares addresses: Unicode-normalised, lower-cased, spaces and zero-width
characters removed) or by user id (exact), and collects every row of the tables
the schema marks as a user's personal data carrying their user id in its user
column (their `users` row(s), logins, usage events, communications,
preferences, the `admin_views` they made as viewer), and the `subject_requests`
they made (matched by user id or by requester email, compared the same way).
Rows whose user id has no `users` row any more (left behind by an incomplete
deletion) are still held, so they are included. `write_pack` / `pack_zip_bytes`
(from `pack_files`) turn a pack into files: README, manifest, JSON and CSV.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import duckdb

from insight_workbench.emails import email_key
from insight_workbench.errors import InputError
from insight_workbench.loading.raw_tables import quote_ident
from insight_workbench.loading.schema import PERSONAL_DATA_TABLES, TABLES, is_credential
from insight_workbench.loading.snapshot import Snapshot
from insight_workbench.sql import execute, query
from insight_workbench.subject_requests.dataset_mentions import (
    identifiers_of,
    rows_naming_the_person,
)
from insight_workbench.subject_requests.pack_files import pack_files, pack_zip_bytes, write_pack
from insight_workbench.subject_requests.row_text import finish_csv_lines, row_sql
from insight_workbench.timeutil import to_utc

if TYPE_CHECKING:  # pandas is imported only when a frame is asked for: the CLI starts faster
    import pandas as pd

__all__ = ["PackTable", "SubjectPack", "build_pack", "pack_files", "pack_zip_bytes", "write_pack"]

# The tables of the pack, in schema order: every table of a user's personal data (as
# the schema marks them) and the requests the person made, matched by user id or by
# requester email.
REQUESTS = "subject_requests"
PACK_TABLES: tuple[str, ...] = tuple(
    name for name in TABLES if name in PERSONAL_DATA_TABLES or name == REQUESTS
)


@dataclass(frozen=True)
class PackTable:
    """The rows of one table held about the person, as the pack's files write them."""

    name: str
    columns: tuple[str, ...]
    types: tuple[str, ...]  # DuckDB type of each column
    json_objects: tuple[str, ...]  # each row's object in json/<table>.json
    csv_lines: tuple[str, ...]  # each row's line in csv/<table>.csv, without its line end

    @property
    def row_count(self) -> int:
        return len(self.json_objects)

    def records(self) -> list[dict[str, Any]]:
        """The rows as the JSON file holds them: times in ISO 8601 UTC text, dates as
        YYYY-MM-DD, text, booleans and nulls as they are."""
        return [json.loads(text) for text in self.json_objects]

    @property
    def rows(self) -> tuple[tuple[Any, ...], ...]:
        """The values of `records()`, column by column: times and dates as their text."""
        return tuple(tuple(record.values()) for record in self.records())

    def frame(self) -> pd.DataFrame:
        """The rows as a DataFrame of what the files hold (times and dates as text)."""
        import pandas as pd

        return pd.DataFrame(list(self.rows), columns=list(self.columns))


@dataclass(frozen=True)
class SubjectPack:
    snapshot_id: str
    exported_at: datetime
    snapshot_checksum: str
    generated_at: datetime
    identifier_kind: str  # "email" or "user_id"
    identifier: str  # as given, trimmed
    user_ids: tuple[str, ...]  # the person's user ids; empty when nothing is held
    tables: dict[str, PackTable]
    # Rows of the person's tables and of the de-identified datasets quarantined at load:
    # they could not be read, so nobody can tell whose they are. The README points the
    # DPO to them.
    quarantined: dict[str, int] = field(default_factory=dict)
    # De-identified datasets that still name the person: the dataset's file (from the
    # snapshot's folder) -> column -> data row numbers. Their rows are not copied (a row
    # may be about others too); the README and the manifest point the DPO to them.
    named_in_datasets: dict[str, dict[str, tuple[int, ...]]] = field(default_factory=dict)
    # Their name is one word: the de-identified datasets were not searched for it (it
    # would point to other people's rows holding the word), and the README says so.
    name_not_looked_for: bool = False

    @property
    def row_counts(self) -> dict[str, int]:
        return {name: table.row_count for name, table in self.tables.items()}

    @property
    def unread_may_be_theirs(self) -> bool:
        """Whether rows quarantined at load could be this person's where nothing read
        names them: for an address, a `users` or `subject_requests` row (what an address
        finds; the other tables name a person by user id only, which an unread users row
        would have given) or a dataset's; for a user id, a row of any of their tables."""
        if self.identifier_kind != "email":
            return bool(self.quarantined)
        return any(
            name in ("users", "subject_requests") or name.startswith("deidentified/")
            for name in self.quarantined
        )

    @property
    def in_tables(self) -> bool:
        """True when a table of the platform holds at least one row about the person."""
        return any(self.row_counts.values())

    @property
    def found(self) -> bool:
        """True when the snapshot holds data about the person: a row of its tables, or a
        de-identified dataset's row that still names them (personal data held too)."""
        return self.in_tables or bool(self.named_in_datasets)


def build_pack(
    snapshot: Snapshot,
    *,
    email: str | None = None,
    user_id: str | None = None,
    generated_at: datetime | None = None,
) -> SubjectPack:
    """Every row `snapshot` holds about the person with this email address or user id."""
    if (email is None) == (user_id is None):
        raise InputError("--email / --user-id: give exactly one of them")
    kind, given = ("email", email) if email is not None else ("user_id", user_id)
    assert given is not None
    # An address of nothing but spaces and invisible characters would match every
    # empty address held.
    if not given.strip() or (kind == "email" and not email_key(given)):
        raise InputError(f"--{kind.replace('_', '-')}: is empty")
    cursor = snapshot.cursor()
    try:
        ids, emails = identify_person(cursor, email, user_id)
        tables = {name: pack_table(cursor, name, ids, emails) for name in PACK_TABLES}
        person = identifiers_of(tables, ids, emails)
        named = rows_naming_the_person(cursor, snapshot, person)
    finally:
        cursor.close()
    return SubjectPack(
        snapshot_id=snapshot.manifest.snapshot_id,
        exported_at=snapshot.manifest.exported_at,
        snapshot_checksum=snapshot.manifest.checksum,
        generated_at=to_utc(generated_at or datetime.now(UTC)).replace(microsecond=0),
        identifier_kind=kind,
        identifier=given.strip() if kind == "email" else given,
        user_ids=tuple(ids) if any(t.row_count for t in tables.values()) else (),
        tables=tables,
        quarantined={
            name: count
            for name, count in snapshot.rows_rejected.items()
            if count and (name in PACK_TABLES or name.startswith("deidentified/"))
        },
        named_in_datasets=named,
        name_not_looked_for=person.name_not_sought and bool(snapshot.deidentified),
    )


def identify_person(
    cursor: duckdb.DuckDBPyConnection, email: str | None, user_id: str | None
) -> tuple[list[str], list[str]]:
    """The person's user ids and email addresses (as compared, `email_key`)."""
    if user_id is not None:  # a few addresses: keyed here, sparing DuckDB a Python function
        found = query(cursor, "pack_emails_of_user.sql", user_id=user_id)
        return [user_id], sorted({email_key(str(row["email"])) for row in found} - {""})
    assert email is not None
    key = email_key(email)  # each held address was keyed when the workspace was built
    (person,) = query(cursor, "pack_users_of_email.sql", key=key)
    return [str(u) for u in person["user_ids"]], [key]


def _requests_from(cursor: duckdb.DuckDBPyConnection, emails: list[str]) -> list[str]:
    """The ids of the subject requests made from one of these addresses (as compared)."""
    keys = set(emails) - {""}
    if not keys:
        return []
    found = query(cursor, "pack_requesters.sql")
    return [str(row["request_id"]) for row in found if email_key(str(row["email"])) in keys]


def pack_table(
    cursor: duckdb.DuckDBPyConnection, name: str, ids: list[str], emails: list[str]
) -> PackTable:
    """Table `name`'s rows about the person with these user ids and addresses (as
    `identify_person` gives them); for subject requests, those made from the addresses."""
    columns, types = _columns(cursor, name)
    # The loader never loads credential columns; a pack must never carry one.
    leaked = [c for c in columns if is_credential(c)]
    if leaked:
        raise AssertionError(f"{name}: credential column {leaked[0]} reached a subject-access pack")
    json_object, csv_line = row_sql(columns, types)
    text = {"json_object": json_object, "csv_line": csv_line}
    if name == REQUESTS:
        requests = _requests_from(cursor, emails)
        result = execute(cursor, "pack_requests.sql", text, ids=ids, requests=requests)
    else:
        fragments = {
            "table": quote_ident(name),
            "user_column": quote_ident(PERSONAL_DATA_TABLES[name]),
            "order": ", ".join(quote_ident(c) for c in TABLES[name].row_order),
            **text,
        }
        result = execute(cursor, "pack_rows.sql", fragments, ids=ids)
    # The rows' (object, line) pairs as two columns; none when nothing is held.
    json_objects, csv_lines = tuple(zip(*result.fetchall(), strict=True)) or ((), ())
    return PackTable(name, columns, types, json_objects, finish_csv_lines(json_objects, csv_lines))


def _columns(
    cursor: duckdb.DuckDBPyConnection, name: str
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The names and DuckDB types of a table's columns, in order."""
    table = cursor.table(name)
    return tuple(table.columns), tuple(str(kind) for kind in table.dtypes)
