"""The workbench's own audit trail: who did what, as which role, to which records.

    log(ledger, "dpo@example.org", "dpo", "page_view", ["page:retention", "org:O17"], "S1")

Each entry holds who, the role, the action, the keys of the records concerned, the
snapshot id and the instant, hash-chained (`chain`), never a value read from a snapshot:
a key is `kind:id` of a known kind, and IP addresses (`ip:` keys) are refused.
`verify` checks the audit trail and the decisions, and that each recorded run is as its
entry sealed it; `prune` drops entries older than the
policy's `[audit] keep_days`, leaving a checkpoint the entries kept still verify against.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Connection, Table, delete, func, select

from insight_workbench.ledger import chain
from insight_workbench.ledger.database import Ledger, reading, writing
from insight_workbench.ledger.instants import now, stored
from insight_workbench.ledger.run_seal import run_seal, sealed_runs
from insight_workbench.ledger.tables import (
    KEY as KEY_LENGTH,
)
from insight_workbench.ledger.tables import (
    audit,
    checkpoints,
    decisions,
    held_snapshot_id,
    key_digest,
    runs,
)
from insight_workbench.terminal import printable

ACTIONS = (
    "sign_in",
    "role",
    "page_view",
    "pack_build",
    "pack_download",
    "csv_export",
    "report_run",
    "report_download",
    "certificate_download",
    "decision",
    "run_recorded",
)
# Kinds of record key the trail may name: ids the workbench makes or the export's own
# ids, never a value such as an address (`ip:` keys of ACC-004 are left out).
KEY_KINDS = (
    "org",
    "request",
    "user",
    "message",
    "login",
    "view",
    "dataset",
    "column",
    "processor",
    "row",
    "page",
    "report",
    "notebook",
    "run",
)
# An id is any text of the snapshot (spaces included), never a control character.
# One of at most `KEY_LENGTH` characters is named whole, as the ledger holds it.
KEY = re.compile(r"(?P<kind>[a-z]+):(?=\S)[^\x00-\x1f\x7f]+")
CHAINS = {"audit trail": audit, "decisions": decisions}
CHANGED_KEYS = "(keys changed outside the workbench)"


def log(
    ledger: Ledger,
    who: str,
    role: str,
    action: str,
    object_keys: Iterable[str],
    snapshot_id: str | None,
) -> int:
    """Append one entry; its sequence number."""
    with writing(ledger) as connection:
        return append_entry(connection, who, role, action, object_keys, snapshot_id)


def loggable(key: str) -> bool:
    """Whether the trail may name `key` (an id of a known kind, never a value)."""
    matched = KEY.fullmatch(key) if len(key) <= KEY_LENGTH else None
    return matched is not None and matched["kind"] in KEY_KINDS


def loggable_key(key: str) -> str:
    """`key` as the trail holds it: control and bidi characters shown as escapes (an id
    from the snapshot may hold a line break); a key still unfit (over the trail's
    length, or an id starting with a space) by its kind and the SHA-256 of its text, so
    the entry still names the record."""
    text = printable(key)
    if loggable(text):
        return text
    return key_digest(key)  # as the ledger's tables hold a key too long for them


def append_entry(
    connection: Connection,
    who: str,
    role: str,
    action: str,
    object_keys: Iterable[str],
    snapshot_id: str | None,
) -> int:
    """`log` inside a write transaction the caller holds (one that records a run, say)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    keys = sorted(set(object_keys))
    for key in keys:
        matched = KEY.fullmatch(key)
        if matched is None or matched["kind"] not in KEY_KINDS:
            kind = matched["kind"] if matched else "?"  # never the key: it may be a value
            raise ValueError(f"the audit trail holds no keys of kind {kind!r}")
    fields = {
        "at": stored(now()),  # taken under the write lock, so entries are in time order
        "who": who,
        "role": role,
        "action": action,
        "object_keys": json.dumps(keys),
        "snapshot_id": held_snapshot_id(snapshot_id) if snapshot_id is not None else None,
    }
    return chain.append(connection, audit, fields)


@dataclass(frozen=True)
class ChainState:
    name: str  # "audit trail" or "decisions"
    entries: int  # entries held now
    pruned: int  # entries pruned so far (the checkpoint's count)
    broken: chain.Break | None


