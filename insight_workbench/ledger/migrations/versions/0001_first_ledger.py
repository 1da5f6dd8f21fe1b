"""The first ledger: recorded runs, their findings and holdings, decisions, audit trail.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = 64
KEY = 400
WHEN = 32


def upgrade() -> None:
    op.create_table(
        "ledger_runs",
        sa.Column("run_id", sa.String(ID), primary_key=True),
        sa.Column("snapshot_id", sa.String(KEY), nullable=False),
        sa.Column("manifest_sha256", sa.String(ID), nullable=False),
        sa.Column("exported_at", sa.String(WHEN), nullable=False),
        sa.Column("as_of", sa.String(WHEN), nullable=False),
        sa.Column("policy", sa.Text, nullable=False),
        sa.Column("rules", sa.Text, nullable=False),
        sa.Column("workbench_version", sa.String(40), nullable=False),
        sa.Column("recorded_at", sa.String(WHEN), nullable=False),
        sa.Column("recorded_by", sa.String(KEY), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
    )
    op.create_index("ix_ledger_runs_exported_at", "ledger_runs", ["exported_at"])
    op.create_table(
        "ledger_findings",
        sa.Column("run_id", sa.String(ID), sa.ForeignKey("ledger_runs.run_id"), primary_key=True),
        sa.Column("rule", sa.String(20), primary_key=True),
        sa.Column("key", sa.String(KEY), primary_key=True),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("due", sa.String(WHEN)),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
    )
    op.create_index("ix_ledger_findings_key", "ledger_findings", ["key"])
    op.create_table(
        "ledger_holdings",
        sa.Column("run_id", sa.String(ID), sa.ForeignKey("ledger_runs.run_id"), primary_key=True),
        sa.Column("key", sa.String(KEY), primary_key=True),
        sa.Column("rule", sa.String(20)),
        sa.Column("due", sa.String(WHEN)),
        sa.Column("rows", sa.Text, nullable=False),
    )
    op.create_table(
        "ledger_decisions",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("rule", sa.String(20), nullable=False),
        sa.Column("key", sa.String(KEY), nullable=False),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("by", sa.String(KEY), nullable=False),
        sa.Column("at", sa.String(WHEN), nullable=False),
        sa.Column("owner", sa.String(KEY)),
        sa.Column("note", sa.Text),
        sa.Column("basis", sa.Text),
        sa.Column("approver", sa.String(KEY)),
        sa.Column("until", sa.String(10)),
        sa.Column("prev_hash", sa.String(ID), nullable=False),
        sa.Column("hash", sa.String(ID), nullable=False),
    )
    op.create_index("ix_ledger_decisions_key", "ledger_decisions", ["key"])
    op.create_table(
        "ledger_audit",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(WHEN), nullable=False),
        sa.Column("who", sa.String(KEY), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("object_keys", sa.Text, nullable=False),
        sa.Column("snapshot_id", sa.String(KEY)),
        sa.Column("prev_hash", sa.String(ID), nullable=False),
        sa.Column("hash", sa.String(ID), nullable=False),
    )
    op.create_index("ix_ledger_audit_at", "ledger_audit", ["at"])
    op.create_table(
        "ledger_checkpoints",
        sa.Column("chain", sa.String(20), primary_key=True),
        sa.Column("through_seq", sa.Integer, nullable=False),
        sa.Column("last_hash", sa.String(ID), nullable=False),
        sa.Column("pruned_at", sa.String(WHEN), nullable=False),
        sa.Column("pruned", sa.Integer, nullable=False),
    )
    op.create_table(
        "ledger_heads",
        sa.Column("chain", sa.String(20), primary_key=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("hash", sa.String(ID), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "ledger_heads",
        "ledger_checkpoints",
        "ledger_audit",
        "ledger_decisions",
        "ledger_holdings",
        "ledger_findings",
        "ledger_runs",
    ):
        op.drop_table(table)
