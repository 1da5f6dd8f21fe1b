"""TPP-001: processors not assessed before their contract started."""

from __future__ import annotations

import pytest
from snapshot_rows import processor


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({}, ["processor:P1"]),  # never assessed
        ({"last_review_date": "2026-01-10"}, ["processor:P1"]),  # reviewed, never assessed
        ({"assessment_date": "2025-03-01"}, []),  # on the day the contract starts
        ({"assessment_date": "2025-02-20"}, []),  # before
        ({"assessment_date": "2025-03-02"}, ["processor:P1"]),  # a day after
    ],
)
def test_assessment_before_contract(run_rule, values, expected):
    tables = {"processors": [processor("P1", "2025-03-01", **values)]}
    assert [f.key for f in run_rule("TPP-001", tables)] == expected


def test_messages(run_rule):
    tables = {
        "processors": [
            processor("P1", "2025-03-01"),
            processor("P2", "2025-03-01", assessment_date="2025-04-15"),
        ]
    }
    first, second = run_rule("TPP-001", tables)
    assert (first.severity, first.due) == ("high", None)
    assert (
        first.message == "Processor Supplier P1 (hosting) has no privacy and security "
        "assessment on record"
    )
    assert second.message == (
        "Processor Supplier P2 (hosting) was assessed 2025-04-15, after "
        "its contract started 2025-03-01"
    )
    assert second.evidence == {"contract_start": "2025-03-01", "assessment_date": "2025-04-15"}
