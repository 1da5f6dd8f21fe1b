"""Fresh ledgers for the tests, migrated to the newest schema without running the
migrations each time: each is a copy of one ledger per backend that `open_ledger`
migrated through Alembic (a SQLite file copied, a PostgreSQL database made from it as a
template). The tests of migrating itself take `new_ledger_setting` instead."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest


class LedgerMaker:
    """Fresh, empty ledgers migrated to the newest schema: copies of one ledger per
    backend that `open_ledger` migrated through Alembic when the session first asked for
    that backend (cheaper than running the migrations for each test)."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._templates: dict[str, str] = {}  # SQLite path, PostgreSQL database name
        self._filled: dict[tuple[str, str], str] = {}  # by (backend, name): what `filled` copies

    def new(self, request: pytest.FixtureRequest, backend: str, folder: Path) -> str:
        """A new ledger of `backend` ("sqlite" or "postgresql") for the test or fixture
        of `request`: a SQLite path in `folder`, or a PostgreSQL URL."""
        if backend == "sqlite":
            copy = folder / "ledger.sqlite"
            shutil.copyfile(self._sqlite_template(), copy)
            return str(copy)
        server = request.getfixturevalue("postgres_server")
        return str(server.new_database(self._postgres_template(server)))

    def filled(
        self,
        request: pytest.FixtureRequest,
        backend: str,
        folder: Path,
        name: str,
        fill: Callable[[str], None],
    ) -> str:
        """A new ledger of `backend` holding what `fill` writes to an empty one: a copy
        of the ledger `name`, filled once per backend in the session. `fill` must write
        the same whenever it runs, so every test sees what it would have written."""
        if backend == "sqlite":
            copy = folder / "ledger.sqlite"
            shutil.copyfile(self._filled_template(request, backend, name, fill), copy)
            return str(copy)
        server = request.getfixturevalue("postgres_server")
        template = self._filled_template(request, backend, name, fill)
        return str(server.new_database(template.rsplit("/", 1)[1]))

    def _filled_template(
        self, request: pytest.FixtureRequest, backend: str, name: str, fill: Callable[[str], None]
    ) -> str:
        if (backend, name) not in self._filled:
            from insight_workbench.ledger.database import open_ledger

            folder = self._folder / f"{name}-{backend}"
            folder.mkdir()
            setting = self.new(request, backend, folder)
            fill(setting)
            open_ledger(setting).engine.dispose()  # as `_migrated`: folded in, nobody connected
            self._filled[(backend, name)] = setting
        return self._filled[(backend, name)]

    def _sqlite_template(self) -> str:
        if "sqlite" not in self._templates:
            self._templates["sqlite"] = self._migrated(str(self._folder / "ledger.sqlite"))
        return self._templates["sqlite"]

    def _postgres_template(self, server: Any) -> str:
        if "postgresql" not in self._templates:
            url = self._migrated(server.new_database())
            self._templates["postgresql"] = url.rsplit("/", 1)[1]  # the database's name
        return self._templates["postgresql"]

    @staticmethod
    def _migrated(setting: str) -> str:
        from insight_workbench.ledger.database import open_ledger

        # Closed at once: SQLite folds its write-ahead log into the file, and PostgreSQL
        # copies a template only while nobody is connected to it.
        open_ledger(setting).engine.dispose()
        return setting


def recorded_copy(
    request: pytest.FixtureRequest,
    ledgers: LedgerMaker,
    folder: Path,
    name: str,
    fill: Callable[[str], None],
) -> Iterator[str]:
    """The body of a fixture parametrised by backend: a copy of the ledger `name` that
    `fill` wrote once per backend, its pooled connections closed after the test."""
    from insight_workbench.ledger.database import close_ledgers

    yield ledgers.filled(request, request.param, folder, name, fill)
    close_ledgers()
