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

from insight_workbench.ledger.tables import audit, checkpoints, decisions, heads, runs

GENESIS = "0" * 64
LAST_SEQ = 2**31 - 1  # the largest sequence number every ledger backend stores
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
        default=stored_by_hand,
    )
    return hashlib.sha256(body.encode("ascii")).hexdigest()


def stored_by_hand(value: object) -> str:
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
    start = start_of(connection, table.name)
    if last is not None:
        seq, prev = int(last.seq) + 1, str(last.hash)
    else:
        seq, prev = (start[0] + 1, start[1]) if start else (1, GENESIS)
    head = connection.execute(
        select(heads.c.seq, heads.c.hash).where(heads.c.chain == table.name)
    ).first()
    head_seq = whole(head.seq) if head is not None else None
    follows_head = head is not None and head_seq == seq - 1 and head.hash == prev
    if (
        head is not None
        and head_seq is not None
        and seq <= head_seq < LAST_SEQ // 2  # room left below the limit to go on writing
        and _is_hash(head.hash)
    ):
        # Entries were removed from the end: the new one follows what the ledger last
        # wrote, so the gap stays for `verify` to name.
        seq, prev, follows_head = head_seq + 1, str(head.hash), True
    digest = entry_hash(seq, fields, prev)
    connection.execute(table.insert().values(seq=seq, **fields, prev_hash=prev, hash=digest))
    if follows_head:
        connection.execute(
            heads.update().where(heads.c.chain == table.name).values(seq=seq, hash=digest)
        )
    elif head is None and last is None and start is None and _new_chain(connection, table, fields):
        connection.execute(heads.insert().values(chain=table.name, seq=seq, hash=digest))
    # Otherwise the head's record was removed or changed by hand: it is left as found, so
    # that `verify` still names what was done.
    return seq


def owed(connection: Connection, table: Table) -> int:
    """The fewest entries `table` can have written: each recorded run and each decision
    is written with an audit entry, in the same transaction, and each decision's audit
    entry logs it."""
    if table.name == audit.name:
        return count(connection, runs) + count(connection, decisions)
    if table.name == decisions.name:
        logged = select(func.count()).where(audit.c.action == "decision")
        return int(connection.execute(logged).scalar_one())
    return 0


def _new_chain(connection: Connection, table: Table, fields: Mapping[str, Any]) -> bool:
    """Whether an empty chain without a head never had an entry: nothing is owed but this
    entry itself, when it is the audit entry of the run or decision its transaction
    writes. Else its entries and head were removed by hand, and no head is made for
    `verify` to take as the start."""
    beside = table.name == audit.name and fields.get("action") in ("run_recorded", "decision")
    return owed(connection, table) <= (1 if beside else 0)


@dataclass(frozen=True)
class Break:
    seq: int  # the first entry that does not verify
    problem: str  # what is wrong with it, in words


def verify(connection: Connection, table: Table) -> Break | None:
    """The first entry of `table` that was edited, or whose predecessor was removed or
    moved; None when the whole chain verifies. The chain's bookkeeping rows (its head and
    pruning's checkpoint) are checked too: a value put there by hand is named, never a
    crash."""
    names = chained_fields(table)
    checkpoint = connection.execute(
        select(checkpoints.c.through_seq, checkpoints.c.last_hash, checkpoints.c.pruned).where(
            checkpoints.c.chain == table.name
        )
    ).first()
    if checkpoint is None:
        expected_seq, prev = 1, GENESIS
    elif (
        (through := whole(checkpoint.through_seq)) is None
        or not _is_hash(checkpoint.last_hash)
        # Pruning removes the oldest entries, from the first: as many as it went through.
        # Another count would hide entries removed from the end (see `owed`).
        or whole(checkpoint.pruned) != through
    ):
        first = connection.execute(select(func.min(table.c.seq))).scalar_one()
        return Break(int(first or 1), "the checkpoint before it was changed by hand")
    else:
        expected_seq, prev = through + 1, str(checkpoint.last_hash)
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
    return _reaches_head(connection, table, expected_seq - 1, prev, written=checkpoint is not None)


def _reaches_head(
    connection: Connection, table: Table, last: int, last_hash: str, written: bool
) -> Break | None:
    """Whether the chain's last entry (`last`, 0 for none) is the head every append
    records: entries removed from the end leave the rest intact but short of it."""
    head = connection.execute(
        select(heads.c.seq, heads.c.hash).where(heads.c.chain == table.name)
    ).first()
    if head is None:
        if last == 0 and not written:
            return None  # nothing was ever appended
        return Break(last + 1, "the record of the chain's last entry was removed by hand")
    head_seq = whole(head.seq)
    if head_seq is None or not _is_hash(head.hash):
        return Break(last + 1, "the record of the chain's last entry was changed by hand")
    if head_seq > last:
        gone = (
            f"entry {head_seq} was"
            if head_seq == last + 1
            else f"entries {last + 1} to {head_seq} were"
        )
        return Break(last + 1, f"{gone} removed")
    if head_seq < last:
        at_head = connection.execute(select(table.c.hash).where(table.c.seq == head_seq)).first()
        if at_head is not None and at_head.hash != head.hash:
            return Break(head_seq, "the record of the chain's last entry was changed by hand")
        return Break(head_seq + 1, "it was added outside the ledger")
    if head.hash != last_hash:
        return Break(last, "it is not the entry the ledger last wrote (rewritten by hand)")
    return None


def whole(value: object) -> int | None:
    """A whole number stored by the ledger; None for anything put there by hand."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def _is_hash(value: object) -> bool:
    return isinstance(value, str) and len(value) == len(GENESIS)


def count(connection: Connection, table: Table) -> int:
    return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def start_of(connection: Connection, chain: str) -> tuple[int, str] | None:
    """Where the chain starts after pruning; None when nothing was pruned (or when the
    checkpoint was changed by hand, which `verify` names)."""
    row = connection.execute(
        select(checkpoints.c.through_seq, checkpoints.c.last_hash).where(
            checkpoints.c.chain == chain
        )
    ).first()
    through = whole(row.through_seq) if row is not None else None
    return (through, str(row.last_hash)) if row is not None and through is not None else None
