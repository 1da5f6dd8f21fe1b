"""The app's audit trail: sign-in and role once per session, views of identifiable records
with their keys, packs, CSV exports, the run the app judged, and the Audit log page. On
SQLite and a real PostgreSQL server, and never a personal value."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from apphelpers import frame_with
from sqlalchemy import select
from test_app import AUTH

from insight_workbench.dashboard.audit_log import ACTION_WORDS
from insight_workbench.dashboard.retention import people_held
from insight_workbench.deadlines.retention_table import retention_status
from insight_workbench.ledger.audit_trail import ACTIONS
from insight_workbench.ledger.database import acting_user, open_ledger, reading
from insight_workbench.ledger.tables import audit, metadata, runs
from insight_workbench.loading.snapshot import Snapshot
from insight_workbench.policy import load_policy

pytestmark = pytest.mark.slow  # started first: see tests/conftest.py


@pytest.fixture(autouse=True)
def fresh_app_process() -> None:
    """As a newly started app: the app judges a snapshot (and records the run) once per
    process, and earlier tests in this process have judged the sample already."""
    st.cache_data.clear()


def entries(setting: str) -> list[dict[str, Any]]:
    with reading(open_ledger(setting)) as connection:
        rows = connection.execute(select(audit).order_by(audit.c.seq)).mappings().all()
    return [{**row, "object_keys": json.loads(row["object_keys"])} for row in rows]


def actions(setting: str) -> list[str]:
    return [entry["action"] for entry in entries(setting)]


def test_a_session_logs_its_role_once_and_records_the_judged_run(
    open_app, ledger_setting: str
) -> None:
    app = open_app("dpo", env={"INSIGHT_LEDGER": ledger_setting})
    assert not app.exception
    logged = entries(ledger_setting)
    assert [e["action"] for e in logged] == ["role", "run_recorded", "page_view"]
    assert {(e["who"], e["role"]) for e in logged} == {(acting_user(), "dpo")}
    view = logged[2]["object_keys"]
    assert "page:overview" in view
    assert any(key.startswith("org:") for key in view)
    app.run()  # a rerun showing the same rows adds nothing
    assert len(entries(ledger_setting)) == 3
    with reading(open_ledger(ledger_setting)) as connection:
        recorded = connection.execute(select(runs.c.source, runs.c.recorded_by)).all()
    assert [tuple(r) for r in recorded] == [("app", acting_user())]


def test_a_view_at_another_as_of_is_logged_but_not_recorded_as_a_run(
    open_app, ledger_setting: str
) -> None:
    """A what-if: recorded, it would be the export's latest state in `history`."""
    app = open_app("dpo", query={"as_of": "2027-03-01"}, env={"INSIGHT_LEDGER": ledger_setting})
    assert not app.exception
    assert actions(ledger_setting) == ["role", "page_view"]
    with reading(open_ledger(ledger_setting)) as connection:
        assert connection.execute(select(runs.c.source)).all() == []


def test_a_signed_in_user_is_logged_by_address(
    open_app, ledger_setting: str, tmp_path: Path
) -> None:
    roles = tmp_path / "roles.toml"
    roles.write_text('dpo = ["dpo@example.org"]\n')
    app = open_app(
        None,
        secrets=AUTH,
        user={"is_logged_in": True, "email": "dpo@example.org"},
        env={"INSIGHT_ROLES_FILE": str(roles), "INSIGHT_LEDGER": ledger_setting},
    )
    assert not app.exception
    first = entries(ledger_setting)[0]
    assert (first["action"], first["who"], first["role"]) == ("sign_in", "dpo@example.org", "dpo")


def test_retention_views_and_the_csv_export_name_the_organisations(
    open_app, ledger_setting: str, sample: Snapshot
) -> None:
    app = open_app("dpo", "app_pages/retention.py", env={"INSIGHT_LEDGER": ledger_setting})
    assert not app.exception
    shown = frame_with(app, "state", "rows_held")
    views = [e for e in entries(ledger_setting) if "page:retention" in e["object_keys"]]
    assert len(views) == 1
    # the organisations, and the people whose data is still held (RET-003's requests and
    # their users, RET-004's users): every record the page shows
    people = people_held(sample, load_policy(), sample.manifest.exported_at)
    assert len(people) > 0
    persons = {
        *("request:" + people["request_id"].dropna()),
        *("user:" + people["user_id"].dropna()),
    }
    assert set(views[0]["object_keys"]) == {"page:retention", *("org:" + shown["org_id"]), *persons}
    assert views[0]["snapshot_id"] == sample.manifest.snapshot_id

    app.multiselect(key="retention_states").set_value(["overdue"]).run()  # other rows
    views = [e for e in entries(ledger_setting) if "page:retention" in e["object_keys"]]
    assert len(views) == 2
    app.download_button(key="retention_csv").click().run()
    export = entries(ledger_setting)[-1]
    assert export["action"] == "csv_export"
    status = retention_status(sample, load_policy(), sample.manifest.exported_at)
    overdue = status.loc[status["state"] == "overdue", "org_id"]
    orgs = [key for key in export["object_keys"] if key.startswith("org:")]
    assert orgs == sorted("org:" + overdue)
    # and the people whose data is still held (RET-003 requests, RET-004 users)
    others = set(export["object_keys"]) - set(orgs)
    assert others
    assert all(key.startswith(("request:", "user:")) for key in others)


