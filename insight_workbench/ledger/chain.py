"""Hash chains: each entry carries the SHA-256 of the one before it.

An entry's hash covers its sequence number, its fields and the previous hash, as
canonical JSON. Editing an entry changes its hash; removing or reordering entries breaks
the link of the next one. The first entry links to `GENESIS` (or to the checkpoint that
pruning leaves).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, func, select

from insight_workbench.ledger.tables import checkpoints, heads

GENESIS = "0" * 64
LINKS = ("seq", "prev_hash", "hash")


def chained_fields(table: Table) -> list[str]:
    """The columns an entry's hash covers: all but its links."""
    return [column.name for column in table.columns if column.name not in LINKS]


def entry_hash(seq: int, fields: Mapping[str, Any], prev_hash: str) -> str:
    body = json.dumps(
        {"seq": seq, "fields": dict(fields), "prev": prev_hash},
        sort_keys=True,
        ensure_ascii=True,
        separators=(",", ":"),
        default=_stored_by_hand,
    )
    return hashlib.sha256(body.encode("ascii")).hexdigest()


def _stored_by_hand(value: object) -> str:
    """A value the workbench never writes (bytes put into a text column by hand): hashed
    by its type and bytes, so the entry fails to verify and is named, never a crash."""
    raw = value if isinstance(value, bytes) else repr(value).encode("utf-8")
    return f"{type(value).__name__}:{raw.hex()}"


def append(connection: Connection, table: Table, fields: Mapping[str, Any]) -> int:
    """Append one entry to `table` (inside `database.writing`, which serialises writers);
    its sequence number. `fields` gives every chained column (None for the empty ones)."""
    names = chained_fields(table)
    if unknown := set(fields) - set(names):
        raise ValueError(f"{table.name} has no column {sorted(unknown)}")
    fields = {name: fields.get(name) for name in names}
    last = connection.execute(
        select(table.c.seq, table.c.hash).order_by(table.c.seq.desc()).limit(1)
    ).first()
    if last is not None:
        seq, prev = int(last.seq) + 1, str(last.hash)
    else:
        start = _checkpoint(connection, table.name)
        seq, prev = (start[0] + 1, start[1]) if start else (1, GENESIS)
    digest = entry_hash(seq, fields, prev)
    connection.execute(table.insert().values(seq=seq, **fields, prev_hash=prev, hash=digest))
    moved = connection.execute(
        heads.update().where(heads.c.chain == table.name).values(seq=seq, hash=digest)
    )
    if moved.rowcount == 0:
        connection.execute(heads.insert().values(chain=table.name, seq=seq, hash=digest))
    return seq


@dataclass(frozen=True)
class Break:
    seq: int  # the first entry that does not verify
    problem: str  # what is wrong with it, in words


def verify(connection: Connection, table: Table) -> Break | None:
    """The first entry of `table` that was edited, or whose predecessor was removed or
    moved; None when the whole chain verifies."""
    names = chained_fields(table)
    start = _checkpoint(connection, table.name)
    expected_seq, prev = (start[0] + 1, start[1]) if start else (1, GENESIS)
    rows = connection.execute(select(table).order_by(table.c.seq))
    for row in rows.mappings():
        seq = int(row["seq"])
        if seq < expected_seq:  # numbered before the chain's start: put there by hand
            return Break(seq, "it was added outside the ledger")
        if seq != expected_seq:
            return Break(expected_seq, f"entry {expected_seq} is missing")
        if row["prev_hash"] != prev:
            return Break(seq, "it does not follow the entry before it (removed or reordered)")
        fields = {name: row[name] for name in names}
        if entry_hash(seq, fields, prev) != row["hash"]:
            return Break(seq, "its content was changed after it was written")
        prev, expected_seq = str(row["hash"]), seq + 1
    head = connection.execute(
        select(heads.c.seq, heads.c.hash).where(heads.c.chain == table.name)
    ).first()
    if head is None or (int(head.seq), head.hash) == (expected_seq - 1, prev):
        return None
    if int(head.seq) >= expected_seq:
        return Break(expected_seq, f"entries {expected_seq} to {head.seq} were removed")
    return Break(int(head.seq) + 1, "it was added outside the ledger")


def count(connection: Connection, table: Table) -> int:
    return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def _checkpoint(connection: Connection, chain: str) -> tuple[int, str] | None:
    row = connection.execute(
        select(checkpoints.c.through_seq, checkpoints.c.last_hash).where(
            checkpoints.c.chain == chain
        )
    ).first()
    return (int(row.through_seq), str(row.last_hash)) if row else None
