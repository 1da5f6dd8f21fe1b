"""Alembic's entry point: migrations run on the connection the ledger hands over.

`ledger.database.open_ledger` calls `alembic.command.upgrade` with its own connection
in `config.attributes["connection"]`, inside the ledger's write lock, so two processes
opening a new ledger at once migrate it once.
"""

from __future__ import annotations

from alembic import context

from insight_workbench.ledger.tables import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata)
with context.begin_transaction():
    context.run_migrations()
