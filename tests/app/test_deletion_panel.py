"""A record's panel shows its deletion evidence from the ledger, with the certificate
(on SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

from deletion_snapshots import OUT_OF_ORDER, record

RETENTION = "app_pages/retention.py"


def opened_panel(open_app, ledger_setting: str, deletion_months: dict[str, Any], key: str) -> Any:
    """Retention with the record `key` open, the deletion months recorded out of order."""
    record(ledger_setting, deletion_months, OUT_OF_ORDER)
    app = open_app("dpo", RETENTION, env={"INSIGHT_LEDGER": ledger_setting}, query={"key": key})
    assert not app.exception
    return app


def test_a_late_deletion_shows_its_bound_and_certificate(
    open_app, ledger_setting: str, deletion_months: dict[str, Any]
) -> None:
    app = opened_panel(open_app, ledger_setting, deletion_months, "org:O1")
    said = [w.value for w in app.warning]
    assert any(text.startswith("Deleted late, by 35 days at most") for text in said), said
    assert "record_certificate" in [b.key for b in app.get("download_button")]


def test_a_key_still_held_says_why_there_is_no_record(
    open_app, ledger_setting: str, deletion_months: dict[str, Any]
) -> None:
    app = opened_panel(open_app, ledger_setting, deletion_months, "org:O3")
    captions = [c.value for c in app.caption]
    assert "No deletion record yet: the latest recorded snapshot still holds its data." in captions
    assert "record_certificate" not in [b.key for b in app.get("download_button")]
