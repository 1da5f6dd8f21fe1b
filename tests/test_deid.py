"""De-identification assessment: layouts, verdicts and class sizes, values never shown."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from cli_runner import run_cli

from insight_workbench.deidentification import assessment as deid
from insight_workbench.errors import InputError
from insight_workbench.ip_addresses import is_ip_address
from insight_workbench.loading.snapshot import load_snapshot
from insight_workbench.policy import load_policy
from insight_workbench.rules.base import RuleContext
from insight_workbench.testing import build_snapshot

USERS = [
    {
        "user_id": "U1",
        "org_id": "O1",
        "name": "Ann Lee",
        "email": "ann@example.org",
        "role": "user",
        "created_at": "2025-01-01T00:00:00Z",
    },
]
SECRET_EMAIL = "ann@example.org"
DATASETS = {
    # inferred aggregate: an integer column named like a count
    "by_area": ([{"area": f"A{i}", "n_users": str(n)} for i, n in enumerate([0, 3, 12, 40])], None),
    # inferred microdata: quasi-identifiers are the non-numeric columns
    "people": (
        [{"region": "North", "band": "30-39", "score": str(i)} for i in range(12)]
        + [{"region": "South", "band": "40-49", "score": "1"}] * 2
        + [{"region": "East", "band": "", "score": "2", "contact": SECRET_EMAIL}],
        None,
    ),
    # sidecar: microdata judged on one column only
    "released": (
        [{"org": "O1", "month": "2026-01", "h": hashlib.md5(b"ann@example.org").hexdigest()}] * 10,
        {"kind": "microdata", "quasi_identifiers": ["org"]},
    ),
}


@pytest.fixture
def assessments(tmp_path: Path) -> dict[str, deid.DatasetAssessment]:
    folder = build_snapshot(tmp_path / "s", {"users": USERS}, deidentified=DATASETS)
    snapshot = load_snapshot(folder)
    return {a.name: a for a in deid.assess_datasets(snapshot, load_policy())}


def test_layouts_inferred_or_from_the_sidecar(assessments):
    layouts = {name: a.layout for name, a in assessments.items()}
    assert (layouts["by_area"].kind, layouts["by_area"].source) == ("aggregate", "inferred")
    assert layouts["by_area"].count_columns == ("n_users",)
    assert (layouts["people"].kind, layouts["people"].source) == ("microdata", "inferred")
    assert layouts["people"].quasi_identifiers == ("region", "band", "contact")
    assert layouts["people"].numeric_columns == ("score",)
    assert layouts["people"].rows == 15
    assert (layouts["released"].kind, layouts["released"].source) == ("microdata", "sidecar")
    assert layouts["released"].quasi_identifiers == ("org",)


def test_verdicts(assessments):
    assert assessments["by_area"].verdicts == {
        "DEID-001": "pass",
        "DEID-002": "pass",
        "DEID-003": "n/a",
        "DEID-004": "fail",
    }
    assert assessments["by_area"].small_cells == {"n_users": 1}
    assert assessments["people"].verdicts == {
        "DEID-001": "fail",
        "DEID-002": "pass",
        "DEID-003": "fail",
        "DEID-004": "n/a",
    }
    assert assessments["people"].identifier_columns == {
        "contact": ["email address", "held email address"]
    }
    assert assessments["released"].verdicts == {
        "DEID-001": "pass",
        "DEID-002": "fail",
        "DEID-003": "pass",
        "DEID-004": "n/a",
    }
    assert assessments["released"].hashed_columns == {"h": ["MD5 of email"]}


def test_class_sizes(assessments):
    people = assessments["people"]
    assert people.class_sizes == {1: 1, 2: 1, 12: 1}
    assert people.smallest_class == 1
    assert people.smallest_classes == [1, 2, 12]
    frame = deid.class_sizes_frame(list(assessments.values()))
    assert frame.to_dict("records") == [
        {"dataset": "people", "class_size": 1, "classes": 1, "rows": 1, "below_k": True},
        {"dataset": "people", "class_size": 2, "classes": 1, "rows": 2, "below_k": True},
        {"dataset": "people", "class_size": 12, "classes": 1, "rows": 12, "below_k": False},
        {"dataset": "released", "class_size": 10, "classes": 1, "rows": 10, "below_k": False},
    ]


def test_frames_never_carry_values(assessments):
    frame = deid.verdicts_frame(list(assessments.values()), [])
    assert list(frame["dataset"]) == ["by_area", "people", "released"]
    assert frame.set_index("dataset").loc["people", "offending_columns"] == "contact"
    text = frame.to_csv() + deid.class_sizes_frame(list(assessments.values())).to_csv()
    text += repr(list(assessments.values()))
    for value in (
        SECRET_EMAIL,
        "North",
        "South",
        "30-39",
        hashlib.md5(b"ann@example.org").hexdigest(),
    ):
        assert value not in text


@pytest.mark.parametrize("key", ["count_columns", "quasi_identifiers"])
def test_a_sidecar_naming_a_missing_column_refuses_the_snapshot(tmp_path: Path, key: str):
    """Refused when loaded, so `validate` says so as `check` would."""
    datasets = {"d": ([{"a": "x"}], {key: ["n_users"]})}
    folder = build_snapshot(tmp_path / "s", deidentified=datasets)
    with pytest.raises(InputError) as error:
        load_snapshot(folder)
    assert str(error.value) == (
        f"deidentified/d.meta.json: '{key}' names column 'n_users', which deidentified/d.csv lacks"
    )
    validate = run_cli("validate", folder)
    assert validate.returncode == 2
    assert validate.stderr == f"error: {error.value}\n"


def test_a_sidecar_naming_a_credential_column_says_it_is_never_loaded(tmp_path: Path):
    """The file has the column, but its name marks it as credential material (SEC-001):
    it is never loaded, so the dataset cannot be judged by it."""
    datasets = {"d": ([{"a": "x", "n_tokens": "12"}], {"count_columns": ["n_tokens"]})}
    folder = build_snapshot(tmp_path / "s", deidentified=datasets)
    with pytest.raises(InputError) as error:
        load_snapshot(folder)
    assert str(error.value) == (
        "deidentified/d.meta.json: 'count_columns' names column 'n_tokens', a credential "
        "column by its name, which is never loaded: the dataset cannot be judged"
    )


def test_no_datasets(tmp_path: Path):
    snapshot = load_snapshot(build_snapshot(tmp_path / "s"))
    assert deid.assess_datasets(snapshot, load_policy()) == []
    assert deid.verdicts_frame([], []).empty
    assert deid.class_sizes_frame([]).empty


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("192.0.2.1", True),
        ("2001:db8::1", True),
        ("::ffff:192.0.2.1", True),
        ("10:00:00", False),
        ("1.2.3", False),
        ("", False),
        (None, False),
    ],
)
def test_is_ip_address(text, expected):
    assert is_ip_address(text) is expected


def test_prepared_once_per_cursor(tmp_path: Path):
    snapshot = load_snapshot(build_snapshot(tmp_path / "s", deidentified=DATASETS))
    cursor = snapshot.cursor()
    ctx = RuleContext(snapshot, cursor, load_policy(), snapshot.manifest.exported_at)
    first = deid.prepare(ctx)
    cursor.execute("DELETE FROM deid_cells")  # a second prepare must not rebuild
    assert deid.prepare(ctx) == first
    assert deid.class_size_counts(ctx) == []
    other = snapshot.cursor()  # temporary tables belong to one cursor
    assert deid.prepare(RuleContext(snapshot, other, load_policy(), ctx.as_of)) == first
    assert deid.class_size_counts(RuleContext(snapshot, other, load_policy(), ctx.as_of)) != []


@pytest.mark.parametrize(
    ("counts", "kind"),
    [
        (["12", "12.0", "12.", "3"], "aggregate"),
        (["1e3", ".0", "1.5e1", "+3", "99999999999999999999999"], "aggregate"),
        (["12", "1.5"], "microdata"),  # not whole: a score, not a count
        (["12", "1e-3"], "microdata"),
        (["12", "1e400"], "microdata"),  # too large to be read as a number of people
        (["12", "1.0000000000000001"], "microdata"),  # not whole, though a float says so
        (["12", "1e-400"], "microdata"),  # not zero, though a float reads it so
        (["12", "0e5", "-0", "120e-1", "1.25e2", "-3E+2"], "aggregate"),
        (["12", "1.0000000000000001e0"], "microdata"),  # exactly, not as a float reads it
        (["12", "4503599627370497.5e0"], "microdata"),
        (["12", "125e-2"], "microdata"),
    ],
)
def test_a_count_is_a_whole_number_in_any_numeric_form(
    tmp_path: Path, counts: list[str], kind: str
) -> None:
    """Without a sidecar, a column named like a count whose every value is a whole number
    makes an aggregate, however a float column or exponent form writes it."""
    rows = [{"area": f"A{i}", "n_users": n} for i, n in enumerate(counts)]
    folder = build_snapshot(tmp_path / "s", {"users": USERS}, deidentified={"d": (rows, None)})
    snapshot = load_snapshot(folder)
    [assessed] = deid.assess_datasets(snapshot, load_policy())
    assert (assessed.layout.kind, assessed.layout.source) == (kind, "inferred")


def test_a_count_column_with_no_value_makes_no_aggregate(tmp_path: Path) -> None:
    """A column named like a count but empty in every row shows no group sizes: judged as
    an aggregate, the dataset passed with nothing checked. It is microdata, so its rows
    are checked for k-anonymity; one count in the column makes it an aggregate again."""
    rows = [{"band": b, "region": r, "n_users": ""} for b, r in [("A", "R1"), ("B", "R2")]]
    folder = build_snapshot(tmp_path / "s", {"users": USERS}, deidentified={"d": (rows, None)})
    [assessed] = deid.assess_datasets(load_snapshot(folder), load_policy())
    assert (assessed.layout.kind, assessed.layout.source) == ("microdata", "inferred")
    assert assessed.layout.quasi_identifiers == ("band", "region")
    assert assessed.layout.count_columns == ()
    assert assessed.smallest_class == 1  # DEID-003

    rows[0]["n_users"] = "12"
    folder = build_snapshot(tmp_path / "t", {"users": USERS}, deidentified={"d": (rows, None)})
    [assessed] = deid.assess_datasets(load_snapshot(folder), load_policy())
    assert (assessed.layout.kind, assessed.layout.count_columns) == ("aggregate", ("n_users",))
