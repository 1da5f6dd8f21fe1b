"""A record's panel shows its deletion evidence from the ledger, with the certificate
(on SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from apphelpers import as_read
from deletion_snapshots import OUT_OF_ORDER, record
from ledger_maker import LedgerMaker

from insight_workbench.ledger.database import close_ledgers

RETENTION = "app_pages/retention.py"


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_setting(
    request: pytest.FixtureRequest,
    ledgers: LedgerMaker,
    tmp_path: Path,
    deletion_months: dict[str, Any],
) -> Iterator[str]:
    """A fresh ledger on each backend with the deletion months recorded out of order
    (once per backend, then copied: a test only reads its copy)."""

    def months_out_of_order(setting: str) -> None:
        record(setting, deletion_months, OUT_OF_ORDER)

    yield ledgers.filled(request, request.param, tmp_path, "deletions", months_out_of_order)
    close_ledgers()


def opened_panel(open_app, ledger_setting: str, key: str) -> Any:
    """Retention with the record `key` open."""
    app = open_app("dpo", RETENTION, env={"INSIGHT_LEDGER": ledger_setting}, query={"key": key})
    assert not app.exception
    return app


def test_a_late_deletion_shows_its_bound_and_certificate(open_app, ledger_setting: str) -> None:
    app = opened_panel(open_app, ledger_setting, "org:O1")
    said = [w.value for w in app.warning]
    assert any(text.startswith("Deleted late, by 35 days at most") for text in said), said
    assert "record_certificate" in [b.key for b in app.get("download_button")]


def test_a_key_still_held_says_why_there_is_no_record(open_app, ledger_setting: str) -> None:
    app = opened_panel(open_app, ledger_setting, "org:O3")
    captions = [c.value for c in app.caption]
    assert "No deletion record yet: the latest recorded snapshot still holds its data." in captions
    assert "record_certificate" not in [b.key for b in app.get("download_button")]


def test_a_finding_no_longer_in_the_snapshot_keeps_its_history_on_the_panel(
    open_app, ledger_setting: str
) -> None:
    """The open snapshot has no finding for O1 (its data is gone), but the ledger's runs
    recorded one: its history, decisions (and any exception still in force) stay reachable."""
    app = opened_panel(open_app, ledger_setting, "org:O1")
    labels = [as_read(e.label) for e in app.expander]
    assert "RET-001 org:O1: history and decisions" in labels
    assert any("Resolved" in m.value for m in app.markdown)
