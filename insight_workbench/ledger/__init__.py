"""The compliance ledger: what the workbench remembers between runs.

Recorded `check` runs with their findings, the DPO's decisions, deletion evidence
and the workbench's own audit trail, in SQLite (default) or PostgreSQL, through
SQLAlchemy Core with Alembic migrations. It holds ids, keys, rule codes, counts and
instants, never a value read from a snapshot. docs/ledger.md describes it.
"""
