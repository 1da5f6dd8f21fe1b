"""SEC-001: credential columns present in an export file."""

from __future__ import annotations

import pytest

USER = {
    "user_id": "U1",
    "org_id": "O1",
    "name": "Ann Lee",
    "email": "ann@example.org",
    "role": "user",
    "created_at": "2025-01-01T00:00:00Z",
}


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({}, []),
        ({"users": ["password_hash"]}, ["column:users:password_hash"]),
        ({"users": ["Passwd"]}, ["column:users:Passwd"]),  # any case
        ({"logins": ["session_token"]}, ["column:logins:session_token"]),
        ({"processors": ["api_secret", "notes"]}, ["column:processors:api_secret"]),
        ({"users": ["tokenised", "password"]}, ["column:users:password", "column:users:tokenised"]),
        ({"users": ["passport_no"]}, []),  # not a credential name
    ],
)
def test_credential_columns_in_tables(run_rule, extra, expected):
    findings = run_rule("SEC-001", {"users": [USER]}, extra_columns=extra)
    assert [f.key for f in findings] == expected
    assert all(f.severity == "high" and f.due is None for f in findings)


def test_credential_column_in_a_dataset(run_rule):
    rows = [{"region": "North", "n_users": "12", "api_token": "abc"}]
    [finding] = run_rule("SEC-001", deidentified={"usage": (rows, None)})
    assert finding.key == "column:deidentified/usage:api_token"
    assert finding.evidence == {
        "table": "deidentified/usage",
        "column": "api_token",
        "file": "deidentified/usage.csv",  # as the manifest lists it
    }
    assert "abc" not in finding.message


def test_evidence_names_the_file(run_rule):
    [finding] = run_rule("SEC-001", {"users": [USER]}, extra_columns={"users": ["secret"]})
    assert finding.evidence == {"table": "users", "column": "secret", "file": "users.csv"}
