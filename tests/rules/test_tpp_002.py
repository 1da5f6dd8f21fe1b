"""TPP-002: processors whose last evaluation is more than 12 calendar months old."""

from __future__ import annotations

import pytest
from snapshot_rows import processor


@pytest.mark.parametrize(
    ("values", "exported_at", "expected"),
    [
        ({"assessment_date": "2025-11-28"}, "2026-11-28T02:00:00Z", []),  # due today
        ({"assessment_date": "2025-11-27"}, "2026-11-28T02:00:00Z", ["processor:P1"]),
        # the later of assessment and review counts
        (
            {"assessment_date": "2024-01-01", "last_review_date": "2026-01-10"},
            "2026-11-28T02:00:00Z",
            [],
        ),
        (
            {"assessment_date": "2026-01-10", "last_review_date": "2024-01-01"},
            "2026-11-28T02:00:00Z",
            [],
        ),
        (
            {"assessment_date": "2024-01-01", "last_review_date": "2025-11-27"},
            "2026-11-28T02:00:00Z",
            ["processor:P1"],
        ),
        # a review alone is judged (the missing assessment is TPP-001's business)
        ({"last_review_date": "2025-01-01"}, "2026-11-28T02:00:00Z", ["processor:P1"]),
        # neither date: TPP-001 only
        ({}, "2026-11-28T02:00:00Z", []),
        # month end: 29 Feb 2024 + 12 months = 28 Feb 2025
        ({"assessment_date": "2024-02-29"}, "2025-02-28T12:00:00Z", []),
        ({"assessment_date": "2024-02-29"}, "2025-03-01T00:00:00Z", ["processor:P1"]),
        # the London date of as_of: 23:30 UTC on 30 Jun is 1 Jul in London
        ({"assessment_date": "2025-06-30"}, "2026-06-30T22:59:59Z", []),
        ({"assessment_date": "2025-06-30"}, "2026-06-30T23:30:00Z", ["processor:P1"]),
    ],
)
def test_overdue_review(run_rule, values, exported_at, expected):
    tables = {"processors": [processor("P1", "2023-01-01", **values)]}
    assert [f.key for f in run_rule("TPP-002", tables, exported_at=exported_at)] == expected


@pytest.mark.parametrize(
    ("exported_at", "expected"),
    [("2026-02-28T12:00:00Z", []), ("2026-03-01T00:00:00Z", ["processor:P1"])],
)
def test_month_end_with_policy_months(run_rule, exported_at, expected):
    # 31 Aug 2025 + 6 months = 28 Feb 2026
    tables = {"processors": [processor("P1", "2025-01-01", assessment_date="2025-08-31")]}
    findings = run_rule(
        "TPP-002", tables, exported_at=exported_at, policy={"third_parties": {"review_months": 6}}
    )
    assert [f.key for f in findings] == expected


def test_finding_evidence(run_rule):
    tables = {
        "processors": [
            processor(
                "P1", "2023-01-01", assessment_date="2022-12-01", last_review_date="2025-06-30"
            )
        ]
    }
    [finding] = run_rule("TPP-002", tables, exported_at="2026-11-28T02:00:00Z")
    assert (finding.severity, finding.due) == ("medium", None)
    assert finding.evidence == {
        "assessment_date": "2022-12-01",
        "last_review_date": "2025-06-30",
        "next_review": "2026-06-30",
        "days_overdue": 151,
    }
    assert finding.message == (
        "Processor Supplier P1 (hosting) last evaluated 2025-06-30; "
        "review was due 2026-06-30 (151 days ago)"
    )
