"""Retention page: due dates, overdue first, rows held, the action list as CSV."""

from __future__ import annotations

import csv
import io
from datetime import date

import pandas as pd
import pytest
from apphelpers import frame_with, linked_keys, metrics

from insight_workbench.dashboard import records
from insight_workbench.dashboard.retention import action_csv, people_held
from insight_workbench.deadlines.retention_table import retention_status
from insight_workbench.deadlines.schedule import build_schedule
from insight_workbench.ledger.database import open_ledger
from insight_workbench.ledger.decisions import Request, decide
from insight_workbench.ledger.runs import record_run
from insight_workbench.loading.snapshot import Snapshot, load_snapshot
from insight_workbench.policy import load_policy
from insight_workbench.rules.runner import run_check

PAGE = "app_pages/retention.py"


def status(sample: Snapshot) -> pd.DataFrame:
    return retention_status(sample, load_policy(), sample.manifest.exported_at)


def person_findings_of(sample: Snapshot) -> pd.DataFrame:
    return people_held(sample, load_policy(), sample.manifest.exported_at)


def test_metrics_are_the_library_figures(open_app, sample: Snapshot) -> None:
    app = open_app("dpo", PAGE)
    assert not app.exception
    assert not app.error
    frame = status(sample)
    overdue = frame[frame["state"] == "overdue"]
    assert len(overdue) > 0
    assert metrics(app) == {
        "Organisations judged": str(len(frame)),
        "Overdue for deletion": str(len(overdue)),
        "Falling due later": str(int((frame["state"] == "upcoming").sum())),
        "Rows held past their due date": str(int(overdue["rows_held"].sum())),
    }


def test_due_now_is_neither_overdue_nor_falling_due_later(open_app, sample: Snapshot) -> None:
    """Exactly at its due instant an organisation is not yet a finding, and the schedule
    (items due after as_of) no longer lists it: "Falling due later" is the schedule's."""
    frame = status(sample)
    due_now = set(frame.loc[frame["state"] == "due now", "org_id"])
    assert due_now  # the sample plants organisations due exactly at its export
    scheduled = {
        item.key.removeprefix("org:")
        for item in build_schedule(sample, load_policy(), sample.manifest.exported_at)
        if item.kind == "retention"
    }
    assert not due_now & scheduled
    app = open_app("dpo", PAGE)
    assert metrics(app)["Falling due later"] == str(len(scheduled))
    assert due_now <= set(frame_with(app, "state", "rows_held")["org_id"])  # shown by default


def test_overdue_come_first_and_the_filter_changes_the_rows(open_app, sample) -> None:
    app = open_app("dpo", PAGE)
    frame = status(sample)
    shown = frame_with(app, "state", "rows_held")
    overdue = int((frame["state"] == "overdue").sum())
    assert list(shown["state"][:overdue]) == ["overdue"] * overdue
    days = list(shown["days_overdue"][:overdue])
    assert days == sorted(days, reverse=True)
    app.multiselect(key="retention_states").set_value(["overdue"]).run()
    assert not app.exception
    only = frame_with(app, "state", "rows_held")
    assert set(only["org_id"]) == set(frame.loc[frame["state"] == "overdue", "org_id"])
    assert len(only) < len(shown)
    app.multiselect(key="retention_states").set_value([]).run()
    assert "No organisation in the chosen states." in [i.value for i in app.info]


def test_action_list_csv_holds_the_overdue_organisations(open_app, sample) -> None:
    app = open_app("dpo", PAGE)
    assert app.get("download_button")  # offered on the page
    frame = status(sample)
    rows = list(csv.DictReader(io.StringIO(action_csv(frame).decode("utf-8-sig"))))
    overdue = frame[frame["state"] == "overdue"]
    assert [r["org_id"] for r in rows] == list(overdue["org_id"])
    assert [int(r["rows_held"]) for r in rows] == list(overdue["rows_held"])


