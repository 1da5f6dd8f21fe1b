"""The ledger's tables (SQLAlchemy Core), the same on SQLite and PostgreSQL.

The ledger holds ids, keys, codes, counts and instants: never a name, an email or any
other value read from a snapshot. Instants are text in one format
(`YYYY-MM-DDTHH:MM:SS[.ffffff]Z`, see `timeutil.format_utc`) so that both backends
order and compare them alike. Changes to these tables go through a new Alembic
migration in `migrations/versions/`.

Keys and snapshot ids are text from the snapshot, of any length; a column holds `KEY`
characters. Every write and every look-up by a key or a snapshot id goes through
`held_key` and `held_snapshot_id`, so one too long for its column is held, and found,
by the SHA-256 of its whole text.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, Text

metadata = MetaData()

ID = 64  # run ids and hashes: hex SHA-256
KEY = 400  # finding keys such as `org:O17` or `row:usage_events:12`
WHEN = 32  # a UTC instant as text
KIND = re.compile(r"[a-z]{1,20}")  # the kind a key starts with: `org`, `dataset`, ...


def held_key(key: str) -> str:
    """`key` as the ledger holds it, and is looked up by: unchanged when it fits in a
    key column (`KEY` characters, which PostgreSQL counts as characters, not bytes), else
    `key_digest`. A `dataset:<name>:<column>` key whose column is a whole survey question
    still names its finding, and the same text always names the same one. A key holding
    a NUL (a dataset's column name may), which PostgreSQL cannot store in text, is held
    by its digest too."""
    return key if _storable(key) else key_digest(key)


def asked_by_held(keys: Iterable[str]) -> dict[str, str]:
    """The keys asked about, by the key the ledger holds each as (`held_key`): a key read
    back is named as it was asked with `.get(held, held)`, even when held by its digest."""
    return {held_key(key): key for key in keys}


def key_digest(key: str) -> str:
    """`<kind>:sha256:<hex>`: the key's kind and the SHA-256 of its whole text (UTF-8),
    or `sha256:<hex>` when it starts with no kind. Far shorter than `KEY`."""
    kind = key.split(":", 1)[0]
    digest = _sha256(key)
    return f"{kind}:sha256:{digest}" if ":" in key and KIND.fullmatch(kind) else f"sha256:{digest}"


def held_snapshot_id(snapshot_id: str) -> str:
    """A manifest's `snapshot_id` as the ledger holds it: unchanged when it fits in its
    column (and holds no NUL), else `sha256:<hex>` of its whole text."""
    return snapshot_id if _storable(snapshot_id) else f"sha256:{_sha256(snapshot_id)}"


def _storable(text: str) -> bool:
    return len(text) <= KEY and "\x00" not in text


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


# One recorded `check`: a snapshot judged at `as_of` under a policy. `run_id` is the
# SHA-256 of what makes a run the same run, so recording it again changes nothing.
runs = Table(
    "ledger_runs",
    metadata,
    Column("run_id", String(ID), primary_key=True),
    Column("snapshot_id", String(KEY), nullable=False),
    Column("manifest_sha256", String(ID), nullable=False),
    Column("exported_at", String(WHEN), nullable=False, index=True),
    Column("as_of", String(WHEN), nullable=False),
    Column("policy", Text, nullable=False),  # the policy values as JSON
    Column("rules", Text, nullable=False),  # JSON list of the rule codes that ran
    Column("workbench_version", String(40), nullable=False),
    Column("recorded_at", String(WHEN), nullable=False),
    Column("recorded_by", String(KEY), nullable=False),
    Column("source", String(20), nullable=False),  # cli | app | report
)

findings = Table(
    "ledger_findings",
    metadata,
    Column("run_id", String(ID), ForeignKey("ledger_runs.run_id"), primary_key=True),
    Column("rule", String(20), primary_key=True),
    Column("key", String(KEY), primary_key=True, index=True),
    Column("severity", String(10), nullable=False),
    Column("due", String(WHEN)),
    Column("message", Text, nullable=False),  # ids and counts only, as the rules write it
    Column("evidence", Text, nullable=False),  # JSON
)

# What a run's snapshot held of each organisation and erasure request, so a later run
# can prove the data gone (deletion evidence). A key absent from a run held nothing.
holdings = Table(
    "ledger_holdings",
    metadata,
    Column("run_id", String(ID), ForeignKey("ledger_runs.run_id"), primary_key=True),
    Column("key", String(KEY), primary_key=True),
    Column("rule", String(20)),  # the retention rule that sets its due date, if any
    Column("due", String(WHEN)),
    Column("rows", Text, nullable=False),  # JSON {table: rows held}, tables holding some
)

# Append-only, hash-chained: each entry carries the SHA-256 of the one before it.
decisions = Table(
    "ledger_decisions",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("rule", String(20), nullable=False),
    Column("key", String(KEY), nullable=False, index=True),
    Column("action", String(30), nullable=False),
    Column("by", String(KEY), nullable=False),
    Column("at", String(WHEN), nullable=False),
    Column("owner", String(KEY)),
    Column("note", Text),
    Column("basis", Text),
    Column("approver", String(KEY)),
    Column("until", String(10)),  # an exception's expiry date, YYYY-MM-DD
    Column("prev_hash", String(ID), nullable=False),
    Column("hash", String(ID), nullable=False),
)

audit = Table(
    "ledger_audit",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("at", String(WHEN), nullable=False, index=True),
    Column("who", String(KEY), nullable=False),
    Column("role", String(20), nullable=False),
    Column("action", String(40), nullable=False),
    Column("object_keys", Text, nullable=False),  # JSON list of keys
    Column("snapshot_id", String(KEY)),
    Column("prev_hash", String(ID), nullable=False),
    Column("hash", String(ID), nullable=False),
)

# Pruning the audit trail leaves one checkpoint: the last pruned entry's sequence
# number and hash, so the entries kept still verify against it.
checkpoints = Table(
    "ledger_checkpoints",
    metadata,
    Column("chain", String(20), primary_key=True),  # "audit"
    Column("through_seq", Integer, nullable=False),
    Column("last_hash", String(ID), nullable=False),
    Column("pruned_at", String(WHEN), nullable=False),
    Column("pruned", Integer, nullable=False),
)

# The newest entry of each chain, written with it: removing entries from the end of a
# chain leaves the chain itself intact, but no longer reaching its head.
heads = Table(
    "ledger_heads",
    metadata,
    Column("chain", String(20), primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("hash", String(ID), nullable=False),
)