def test_subject_requests_views_name_the_requests_and_their_requesters(
    open_app, ledger_setting: str
) -> None:
    app = open_app("dpo", "app_pages/subject_requests.py", env={"INSIGHT_LEDGER": ledger_setting})
    assert not app.exception
    shown = frame_with(app, "request_id", "user_id").dropna(subset=["user_id"])
    views = [e for e in entries(ledger_setting) if "page:subject_requests" in e["object_keys"]]
    assert len(views) == 1
    logged = set(views[0]["object_keys"])
    # a search of the trail by a requester's user id finds the view of their request
    assert {*("request:" + shown["request_id"]), *("user:" + shown["user_id"])} <= logged
    assert any(key.startswith("user:") for key in logged)


def test_a_pack_is_logged_by_the_person_s_user_id(open_app, ledger_setting: str) -> None:
    app = open_app("dpo", "app_pages/subject_requests.py", env={"INSIGHT_LEDGER": ledger_setting})
    person = app.selectbox(key="pack_user").options[1]
    app.selectbox(key="pack_user").select(person)
    app.form_submit_button[0].click().run()
    assert actions(ledger_setting)[-1] == "pack_build"
    app.download_button(key="pack_download").click().run()
    built, taken = entries(ledger_setting)[-2:]
    assert (built["action"], taken["action"]) == ("pack_build", "pack_download")
    assert built["object_keys"] == taken["object_keys"] == [f"user:{person}"]


def test_the_audit_log_page_shows_and_filters_the_entries(open_app, ledger_setting: str) -> None:
    env = {"INSIGHT_LEDGER": ledger_setting}
    open_app("dpo", "app_pages/retention.py", env=env)
    app = open_app("dpo", "app_pages/audit_log.py", env=env)
    assert not app.exception
    assert not app.error
    table = frame_with(app, "entry", "action", "keys")
    assert {"role", "page_view", "run_recorded"} <= set(table["action"])
    # each action in words beside its code; every action the trail knows has them
    assert set(ACTION_WORDS) == set(ACTIONS)
    assert list(table["what"]) == [ACTION_WORDS[a] for a in table["action"]]
    assert [b.label for b in app.get("download_button")] == ["Download CSV"]
    assert list(table["entry"]) == sorted(table["entry"], reverse=True)
    assert [m.value for m in app.metric][:1] == [str(len(entries(ledger_setting)))]
    app.multiselect(key="audit_actions").set_value(["page_view"]).run()
    assert set(frame_with(app, "entry", "action")["action"]) == {"page_view"}
    app.text_input(key="audit_key").input("page:retention").run()
    found = frame_with(app, "entry", "keys")
    assert len(found) == 1
    assert "page:retention" in found["keys"][0]
    app.text_input(key="audit_key").input("Canary Person").run()
    assert "record key" in app.error[0].value


def test_the_audit_log_names_a_broken_chain(open_app, ledger_setting: str) -> None:
    env = {"INSIGHT_LEDGER": ledger_setting}
    open_app("dpo", "app_pages/retention.py", env=env)
    with open_ledger(ledger_setting).engine.begin() as connection:
        connection.execute(audit.update().where(audit.c.seq == 2).values(role="analyst"))
    app = open_app("dpo", "app_pages/audit_log.py", env=env)
    assert "broken at entry 2" in app.error[0].value


def test_no_personal_values_reach_the_ledger_from_the_app(
    open_app, ledger_setting: str, tmp_path: Path
) -> None:
    from canary_people import ORGS, build_canary_snapshot, canaries, email

    canary = build_canary_snapshot(tmp_path / "canary")
    env = {"INSIGHT_LEDGER": ledger_setting, "INSIGHT_SNAPSHOT": str(canary)}
    for page in ("overview", "retention", "access", "communications", "subject_requests"):
        app = open_app("dpo", f"app_pages/{page}.py", env=env)
        assert not app.exception, page
    app.text_input(key="pack_value").input(email(3))  # by address: logged by user id
    app.form_submit_button[0].click().run()
    app.download_button(key="pack_download").click().run()
    assert actions(ledger_setting)[-2:] == ["pack_build", "pack_download"]
    assert entries(ledger_setting)[-1]["object_keys"][0].startswith("user:")
    with reading(open_ledger(ledger_setting)) as connection:
        text = "\n".join(
            str(value)
            for table in metadata.sorted_tables
            for row in connection.execute(select(table)).all()
            for value in row
        )
    assert "page:access" in text
    assert "pack_build" in text
    ids = {org_id for org_id, _, _ in ORGS}
    leaked = [c for c in canaries() if c not in ids and c.lower() in text.lower()]
    assert leaked == []