def verify(ledger: Ledger) -> list[ChainState]:
    """Each chain with its first break, if any."""
    with reading(ledger) as connection:
        return [
            ChainState(
                name,
                chain.count(connection, table),
                _pruned(connection, table.name),
                _first_break(connection, table),
            )
            for name, table in CHAINS.items()
        ]


def _first_break(connection: Connection, table: Table) -> chain.Break | None:
    found = chain.verify(connection, table)
    if found is not None or table is not audit:
        return found or _unaccounted(connection, table)
    if chain.count(connection, table) == 0:  # emptied: its entries were removed
        return _unaccounted(connection, table) or _changed_run(connection)
    # Entries are left and their chain is whole: a run that no entry records (added by
    # hand) is what makes their count fall short, and it is found where it was put.
    return _changed_run(connection) or _unaccounted(connection, table)


def _changed_run(connection: Connection) -> chain.Break | None:
    """The first `run_recorded` entry whose run is gone, or was changed since: history
    and deletion certificates are read from the runs, outside the chains, so each entry
    holds the run's seal (`run_seal`; entries written before seals were logged are only
    checked for their run)."""
    logged = connection.execute(
        select(audit.c.seq, audit.c.object_keys)
        .where(audit.c.action == "run_recorded")
        .order_by(audit.c.seq)
    )
    accounted: set[str] = set()
    for seq, keys in logged.all():
        named, seals = sealed_runs(_logged_keys(keys))
        accounted.update(named)
        for run_id in named:
            now_sealed = run_seal(connection, run_id)
            if now_sealed is None:
                return chain.Break(int(seq), "the run it records is no longer in the ledger")
            if run_id in seals and seals[run_id] != now_sealed:
                return chain.Break(
                    int(seq),
                    "the run it records was changed since (its details, findings or "
                    "what its snapshot held)",
                )
    return _unlogged_run(connection, accounted)


def _unlogged_run(connection: Connection, accounted: set[str]) -> chain.Break | None:
    """A run no entry records: added by hand (a run is written with its entry, in one
    transaction), unless recorded before the oldest entry pruning kept."""
    kept_from = connection.execute(select(func.min(audit.c.at))).scalar_one_or_none()
    pruned = _pruned(connection, audit.name) > 0
    recorded = connection.execute(select(runs.c.run_id, runs.c.recorded_at)).all()
    for run_id, recorded_at in sorted(recorded, key=lambda r: str(r.recorded_at)):
        if run_id in accounted:
            continue
        if pruned and (kept_from is None or str(recorded_at) < str(kept_from)):
            continue  # its entry went with the pruned ones
        after = connection.execute(
            select(func.min(audit.c.seq)).where(audit.c.at >= str(recorded_at))
        ).scalar_one_or_none()
        if after is None:
            last = connection.execute(select(func.max(audit.c.seq))).scalar_one_or_none()
            after = int(last or 0) + 1
        # (or its entry went from the end of the trail, the head's record forged to match)
        return chain.Break(
            int(after),
            "a recorded run that no entry records was added outside the workbench, "
            "or its entry was removed",
        )
    return None


def _unaccounted(connection: Connection, table: Table) -> chain.Break | None:
    """Entries removed from the end of an intact chain together with its head record.
    Each recorded run and each decision is written with an audit entry, in the same
    transaction: the audit trail cannot have written fewer entries than there are runs
    and decisions, nor the decisions fewer than the trail's entries that log one."""
    written = chain.count(connection, table)
    removed = "entries from here on were removed"
    if table is audit:
        written += _pruned(connection, audit.name)
        # (with no entry left to place it by, a run or decision added by hand shows here)
        removed += ", or runs or decisions were added by hand"
        why = "each recorded run and decision was written with an entry"
    else:
        why = "the audit trail logs more decisions"
    if written >= chain.owed(connection, table):
        return None
    last = connection.execute(select(func.max(table.c.seq))).scalar_one()
    start = chain.start_of(connection, table.name)
    after = int(last) if last is not None else start[0] if start else 0
    return chain.Break(after + 1, f"{removed} ({why})")


@dataclass(frozen=True)
class Pruned:
    removed: int
    kept: int
    before: datetime  # entries written before this instant were removed


