"""A finding's history and decisions in the app: the panel on its own, in a tiny script,
over a ledger of four recorded runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from apphelpers import rendered_text
from streamlit.testing.v1 import AppTest

from insight_workbench.ledger import chain
from insight_workbench.ledger.database import open_ledger, reading
from insight_workbench.ledger.tables import decisions

NOW = "2026-04-10T12:00:00+00:00"
DPO = "dpo@example.org"


def panel(rule: str, key: str, role: str, user: str | None, now: str) -> None:
    from datetime import datetime

    from insight_workbench.dashboard.finding_history import render_finding_history

    render_finding_history(rule, key, role, user, datetime.fromisoformat(now))


@pytest.fixture
def ledger(lifecycle_ledger: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The lifecycle ledger (four recorded runs), named to the panel as the app's ledger."""
    monkeypatch.setenv("INSIGHT_LEDGER", lifecycle_ledger)
    return lifecycle_ledger


def open_panel(rule: str, key: str, role: str = "dpo", user: str | None = DPO) -> AppTest:
    app = AppTest.from_function(panel, args=(rule, key, role, user, NOW), default_timeout=60)
    app.run()
    assert not app.exception
    return app


def recorded(setting: str) -> int:
    with reading(open_ledger(setting)) as connection:
        return chain.count(connection, decisions)


def labelled(widgets, label: str):
    """The panel's widget with this label."""
    return next(w for w in widgets if w.label == label)


def submit(app: AppTest) -> AppTest:
    [button] = [b for b in app.button if b.label == "Record the decision"]
    return button.click().run()


@pytest.mark.usefixtures("ledger")
def test_the_dpo_sees_the_runs_state_and_decisions() -> None:
    app = open_panel("TPP-001", "processor:P1")
    assert "Reopened" in app.markdown[1].value
    assert app.markdown[2].value == "Owner: not assigned"
    runs = app.dataframe[0].value
    assert list(runs["found"]) == [True, True, False, True]  # fixed in March, back in April
    assert [str(moment.date()) for moment in runs["exported_at"]] == [  # London times
        "2026-01-05",
        "2026-02-05",
        "2026-03-05",
        "2026-04-05",
    ]
    assert "No decision yet." in [c.value for c in app.caption]
    assert [b.label for b in app.button] == ["Record the decision"]


def test_a_decision_made_in_the_form_is_recorded_and_shown(ledger: str) -> None:
    app = open_panel("TPP-001", "processor:P4")
    labelled(app.selectbox, "Decision").set_value("assign")
    labelled(app.text_input, "Owner (when assigning)").input("Vendor team")
    labelled(app.text_area, "Note").input("Chase the assessment")
    submit(app)
    assert not app.exception
    assert [s.value for s in app.success] == ["Recorded: Assign an owner."]
    shown = app.dataframe[1].value
    assert list(shown["action"]) == ["assign"]
    assert list(shown["by"]) == [DPO]
    assert list(shown["owner"]) == ["Vendor team"]
    assert list(shown["note"]) == ["Chase the assessment"]
    assert recorded(ledger) == 1
    assert app.markdown[2].value == "Owner: **Vendor team**"  # beside the state, as on the tables
    labelled(app.selectbox, "Decision").set_value("assign")
    labelled(app.text_input, "Owner (when assigning)").input("*Records* <b>team</b>")
    submit(app)
    assert app.markdown[2].value.startswith("Owner: **")
    assert "<b>" not in app.markdown[2].value  # typed text, shown as text


def test_an_exception_without_basis_is_refused_in_the_form(ledger: str) -> None:
    app = open_panel("TPP-001", "processor:P4")
    labelled(app.selectbox, "Decision").set_value("except")
    labelled(app.text_input, "Approved by (exceptions)").input("Board")
    labelled(app.date_input, "Until, inclusive (exceptions)").set_value(date(2026, 6, 30))
    submit(app)
    assert [e.value for e in app.error] == [
        "Not recorded: an exception's basis is required and cannot be blank."
    ]
    assert recorded(ledger) == 0
    labelled(app.text_input, "Basis (exceptions)").input("Contract ends in June")
    submit(app)
    assert "Excepted" in app.markdown[1].value
    shown = app.info[0].value.replace("\\", "")  # Markdown escapes aside
    assert shown.startswith("Excepted until 2026-06-30 (inclusive), approved by Board: Contract")
    assert recorded(ledger) == 1


def test_a_double_click_records_one_decision_and_a_far_exception_is_taken(ledger: str) -> None:
    """Two submits of one decision in a moment (a double-click) made two entries; a
    withdrawal clicked twice then said it had failed. An exception ten years or more
    ahead was refused by the date picker, though the command line takes it."""
    app = open_panel("TPP-001", "processor:P4")
    labelled(app.selectbox, "Decision").set_value("assign")
    labelled(app.text_input, "Owner (when assigning)").input("Sam")
    submit(app)
    submit(app)  # the second click: the form as cleared after the first
    assert recorded(ledger) == 1
    assert not app.error
    assert [s.value for s in app.success] == ["Recorded once: Assign an owner."]
    labelled(app.selectbox, "Decision").set_value("except")
    labelled(app.text_input, "Basis (exceptions)").input("Statutory retention")
    labelled(app.text_input, "Approved by (exceptions)").input("Board")
    labelled(app.date_input, "Until, inclusive (exceptions)").set_value(date(2040, 1, 1))
    submit(app)
    assert [s.value for s in app.success] == ["Recorded: Grant an exception."]
    assert recorded(ledger) == 2


@pytest.mark.usefixtures("ledger")
def test_analysts_see_neither_the_history_nor_the_form() -> None:
    app = open_panel("TPP-001", "processor:P1", role="analyst")
    assert [b.label for b in app.button] == []
    assert len(app.dataframe) == 0
    assert "processor:P1" not in rendered_text(app)
    assert "for the DPO" in app.caption[0].value


@pytest.mark.usefixtures("ledger")
def test_a_finding_no_run_recorded_has_no_form() -> None:
    app = open_panel("TPP-001", "processor:P2")
    assert "No recorded run has this finding" in app.info[0].value
    assert [b.label for b in app.button] == []
