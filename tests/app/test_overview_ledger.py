"""Overview reads the ledger: what the latest recorded run changed since the one before
it, and the trend over every recorded run (on SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
import streamlit as st
from apphelpers import frame_with

from insight_workbench.ledger.database import open_ledger
from insight_workbench.ledger.lifecycle import finding_lifecycle
from insight_workbench.ledger.runs import record_run

PAGE = "app_pages/overview.py"


@pytest.fixture(autouse=True)
def fresh_app_process() -> None:
    st.cache_data.clear()  # the app records the run it judges once per process


def test_a_first_run_is_said_to_be_the_only_one(open_app, ledger_setting: str, sample) -> None:
    app = open_app("dpo", PAGE, env={"INSIGHT_LEDGER": ledger_setting})
    assert not app.exception
    said = [c.value for c in app.caption]
    assert (
        f"One run is recorded: {sample.manifest.snapshot_id} (exported 2026-11-28T02:00:00Z)."
        in said
    )
    assert "Since the previous recorded run" in [h.value for h in app.subheader]
    assert (
        not [c for c in app.get("plotly_chart") if c.key == "trend_chart"]
        if hasattr(app, "key")
        else True
    )


def test_the_changes_since_the_previous_run_come_from_the_ledger(
    open_app, ledger_setting: str, lifecycle_results: dict[str, Any], sample
) -> None:
    ledger = open_ledger(ledger_setting)
    for result in lifecycle_results.values():  # earlier exports than the sample's
        record_run(ledger, result, source="cli")
    app = open_app("dpo", PAGE, env={"INSIGHT_LEDGER": ledger_setting})
    assert not app.exception
    changes = finding_lifecycle(ledger).since_previous()
    assert changes.latest is not None
    assert changes.latest.snapshot_id == sample.manifest.snapshot_id  # the app's own run
    metrics = {m.label: int(m.value) for m in app.metric}
    assert metrics["New"] == len(changes.new)
    assert metrics["Resolved"] == len(changes.resolved)
    assert metrics["Excepted"] == len(changes.excepted)
    shown = frame_with(app, "change", "runs_seen")
    resolved = {life.key for life in changes.resolved}
    assert resolved  # the earlier exports' findings are gone from the sample
    assert {
        link.split("key=")[1].split("&")[0]
        for link in shown.loc[shown["change"] == "resolved", "key"]
    } == resolved


def test_changes_narrowed_away_by_the_address_s_key_say_so(
    open_app, ledger_setting: str, lifecycle_results: dict[str, Any]
) -> None:
    """A key none of the changes is about: the section says it holds nothing about that
    record, not an empty space that reads as "nothing changed"."""
    ledger = open_ledger(ledger_setting)
    for result in lifecycle_results.values():
        record_run(ledger, result, source="cli")
    query = {"key": "row:nope:1"}
    app = open_app("dpo", PAGE, env={"INSIGHT_LEDGER": ledger_setting}, query=query)
    assert not app.exception
    assert "Nothing in this section is about the record the address names." in [
        i.value for i in app.info
    ]
    assert not [m for m in app.metric if m.label == "New"]


def test_a_ledger_changed_by_hand_is_said_and_the_page_goes_on(
    open_app, ledger_setting: str, lifecycle_results: dict[str, Any]
) -> None:
    from sqlalchemy import text

    ledger = open_ledger(ledger_setting)
    for result in lifecycle_results.values():
        record_run(ledger, result, source="cli")
    with ledger.engine.begin() as connection:
        connection.execute(text("UPDATE ledger_runs SET exported_at = 'garbage'"))
    app = open_app("dpo", PAGE, env={"INSIGHT_LEDGER": ledger_setting})
    assert not app.exception
    assert any("changed outside the workbench" in e.value for e in app.error)
    assert "Load status" in [h.value for h in app.subheader]


def test_a_new_finding_already_excepted_is_listed_once(
    open_app, ledger_setting: str, lifecycle_results: dict[str, Any], sample
) -> None:
    """Excepted after the run that first found it: one row, `new` in the state
    `excepted`, and counted among the excepted."""
    from datetime import date

    from insight_workbench.ledger.decisions import Request, decide
    from insight_workbench.policy import load_policy
    from insight_workbench.rules.runner import run_check

    ledger = open_ledger(ledger_setting)
    for result in lifecycle_results.values():
        record_run(ledger, result, source="cli")
    record_run(ledger, run_check(sample, load_policy()), source="cli")
    first = finding_lifecycle(ledger).since_previous().new[0]
    hold = Request("except", basis="Litigation hold", approver="Legal", until=date(2099, 1, 31))
    decide(ledger, first.rule, first.key, hold)
    changes = finding_lifecycle(ledger).since_previous()
    app = open_app("dpo", PAGE, env={"INSIGHT_LEDGER": ledger_setting})
    assert not app.exception
    shown = frame_with(app, "change", "runs_seen")
    keys = shown["key"].str.split("key=").str[1].str.split("&").str[0]
    rows = shown[keys == first.key]
    assert rows[["change", "state"]].values.tolist() == [["new", "excepted"]]
    metrics = {m.label: int(m.value) for m in app.metric}
    assert metrics["Excepted"] == len(changes.excepted) >= 1
    assert metrics["New"] == len(changes.new)


def test_changes_of_another_snapshot_s_run_are_said_so_and_not_linked(
    open_app, ledger_setting: str, sample, tmp_path
) -> None:
    """The latest recorded run may be of a later export than the one open: its keys
    would open records this snapshot may not hold (or holds otherwise), so they are
    shown as keys, and the sentence says which snapshot to open to follow them."""
    from clock_snapshot import TABLES

    from insight_workbench.loading.snapshot import load_snapshot
    from insight_workbench.policy import load_policy
    from insight_workbench.rules.runner import run_check
    from insight_workbench.testing import build_snapshot

    ledger = open_ledger(ledger_setting)
    record_run(ledger, run_check(sample, load_policy()), source="cli")
    later = build_snapshot(tmp_path / "later", TABLES, exported_at="2027-01-05T02:00:00Z")
    record_run(ledger, run_check(load_snapshot(later), load_policy()), source="cli")
    app = open_app("dpo", PAGE, env={"INSIGHT_LEDGER": ledger_setting})
    assert not app.exception
    assert any("It ran on another snapshot than the one open" in c.value for c in app.caption)
    [changed] = [d.value for d in app.dataframe if {"change", "runs_seen"} <= set(d.value)]
    assert not changed.empty
    assert not changed["key"].str.contains("key=").any()