def prune(ledger: Ledger, today: date, keep_days: int) -> Pruned:
    """Remove the audit entries written before 00:00 UTC of `today - keep_days`.

    Only a run of the oldest entries goes, so the rest still follows the checkpoint left
    in their place. A chain that does not verify is not pruned (`BrokenChain`): that
    would erase the evidence."""
    before = datetime.combine(today - timedelta(days=keep_days), time(), tzinfo=UTC)
    with writing(ledger) as connection:
        broken = _first_break(connection, audit)
        if broken is not None:
            raise BrokenChain(broken)
        newer = connection.execute(
            select(func.min(audit.c.seq)).where(audit.c.at >= stored(before))
        ).scalar_one()
        oldest = select(audit.c.seq, audit.c.hash).order_by(audit.c.seq.desc()).limit(1)
        if newer is not None:
            oldest = oldest.where(audit.c.seq < newer)
        last = connection.execute(oldest).first()
        if last is None:
            return Pruned(0, chain.count(connection, audit), before)
        removed = connection.execute(delete(audit).where(audit.c.seq <= last.seq)).rowcount
        _move_checkpoint(connection, int(last.seq), str(last.hash), removed)
        return Pruned(removed, chain.count(connection, audit), before)


class BrokenChain(Exception):
    def __init__(self, broken: chain.Break):
        super().__init__(f"entry {broken.seq}: {broken.problem}")
        self.broken = broken


@dataclass(frozen=True)
class Entry:
    seq: int
    at: str
    who: str
    role: str
    action: str
    object_keys: list[str]
    snapshot_id: str | None


def entries(
    ledger: Ledger,
    *,
    who: str | None = None,
    actions: Sequence[str] = (),
    key: str | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int = 5000,
) -> list[Entry]:
    """Entries newest first, at most `limit`: by who (exactly), actions, a key they name,
    and the UTC days `since` to `until` inclusive."""
    query = select(audit).order_by(audit.c.seq.desc())
    if not key:  # with a key, counted once matched exactly (`LIKE` ignores case)
        query = query.limit(limit)
    if who:
        query = query.where(audit.c.who == who)
    if actions:
        query = query.where(audit.c.action.in_(list(actions)))
    if key:  # stored as a JSON list: narrowed here, matched exactly below
        query = query.where(audit.c.object_keys.contains(json.dumps(key), autoescape=True))
    if since is not None:
        query = query.where(audit.c.at >= stored(datetime.combine(since, time(), tzinfo=UTC)))
    if until is not None:
        end = datetime.combine(until + timedelta(days=1), time(), tzinfo=UTC)
        query = query.where(audit.c.at < stored(end))
    with reading(ledger) as connection:
        rows = connection.execute(query).mappings().all()
    found = [
        Entry(
            int(row["seq"]),
            row["at"],
            row["who"],
            row["role"],
            row["action"],
            _logged_keys(row["object_keys"]),
            row["snapshot_id"],
        )
        for row in rows
    ]
    return [entry for entry in found if not key or key in entry.object_keys][:limit]


def _logged_keys(text: object) -> list[str]:
    """An entry's keys as `append_entry` stored them (a JSON list of text). Anything else
    was put there by hand: the entry is still listed, its keys shown as such (`verify`
    names the entry)."""
    try:
        keys = json.loads(text)  # type: ignore[arg-type]
    except (ValueError, TypeError):
        keys = None
    if isinstance(keys, list) and all(isinstance(k, str) for k in keys):
        return keys
    return [CHANGED_KEYS]


def people(ledger: Ledger) -> list[str]:
    """Everyone the trail names, for a filter."""
    with reading(ledger) as connection:
        found = connection.execute(select(audit.c.who).distinct().order_by(audit.c.who))
        return [str(who) for who in found.scalars()]


def _pruned(connection: Connection, name: str) -> int:
    found = connection.execute(
        select(checkpoints.c.pruned).where(checkpoints.c.chain == name)
    ).scalar_one_or_none()
    return chain.whole(found) or 0


def _move_checkpoint(connection: Connection, through: int, last_hash: str, removed: int) -> None:
    values = {"through_seq": through, "last_hash": last_hash, "pruned_at": stored(now())}
    moved = connection.execute(
        checkpoints.update()
        .where(checkpoints.c.chain == audit.name)
        .values(**values, pruned=checkpoints.c.pruned + removed)
    )
    if moved.rowcount == 0:
        connection.execute(checkpoints.insert().values(chain=audit.name, pruned=removed, **values))