def test_action_list_neutralises_formulas() -> None:
    frame = pd.DataFrame(
        [
            {
                "rule": "RET-001",
                "kind": "closed account",
                "org_id": "O1",
                "name": "=HYPERLINK(1)",
                "product": "local_insight",
                "status": "closed",
                "reference": "closed_at",
                "reference_at": pd.Timestamp("2026-01-01", tz="UTC"),
                "due_at": pd.Timestamp("2026-01-29", tz="UTC"),
                "state": "overdue",
                "days_overdue": 10.0,
                "days_left": None,
                "users": 1,
                "logins": 2,
                "usage_events": 0,
                "communications": 0,
                "preferences": 0,
                "admin_views": 0,
                "rows_held": 3,
            }
        ]
    )
    rows = list(csv.DictReader(io.StringIO(action_csv(frame).decode("utf-8-sig"))))
    assert rows[0]["name"] == "'=HYPERLINK(1)"
    assert rows[0]["due_at"] == "2026-01-29T00:00:00Z"


def test_rows_held_chart_counts_an_organisation_judged_by_both_rules_once(tmp_path) -> None:
    """A trial organisation whose account was closed is judged by RET-001 and RET-002, a
    row each in the page's table: the stacked bars of rows held drew its rows twice (6
    rows for an organisation holding 3), where the metric above counts them once."""
    from insight_workbench.dashboard.retention import held_long
    from insight_workbench.testing import build_snapshot

    organisation = {
        "org_id": "O1",
        "name": "Org",
        "product": "local_insight",
        "status": "trial",
        "created_at": "2025-01-01T00:00:00Z",
        "closed_at": "2026-03-01T00:00:00Z",
        "last_contact_at": "2026-01-01T00:00:00Z",
    }
    user = {
        "user_id": "U1",
        "org_id": "O1",
        "name": "A",
        "email": "a@example.org",
        "role": "user",
        "created_at": "2025-01-01T00:00:00Z",
    }
    logins = [
        {"login_id": f"L{n}", "ts": "2026-02-01T10:00:00Z", "user_id": "U1", "success": True}
        for n in (1, 2)
    ]
    for login in logins:
        login["ip"] = "198.51.100.1"
    tables = {"organisations": [organisation], "users": [user], "logins": logins}
    snapshot = load_snapshot(build_snapshot(tmp_path / "s", tables))
    frame = retention_status(snapshot, load_policy(), snapshot.manifest.exported_at)
    assert sorted(frame["rule"]) == ["RET-001", "RET-002"]
    assert set(frame["rows_held"]) == {3}
    held = held_long(frame)
    assert held.groupby("table")["rows"].sum().to_dict() == {"users": 1, "logins": 2}


@pytest.mark.parametrize(
    ("as_of", "column", "tenths"),
    [
        ("2026-11-27T02:00:00Z", "days_overdue", 302.2),  # 302 days and 6 hours
        ("2026-01-30T01:00:00Z", "days_overdue", 1.2),  # 1 day 5 hours: 1.208 days
        ("2026-01-29T19:59:59Z", "days_overdue", 0.9),  # 1 second short of a day
        ("2026-01-26T21:00:00Z", "days_left", 1.9),  # 1 day 23 hours left: 1.958
    ],
)
def test_days_are_tenths_rounded_down_so_whole_days_are_the_exact_span_s(
    tmp_path, as_of: str, column: str, tenths: float
) -> None:
    """The table (and the action list and the reports that take it) rounds tenths down:
    rounded to the nearest, 1.96 days left read 2.0, and the page's whole days said 2
    where the Overview, counting the exact span, said 1."""
    from insight_workbench.testing import build_snapshot
    from insight_workbench.timeutil import parse_timestamp

    organisation = {
        "org_id": "O1",
        "name": "Org",
        "product": "local_insight",
        "status": "closed",
        "created_at": "2025-01-01T00:00:00Z",
        "closed_at": "2025-12-31T20:00:00Z",  # due 2026-01-28T20:00:00Z
    }
    user = {  # held: days overdue are counted only where something is to be deleted
        "user_id": "U1",
        "org_id": "O1",
        "name": "Ann Example",
        "email": "ann@example.org",
        "role": "user",
        "created_at": "2025-01-01T00:00:00Z",
    }
    tables = {"organisations": [organisation], "users": [user]}
    snapshot = build_snapshot(tmp_path / "s", tables)
    frame = retention_status(load_snapshot(snapshot), load_policy(), parse_timestamp(as_of))
    assert frame[column].tolist() == [tenths]


