"""Communications and third parties page: messages after an opt-out, latency, processors."""

from __future__ import annotations

import re
from datetime import date

from apphelpers import frame_with, metrics

from insight_workbench.ledger.database import open_ledger
from insight_workbench.ledger.decisions import Request, decide
from insight_workbench.ledger.runs import record_run
from insight_workbench.loading.snapshot import Snapshot
from insight_workbench.policy import load_policy
from insight_workbench.rules.runner import run_check

PAGE = "app_pages/communications.py"
END = date(2099, 12, 31)


def test_metrics_are_the_library_figures(open_app, sample: Snapshot) -> None:
    app = open_app("dpo", PAGE)
    assert not app.exception
    assert not app.error
    findings = run_check(sample, load_policy()).findings
    com = [f for f in findings if f.rule == "COM-001"]
    tpp = {f.key for f in findings if f.rule.startswith("TPP")}
    opt_outs = {
        (f.evidence["user_id"], f.evidence["category"], f.evidence["opted_out_at"]) for f in com
    }
    processors = sample.cursor().execute("SELECT count(*) FROM processors").fetchone()
    assert com
    assert tpp
    assert metrics(app) == {
        "Messages sent after an opt-out": str(len(com)),
        "Opt-outs not honoured": str(len(opt_outs)),
        "Processors": str(processors[0] if processors else 0),
        "Processors needing action": str(len(tpp)),
    }
    shown = frame_with(app, "message_id", "opted_out_at")
    assert set("message:" + shown["message_id"]) == {f.key for f in com}
    register = frame_with(app, "processor_id", "status")
    flagged = register.loc[register["status"] != "in order", "processor_id"]
    assert {"processor:" + p for p in flagged} == tpp


def test_category_filter_changes_the_messages(open_app) -> None:
    app = open_app("dpo", PAGE)
    everything = frame_with(app, "message_id", "opted_out_at")
    category = sorted(everything["category"].unique())[0]
    app.multiselect(key="message_categories").set_value([category]).run()
    assert not app.exception
    chosen = frame_with(app, "message_id", "opted_out_at")
    assert set(chosen["category"]) == {category}
    assert len(chosen) == int((everything["category"] == category).sum())


def test_the_reviews_due_soon_link_to_their_processors(open_app) -> None:
    """docs/app.md: the id of every processor a page lists is a link to its record; the
    reviews falling due were plain text."""
    app = open_app("dpo", PAGE)
    assert not app.exception
    [reviews] = [
        d.value
        for d in app.dataframe
        if list(d.value.columns) == ["processor_id", "due", "message"]
    ]
    assert not reviews.empty
    assert all("?key=processor:" in str(link) for link in reviews["processor_id"])


def test_an_exception_in_force_is_named_and_leaves_nothing_to_do(
    open_app, ledger_setting: str, sample: Snapshot
) -> None:
    """A processor whose only finding an exception covers keeps its finding in the
    register, with the exception's end, but needs no action; one finding of two covered
    still needs action. Read from the ledger on the next run of the page, and again from
    the Overview's findings."""
    env = {"INSIGHT_LEDGER": ledger_setting}
    before = open_app("dpo", PAGE, env=env)
    assert not before.exception
    needing = int(metrics(before)["Processors needing action"])
    ledger = open_ledger(ledger_setting)
    record_run(ledger, run_check(sample, load_policy()), source="cli")
    exception = Request("except", basis="Assessment under way", approver="Board", until=END)
    decide(ledger, "TPP-001", "processor:P003", exception)  # its only finding
    decide(ledger, "TPP-001", "processor:P008", exception)  # P008 is also TPP-002
    decide(ledger, "TPP-001", "processor:P008", Request("assign", owner="Vendor team"))
    decide(ledger, "TPP-002", "processor:P008", Request("assign", owner="Procurement"))
    decide(ledger, "TPP-001", "processor:P003", Request("assign", owner="Vendor team"))
    app = open_app("dpo", PAGE, env=env)
    assert not app.exception
    assert int(metrics(app)["Processors needing action"]) == needing - 1
    register = frame_with(app, "processor_id", "status").set_index("processor_id")
    assert register.loc["P003", "status"] == ("TPP-001 excepted until 2099-12-31")
    assert not register.loc["P003", "action_needed"]
    assert register.loc["P008", "status"] == (
        "TPP-001 excepted until 2099-12-31, TPP-002 review overdue"
    )
    assert register.loc["P008", "action_needed"]
    # who deals with them: each of its findings' owners, once
    assert register["owner"].dropna().to_dict() == {
        "P003": "Vendor team",
        "P008": "Vendor team; Procurement",
    }
    overview = open_app("dpo", "app_pages/overview.py", env=env)
    every = frame_with(overview, "rule", "family", "excepted_until", "message")
    covered = every.loc[every["excepted_until"].notna(), "rule"].tolist()
    assert covered == ["TPP-001", "TPP-001"]
    decide(ledger, "TPP-001", "processor:P003", Request("withdraw-exception"))
    app = open_app("dpo", PAGE, env=env)
    assert int(metrics(app)["Processors needing action"]) == needing


def test_a_processor_s_bidi_override_shows_as_its_escape_and_its_link_holds_the_id(
    open_app, tmp_path
) -> None:
    """A name written `Acme<U+202E>gpj.exe` reads `Acmeexe.jpg` in a cell; the register
    shows the override as `\\u202e`, as the command line does, and so does the id's link,
    which still opens the record of the id as it is."""
    from urllib.parse import parse_qs, urlsplit

    from clock_snapshot import _processor

    from insight_workbench.testing import build_snapshot

    ident = "P\u202e1"
    processors = [_processor(ident, name="Acme\u202egpj.exe", assessment_date="2025-02-01")]
    snapshot = build_snapshot(tmp_path / "s", {"processors": processors})
    app = open_app("dpo", PAGE, env={"INSIGHT_SNAPSHOT": str(snapshot)})
    assert not app.exception
    [register] = [d.value for d in app.dataframe if {"processor_id", "name"} <= set(d.value)]
    assert register["name"].tolist() == ["Acme\\u202egpj.exe"]
    [link] = register["processor_id"]
    assert parse_qs(urlsplit(link).query)["key"] == [f"processor:{ident}"]
    # The link shows the id Streamlit takes from the address (then decodes): after `#`,
    # escaped; the key in the query stays as it is.
    from urllib.parse import unquote

    from insight_workbench.dashboard.tables import ID_SHOWN

    shown = re.search(ID_SHOWN, link)
    assert shown is not None
    assert unquote(shown.group(1)) == "P\\u202e1"
