"""DEID-003: k-anonymity of microdata datasets."""

from __future__ import annotations

import pytest

from insight_workbench.errors import InputError


def people(region: str, role: str, count: int, age: str = "40") -> list[dict[str, str]]:
    return [{"region": region, "role": role, "age": age} for _ in range(count)]


@pytest.mark.parametrize(
    ("rows", "meta", "expected"),
    [
        # inferred microdata: quasi-identifiers are the non-numeric columns (region, role)
        (people("North", "admin", 10) + people("South", "user", 12), None, []),  # k = 10
        (people("North", "admin", 9) + people("South", "user", 12), None, ["dataset:d"]),  # 9
        # a numeric column is not a quasi-identifier when inferred
        ([{**r, "age": str(20 + i)} for i, r in enumerate(people("North", "admin", 10))], None, []),
        # ... but the sidecar can make it one
        (
            [{**r, "age": str(20 + i)} for i, r in enumerate(people("North", "admin", 10))],
            {"kind": "microdata", "quasi_identifiers": ["region", "age"]},
            ["dataset:d"],
        ),
        # sidecar quasi-identifiers only: role is not linked on
        (
            people("North", "admin", 5) + people("North", "user", 5),
            {"kind": "microdata", "quasi_identifiers": ["region"]},
            [],
        ),
        (people("North", "admin", 5) + people("North", "user", 5), None, ["dataset:d"]),
        # an empty value is a value of its own: 10 with an empty role form one class
        (people("North", "", 10), None, []),
        (people("North", "", 4) + people("North", "admin", 10), None, ["dataset:d"]),
        # rows whose quasi-identifiers are all empty link to nothing
        (people("North", "admin", 10) + people("", "", 3), None, []),
        # an aggregate (count-named integer column) is not judged by k
        ([{"region": "North", "n_users": "12"}], None, []),
        ([{"region": "North", "people": "3"}], {"kind": "aggregate"}, []),
    ],
)
def test_k_anonymity(run_rule, rows, meta, expected):
    findings = run_rule("DEID-003", deidentified={"d": (rows, meta)})
    assert [f.key for f in findings] == expected


def test_evidence_counts_small_classes_without_values(run_rule):
    rows = (
        people("North", "admin", 1)
        + people("North", "user", 3)
        + people("East", "user", 3)
        + people("South", "user", 20)
    )
    [finding] = run_rule("DEID-003", deidentified={"d": (rows, None)})
    assert (finding.rule, finding.severity, finding.due) == ("DEID-003", "high", None)
    assert finding.evidence == {
        "k": 10,
        "smallest_class": 1,
        "classes_below_k": 3,
        "rows_in_classes_below_k": 7,
        "quasi_identifiers": ["region", "role"],
    }
    assert "North" not in finding.message
    assert "East" not in finding.message


def test_k_comes_from_the_policy(run_rule):
    rows = people("North", "admin", 5)
    assert run_rule("DEID-003", deidentified={"d": (rows, None)}) != []
    policy = {"deidentification": {"k": 5}}
    assert run_rule("DEID-003", deidentified={"d": (rows, None)}, policy=policy) == []


def test_sidecar_naming_a_missing_column_is_refused(run_rule):
    meta = {"kind": "microdata", "quasi_identifiers": ["postcode"]}
    with pytest.raises(InputError, match=r"deidentified/d\.meta\.json.*'postcode'"):
        run_rule("DEID-003", deidentified={"d": (people("North", "admin", 10), meta)})


@pytest.mark.parametrize("name", ["rowid", "RowId", "__iw_row_id", "__iw_row_0"])
@pytest.mark.parametrize(("value", "expected"), [("7", []), ("r{i}", ["dataset:d"])])
def test_a_column_named_like_a_row_id_is_a_column_like_any_other(run_rule, name, value, expected):
    """DuckDB's rowid is hidden by a column of that name: rows are told apart by a
    number of the rule's own, so a numeric `rowid` is no quasi-identifier (two classes
    of ten) and a text one makes every row unique."""
    rows = [
        {"region": region, name: value.format(i=i)}
        for region in ("North", "South")
        for i in range(10)
    ]
    findings = run_rule("DEID-003", deidentified={"d": (rows, None)})
    assert [f.key for f in findings] == expected


def test_message_of_one_small_combination_reads_as_english(run_rule):
    rows = people("North", "admin", 3) + people("South", "user", 12)
    [finding] = run_rule("DEID-003", deidentified={"d": (rows, None)})
    assert finding.message == (
        "De-identified dataset d: 1 combination of quasi-identifiers is shared by fewer "
        "than 10 rows (smallest: 3)"
    )