def test_a_record_s_panel_shows_its_due_time_as_the_page_s_table_does(open_app) -> None:
    """The panel showed `2026-10-13 16:30:00+00:00` and 45.3 days overdue, the table below
    17:30 (London) and 45 days: two due times for one record on one page."""
    app = open_app("dpo", PAGE, query={"key": "org:O0002"})
    assert not app.exception
    panel = frame_with(app, "org_id", "due_at", "days_overdue")  # the panel: first
    [row] = panel[panel["org_id"] == "O0002"].to_dict("records")
    assert str(row["due_at"].tz) == "Europe/London"
    assert row["days_overdue"] == int(row["days_overdue"])


def test_a_legal_hold_and_an_owner_show_on_the_tables_and_the_action_list(
    open_app, ledger_setting: str, sample: Snapshot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An exception in force on an overdue organisation (RET-001), a person's data
    (RET-003) and a late request (SAR-002) is shown beside each, and the action list
    says so, so that the data under it is not deleted by mistake. So is the owner the
    DPO last assigned a finding to: who is dealing with it."""
    ledger = open_ledger(ledger_setting)
    record_run(ledger, run_check(sample, load_policy()), source="cli")
    hold = Request("except", basis="Litigation hold", approver="Legal", until=date(2099, 1, 31))
    for rule, key in (
        ("RET-001", "org:O0008"),
        ("RET-003", "request:R0027"),
        ("SAR-002", "request:R0020"),
    ):
        decide(ledger, rule, key, hold)
    frame = status(sample)
    [other, *_] = frame.loc[
        (frame["rule"] == "RET-001") & (frame["state"] == "overdue") & (frame["org_id"] != "O0008"),
        "org_id",
    ]
    decide(ledger, "RET-001", "org:O0008", Request("assign", owner="Records team"))
    decide(ledger, "RET-001", "org:O0008", Request("assign", owner="Legal team"))  # the latest
    decide(ledger, "RET-001", f"org:{other}", Request("assign", owner="Support desk"))
    decide(ledger, "SAR-002", "request:R0020", Request("assign", owner="Support desk"))
    app = open_app("dpo", PAGE, env={"INSIGHT_LEDGER": ledger_setting})
    assert not app.exception
    shown = frame_with(app, "org_id", "excepted_until", "owner").set_index("org_id")
    orgs = shown["excepted_until"]
    assert str(orgs["O0008"]) == "2099-01-31"
    assert orgs.drop("O0008").isna().all()
    assert shown["owner"].dropna().to_dict() == {"O0008": "Legal team", other: "Support desk"}
    people = frame_with(app, "rule", "request_id", "excepted_until", "rows_held")
    held_people = people[people["excepted_until"].notna()]
    assert held_people["request_id"].tolist() == ["R0027"]
    assert str(held_people["excepted_until"].iloc[0]) == "2099-01-31"
    # The action list, from the exceptions as the page reads them: the hold on each row
    # it covers and on no other.
    monkeypatch.setenv("INSIGHT_LEDGER", ledger_setting)
    decided = records.decided("RET")
    assert {(rule, key) for rule, key, day, _ in decided if day} == {
        ("RET-001", "org:O0008"),
        ("RET-003", "request:R0027"),
    }
    rows = list(
        csv.DictReader(
            io.StringIO(
                action_csv(
                    records.with_decisions(status(sample), decided, "org_id", "org:"),
                    records.with_decisions(person_findings_of(sample), decided),
                ).decode("utf-8-sig")
            )
        )
    )
    held = {row["key"]: row["excepted_until"] for row in rows}
    assert {k: v for k, v in held.items() if v} == {
        "org:O0008": "2099-01-31",
        "request:R0027": "2099-01-31",
    }
    owners = {row["key"]: row["owner"] for row in rows if row["owner"]}
    assert owners == {"org:O0008": "Legal team", f"org:{other}": "Support desk"}
    requests = open_app(
        "dpo", "app_pages/subject_requests.py", env={"INSIGHT_LEDGER": ledger_setting}
    )
    late = frame_with(requests, "request_id", "finding", "excepted_until", "owner")
    late = late.set_index("request_id")
    assert late["excepted_until"].notna().sum() == 1
    assert str(late.loc["R0020", "excepted_until"]) == "2099-01-31"
    assert late["owner"].dropna().to_dict() == {"R0020": "Support desk"}
    # and the Overview's "Overdue now" marks the held organisation and person too
    overview = open_app("dpo", "app_pages/overview.py", env={"INSIGHT_LEDGER": ledger_setting})
    overdue = frame_with(overview, "days_overdue", "excepted_until", "owner")
    overdue = overdue.assign(key=linked_keys(overdue["key"])).set_index("key")
    held = overdue["excepted_until"].dropna().astype(str).to_dict()
    assert held == {"org:O0008": "2099-01-31", "request:R0027": "2099-01-31"}
    assert overdue["owner"].dropna().to_dict() == {
        "org:O0008": "Legal team",
        f"org:{other}": "Support desk",
    }
    # nobody deals yet with the overdue findings that have neither an owner nor a hold
    nobody = (overdue["owner"].isna() & overdue["excepted_until"].isna()).sum()
    assert nobody == len(overdue) - 3  # O0008 (both), the other organisation, R0027
    said = f"{len(overdue)} findings overdue: {nobody} neither assigned to an owner nor "
    assert any(c.value.startswith(said) for c in overview.caption)
    assert any(c.value.endswith(", 2 under an exception.") for c in overview.caption)


def test_an_exception_covers_its_own_rule_s_finding_only() -> None:
    """An organisation judged by RET-001 and RET-002 has a row per rule: a hold on one
    finding is not shown on the other, nor on an organisation whose id begins alike."""
    frame = pd.DataFrame({"rule": ["RET-001", "RET-002", "RET-001"], "org_id": ["O1", "O1", "O10"]})
    decided = (("RET-002", "org:O1", "2099-01-31", None), ("RET-001", "org:O10", None, "Ops"))
    marked = records.with_decisions(frame, decided, "org_id", "org:")
    assert marked["excepted_until"].tolist() == [None, "2099-01-31", None]
    assert marked["owner"].tolist() == [None, None, "Ops"]
    # After the days overdue or left, else before a long message: never out of sight.
    said = records.with_decisions(frame.assign(due="d", message="m"), decided, "org_id", "org:")
    assert said.columns.tolist() == ["rule", "org_id", "due", "excepted_until", "owner", "message"]
    wide = frame.assign(due="d", days_overdue=1, days_left=0, reference="r", held=2)
    said = records.with_decisions(wide, decided, "org_id", "org:")
    assert said.columns.tolist() == [
        *["rule", "org_id", "due", "days_overdue", "days_left"],
        *["excepted_until", "owner", "reference", "held"],
    ]
    again = records.with_decisions(said, decided, "org_id", "org:")  # no second pair
    assert again.columns.tolist() == said.columns.tolist()
    why = records.with_decisions(frame.assign(why="w", note="n"), decided, "org_id", "org:")
    assert why.columns.tolist() == ["rule", "org_id", "excepted_until", "owner", "why", "note"]


def test_an_organisation_s_record_lists_whose_data_is_held(open_app, sample: Snapshot) -> None:
    """From an overdue organisation's count of rows to the accounts behind it: each user
    of it whose data is held, with the rows per table, adding up to the organisation's."""
    frame = status(sample)
    overdue = frame[(frame["state"] == "overdue") & (frame["rows_held"] > 0)]
    org = overdue.iloc[0]
    app = open_app("dpo", PAGE, query={"key": f"org:{org['org_id']}"})
    assert not app.exception
    users = frame_with(app, "user_id", "deleted_at", "rows_held")
    assert len(users) > 0
    assert int(users["rows_held"].sum()) == int(org["rows_held"])
    members = {
        user_id
        for (user_id,) in sample.cursor()
        .execute("SELECT user_id FROM users WHERE org_id = ?", [org["org_id"]])
        .fetchall()
    }
    assert set(users["user_id"]) <= members
    assert list(users["rows_held"]) == sorted(users["rows_held"], reverse=True)
    text = " ".join(m.value for m in app.markdown)
    assert f"Users whose data is held: {len(users)}" in text
