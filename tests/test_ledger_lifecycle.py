"""The life of each finding over recorded runs, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from lifecycle_snapshots import E1, E2, E3, E4, E5, P1, P4, P5, RECORDING_ORDER, U8, U9, record

from insight_workbench.ledger.database import open_ledger
from insight_workbench.ledger.decisions import Request, decide
from insight_workbench.ledger.lifecycle import Lifecycle, finding_history, finding_lifecycle
from insight_workbench.ledger.runs import record_run
from insight_workbench.policy import load_policy
from insight_workbench.rules.runner import run_check

NOW = datetime(2026, 4, 10, 12, 0, tzinfo=UTC)


def lifecycle(setting: str, **options: Any) -> Lifecycle:
    return finding_lifecycle(open_ledger(setting), now=options.pop("now", NOW), **options)


def shown_states(life: Lifecycle) -> dict[tuple[str, str], tuple[Any, ...]]:
    document = life.as_dict()["findings"]
    return {
        (f["rule"], f["key"]): (
            f["state"],
            f["first_seen"],
            f["last_seen"],
            f["resolved_in"],
            f["runs_seen"],
        )
        for f in document
    }


def test_runs_are_in_export_order_whatever_the_recording_order(lifecycle_ledger: str) -> None:
    runs = lifecycle(lifecycle_ledger).as_dict()["runs"]
    assert [run["exported_at"] for run in runs] == [E1, E2, E3, E4]
    assert [run["findings"] for run in runs] == [2, 3, 2, 3]
    assert [run["snapshot_id"] for run in runs] == [e[:10] for e in (E1, E2, E3, E4)]
    assert [run["as_of"] for run in runs] == [E1, E2, E3, E4]


def test_each_finding_is_followed_through_four_exports(lifecycle_ledger: str) -> None:
    assert shown_states(lifecycle(lifecycle_ledger)) == {
        P1: ("reopened", E1, E4, None, 3),
        P4: ("open", E2, E4, None, 3),
        P5: ("new", E4, E4, None, 1),
        U9: ("resolved", E1, E3, E4, 3),
    }


def test_a_fixed_finding_is_resolved_until_it_is_found_again(
    ledger_setting: str, lifecycle_results: dict
) -> None:
    record(ledger_setting, lifecycle_results, (E1,))
    assert shown_states(lifecycle(ledger_setting)) == {
        P1: ("new", E1, E1, None, 1),
        U9: ("new", E1, E1, None, 1),
    }
    record(ledger_setting, lifecycle_results, (E2, E3))
    assert shown_states(lifecycle(ledger_setting))[P1] == ("resolved", E1, E2, E3, 2)
    assert shown_states(lifecycle(ledger_setting))[P4] == ("open", E2, E3, None, 2)
    record(ledger_setting, lifecycle_results, (E4,))
    assert shown_states(lifecycle(ledger_setting))[P1] == ("reopened", E1, E4, None, 3)


def test_a_rule_that_did_not_run_leaves_the_state_unchanged(
    ledger_setting: str, lifecycle_results: dict
) -> None:
    record(ledger_setting, lifecycle_results, (E5, *RECORDING_ORDER))
    life = lifecycle(ledger_setting)
    assert [run.exported_at[:10] for run in life.runs] == [e[:10] for e in (E1, E2, E3, E4, E5)]
    assert shown_states(life) == {
        P1: ("reopened", E1, E4, None, 3),  # E5 ran no TPP rule: nothing resolved
        P4: ("open", E2, E4, None, 3),
        P5: ("new", E4, E4, None, 1),  # still new: E4 is the latest run of TPP-001
        U9: ("resolved", E1, E3, E4, 3),
        U8: ("new", E5, E5, None, 1),
    }


def test_runs_of_one_export_are_ordered_by_as_of(
    ledger_setting: str, lifecycle_results: dict
) -> None:
    late = lifecycle_results[E3].snapshot
    later = run_check(late, load_policy(), datetime(2026, 3, 20, tzinfo=UTC))
    ledger = open_ledger(ledger_setting)
    record_run(ledger, later, source="cli")  # recorded first, judged later
    record(ledger_setting, lifecycle_results, (E3,))
    runs = lifecycle(ledger_setting).as_dict()["runs"]
    assert [(run["exported_at"], run["as_of"]) for run in runs] == [
        (E3, E3),
        (E3, "2026-03-20T00:00:00Z"),
    ]


def test_since_the_previous_run(lifecycle_ledger: str) -> None:
    decide(
        open_ledger(lifecycle_ledger),
        *P4,
        Request("except", basis="Contract ends in May", approver="Board", until=date(2026, 5, 31)),
        now=NOW,
    )
    changes = lifecycle(lifecycle_ledger).since_previous()
    assert changes.latest is not None
    assert changes.latest.exported_at.startswith("2026-04-05")
    assert changes.previous is not None
    assert changes.previous.exported_at.startswith("2026-03-05")
    assert [(f.rule, f.key) for f in changes.new] == [P5]
    assert [(f.rule, f.key) for f in changes.reopened] == [P1]
    assert [(f.rule, f.key) for f in changes.resolved] == [U9]
    assert [(f.rule, f.key) for f in changes.excepted] == [P4]


def test_nothing_changed_in_an_empty_ledger(ledger_setting: str) -> None:
    life = lifecycle(ledger_setting)
    assert life.as_dict() == {"runs": [], "findings": []}
    changes = life.since_previous()
    assert (changes.latest, changes.new, changes.resolved) == (None, (), ())


def test_the_trend_counts_findings_per_run_and_family(
    ledger_setting: str, lifecycle_results: dict
) -> None:
    record(ledger_setting, lifecycle_results, (E5, *RECORDING_ORDER))
    trend = lifecycle(ledger_setting, rule_prefix="TPP").trend()
    assert [(t["findings"], t["by_family"]) for t in trend] == [
        (2, {"RET": 1, "TPP": 1}),
        (3, {"RET": 1, "TPP": 2}),
        (2, {"RET": 1, "TPP": 1}),
        (3, {"TPP": 3}),
        (1, {"RET": 1}),
    ]


def test_findings_are_chosen_by_rule_prefix_and_key(lifecycle_ledger: str) -> None:
    assert set(shown_states(lifecycle(lifecycle_ledger, rule_prefix="tpp"))) == {P1, P4, P5}
    assert set(shown_states(lifecycle(lifecycle_ledger, rule_prefix="RET-004"))) == {U9}
    assert set(shown_states(lifecycle(lifecycle_ledger, key="processor:P4"))) == {P4}
    assert shown_states(lifecycle(lifecycle_ledger, rule_prefix="RET", key="processor:P4")) == {}
    assert len(lifecycle(lifecycle_ledger, key="nothing:X").runs) == 4  # runs are always listed
    assert lifecycle(lifecycle_ledger, rule_prefix="RE%").findings == ()  # no wildcards


def test_one_finding_history_names_its_runs(lifecycle_ledger: str) -> None:
    ledger = open_ledger(lifecycle_ledger)
    history = finding_history(ledger, *P1, now=NOW)
    assert history is not None
    runs = {run.run_id: run.exported_at[:10] for run in lifecycle(lifecycle_ledger).runs}
    assert [runs[run_id] for run_id in history.seen_in] == [
        "2026-01-05",
        "2026-02-05",
        "2026-04-05",
    ]
    assert finding_history(ledger, "TPP-001", "processor:P2", now=NOW) is None
    assert finding_history(ledger, "TPP-00", "processor:P1", now=NOW) is None  # exact rule


def test_a_key_with_its_parts_is_matched_exactly_on_both_backends(
    ledger_setting: str, sample
) -> None:
    """A dataset's record takes its columns' findings (`dataset:a:…`), and no other
    dataset's: not `A` (SQLite's LIKE ignores case), `a_b` (`_` is a LIKE wildcard) or `ab`."""
    from insight_workbench.findings import Finding

    result = run_check(sample, load_policy(), prefixes=["SEC"])
    keys = ["dataset:a", "dataset:a:x", "dataset:A:x", "dataset:a_b:x", "dataset:ab:x"]
    result.findings.extend(Finding("DEID-001", key, "high", "found", None) for key in keys)
    record_run(open_ledger(ledger_setting), result, source="cli", by="dpo")
    life = finding_lifecycle(open_ledger(ledger_setting), None, "dataset:a", with_parts=True)
    assert sorted(f.key for f in life.findings) == ["dataset:a", "dataset:a:x"]
