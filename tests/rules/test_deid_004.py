"""DEID-004: small cells in aggregate datasets."""

from __future__ import annotations

import pytest


def cells(column: str, *counts: str, meta: dict | None = None) -> tuple[list[dict], dict | None]:
    rows = [{"area": f"A{i}", column: count} for i, count in enumerate(counts)]
    return rows, meta


@pytest.mark.parametrize(
    ("dataset", "expected"),
    [
        (cells("n_users", "0", "10", "250"), []),  # zero is fine, 10 reaches the minimum
        (cells("n_users", "1", "10"), ["dataset:d:n_users"]),
        (cells("n_users", "9", "10"), ["dataset:d:n_users"]),
        (cells("n_users", "", "10", "0"), []),  # empty ignored
        (cells("count", "5", "12"), ["dataset:d:count"]),  # every count-like name
        (cells("n", "5", "12"), ["dataset:d:n"]),
        (cells("total", "5"), ["dataset:d:total"]),
        (cells("users", "5"), ["dataset:d:users"]),
        (cells("active_users", "5"), ["dataset:d:active_users"]),
        (cells("login_count", "5"), ["dataset:d:login_count"]),
        (cells("n_logins", "5.0"), ["dataset:d:n_logins"]),  # a float-written integer
        (cells("score", "5"), []),  # not named like a count: microdata, not an aggregate
        (cells("users", "5.5"), []),  # not an integer column: not a count
        (cells("users", "<10", "12"), []),  # not all numeric: not a count column
        # the sidecar names the count column; non-numeric cells ("<10") are ignored
        (
            cells("people", "<10", "3", meta={"kind": "aggregate", "count_columns": ["people"]}),
            ["dataset:d:people"],
        ),
        (cells("people", "<10", "30", meta={"kind": "aggregate", "count_columns": ["people"]}), []),
        # a microdata sidecar: no count cells to judge
        (cells("n_users", "3", meta={"kind": "microdata", "quasi_identifiers": ["area"]}), []),
        # an aggregate sidecar without count_columns: count-named columns are inferred
        (cells("n_users", "3", meta={"kind": "aggregate"}), ["dataset:d:n_users"]),
    ],
)
def test_small_cells(run_rule, dataset, expected):
    findings = run_rule("DEID-004", deidentified={"d": dataset})
    assert [f.key for f in findings] == expected


def test_evidence_counts_cells_without_values(run_rule):
    rows = [
        {"area": "A", "n_users": "3", "n_orgs": "40"},
        {"area": "B", "n_users": "7", "n_orgs": "2"},
        {"area": "C", "n_users": "70", "n_orgs": "20"},
    ]
    findings = run_rule("DEID-004", deidentified={"d": (rows, None)})
    assert [(f.key, f.evidence) for f in findings] == [
        ("dataset:d:n_orgs", {"cells_below_min_cell": 1, "min_cell": 10}),
        ("dataset:d:n_users", {"cells_below_min_cell": 2, "min_cell": 10}),
    ]
    assert all(f.severity == "medium" and f.due is None for f in findings)


def test_min_cell_comes_from_the_policy(run_rule):
    dataset = cells("n_users", "5", "12")
    policy = {"deidentification": {"min_cell": 5}}
    assert run_rule("DEID-004", deidentified={"d": dataset}, policy=policy) == []
    policy = {"deidentification": {"min_cell": 6}}
    assert [f.key for f in run_rule("DEID-004", deidentified={"d": dataset}, policy=policy)] == [
        "dataset:d:n_users"
    ]


def test_message_of_one_small_cell_reads_as_english(run_rule):
    [finding] = run_rule("DEID-004", deidentified={"d": cells("n_users", "5", "12")})
    assert finding.message.endswith("has 1 cell between 1 and 9")