def test_ids_holding_line_breaks_are_logged_as_text_and_the_pages_still_show(
    open_app, ledger_setting: str, tmp_path: Path
) -> None:
    """A processor id with a line break and a dataset column named in Markdown: the
    Overview and the Communications page show (the audit trail refused the keys and the
    page failed), the trail holds the keys with the break escaped, and the record
    panel's heading shows the column's name as text."""
    from insight_workbench.testing import build_snapshot

    processor = {
        "processor_id": "P9\n99",
        "name": "Host",
        "service": "hosting",
        "data_categories": "name",
        "contract_start": "2026-01-01",
    }
    rows = [{"**b** [a](http://e.x)": "ann@example.org", "region": "north"}]
    folder = build_snapshot(
        tmp_path / "s", {"processors": [processor]}, deidentified={"evil": (rows, None)}
    )
    env = {"INSIGHT_LEDGER": ledger_setting, "INSIGHT_SNAPSHOT": str(folder)}
    for page in ("overview", "communications"):
        app = open_app("dpo", f"app_pages/{page}.py", env=env)
        assert not app.exception, page
        assert not app.error, page
    logged = [key for entry in entries(ledger_setting) for key in entry["object_keys"]]
    assert "processor:P9\\n99" in logged
    app = open_app("dpo", "app_pages/deidentification.py", env=env, query={"key": "dataset:evil"})
    [label] = [e.label for e in app.expander if e.label.startswith("DEID-001 `dataset:evil:")]
    # The key in a code span, whole: shown as text (no bold, no link), copied as it is.
    assert label == "DEID-001 `dataset:evil:**b** [a](http://e.x)`: history and decisions"


def test_the_audit_log_reads_entry_first(open_app, ledger_setting: str) -> None:
    """As docs/app.md orders it (entry, instant, who, role, action, keys, snapshot); the
    shared table layout had moved the snapshot id, the same on every row, to the front."""
    env = {"INSIGHT_LEDGER": ledger_setting}
    app = open_app("dpo", "app_pages/audit_log.py", env=env)
    assert not app.exception
    [table] = [d for d in app.dataframe if "entry" in d.value.columns]
    assert list(table.proto.column_order)[:2] == ["entry", "at"]


def test_the_audit_log_finds_a_key_whose_id_has_spaces_at_its_ends(
    open_app, ledger_setting: str
) -> None:
    """`org:O2 ` is another record than `org:O2`; an id starting with a space is held by
    its hash (`loggable_key`), and found by it; a key with spaces that names nothing as
    typed is looked for without them."""
    from insight_workbench.ledger import audit_trail

    ledger = open_ledger(ledger_setting)
    for key in ("org:O2 ", "org:O2", audit_trail.loggable_key("org: O3"), "org:O4"):
        audit_trail.log(ledger, "dpo", "dpo", "page_view", [key], "S1")
    app = open_app("dpo", "app_pages/audit_log.py", env={"INSIGHT_LEDGER": ledger_setting})
    cases = [("org:O2 ", "org:O2 "), ("org:O2", "org:O2"), ("org: O3", None)]
    cases += [(" org:O4 ", "org:O4")]  # none as typed: then without the spaces (pasted)
    for typed, logged in cases:
        app.text_input(key="audit_key").input(typed).run()
        assert not app.error
        found = frame_with(app, "entry", "keys")
        assert len(found) == 1, typed
        if logged is not None:
            assert found["keys"][0] == logged


def test_the_audit_log_says_when_more_entries_match_than_it_shows(
    open_app, ledger_setting: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It showed the newest 5,000 and its CSV held those, saying nothing of the rest."""
    from insight_workbench.dashboard import audit_log

    env = {"INSIGHT_LEDGER": ledger_setting}
    open_app("dpo", "app_pages/retention.py", env=env)
    logged = len(entries(ledger_setting))
    monkeypatch.setattr(audit_log, "SHOWN_ENTRIES", logged - 1)
    app = open_app("dpo", "app_pages/audit_log.py", env=env)
    assert not app.exception
    assert len(frame_with(app, "entry", "action")) == logged - 1
    assert next(w.value for w in app.warning).startswith(f"Showing the newest {logged - 1:,} ")


def test_a_key_s_entries_are_counted_once_matched_exactly(ledger_setting: str) -> None:
    """`LIKE` ignores case: `org:o1`'s entries took the places of `org:O1`'s."""
    from insight_workbench.ledger.audit_trail import entries as trail_entries
    from insight_workbench.ledger.audit_trail import log

    ledger = open_ledger(ledger_setting)
    log(ledger, "dpo", "dpo", "page_view", ["org:O1"], None)
    for _ in range(3):
        log(ledger, "dpo", "dpo", "page_view", ["org:o1"], None)
    found = trail_entries(ledger, key="org:O1", limit=1)
    assert [e.object_keys for e in found] == [["org:O1"]]
