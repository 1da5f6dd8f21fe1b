"""A record's panel shows its deletion evidence from the ledger, with the certificate
(on SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

from apphelpers import as_read

RETENTION = "app_pages/retention.py"


def opened_panel(open_app, deletions_ledger: str, key: str) -> Any:
    """Retention with the record `key` open."""
    app = open_app("dpo", RETENTION, env={"INSIGHT_LEDGER": deletions_ledger}, query={"key": key})
    assert not app.exception
    return app


def test_a_late_deletion_shows_its_bound_and_certificate(open_app, deletions_ledger: str) -> None:
    app = opened_panel(open_app, deletions_ledger, "org:O1")
    said = [w.value for w in app.warning]
    assert any(text.startswith("Deleted late, by 35 days at most") for text in said), said
    assert "record_certificate" in [b.key for b in app.get("download_button")]


def test_a_key_still_held_says_why_there_is_no_record(open_app, deletions_ledger: str) -> None:
    app = opened_panel(open_app, deletions_ledger, "org:O3")
    captions = [c.value for c in app.caption]
    assert "No deletion record yet: the latest recorded snapshot still holds its data." in captions
    assert "record_certificate" not in [b.key for b in app.get("download_button")]


def test_a_finding_no_longer_in_the_snapshot_keeps_its_history_on_the_panel(
    open_app, deletions_ledger: str
) -> None:
    """The open snapshot has no finding for O1 (its data is gone), but the ledger's runs
    recorded one: its history, decisions (and any exception still in force) stay reachable."""
    app = opened_panel(open_app, deletions_ledger, "org:O1")
    labels = [as_read(e.label) for e in app.expander]
    assert "RET-001 org:O1: history and decisions" in labels
    assert any("Resolved" in m.value for m in app.markdown)
