"""A de-identified dataset whose header row is data holding a direct identifier (the
export left it out): not loaded, named by file and column position, never by a cell's
value, and reported by DEID-001 by that position.
Its "column names" used to be a person's values, shown by `validate` and put into
finding keys, messages and evidence."""

from __future__ import annotations

import hashlib
import json
import unicodedata
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from cli_runner import run_cli

from insight_workbench.loading.data_headers import data_like_cell
from insight_workbench.loading.manifest import write_manifest
from insight_workbench.loading.workspace import open_snapshot
from insight_workbench.policy import load_policy
from insight_workbench.rules.runner import run_check
from insight_workbench.testing import build_snapshot
from insight_workbench.timeutil import parse_timestamp

USERS = {
    "organisations": [
        {
            "org_id": "O1",
            "name": "Org",
            "product": "local_insight",
            "status": "active",
            "created_at": "2026-01-01T00:00:00Z",
        }
    ],
    "users": [
        {
            "user_id": "U1",
            "org_id": "O1",
            "name": "Carol Heldname",
            "email": "carol@example.org",
            "role": "user",
            "created_at": "2026-01-01T00:00:00Z",
        }
    ],
}
HEADERLESS = (
    "Alice Secretname,alice@example.org,SW1A 1AA,1990\n"
    "Bob Hiddenname,bob@example.org,SW1A 2AA,1985\n"
)
VALUES = ("Alice", "Secretname", "alice@", "SW1A", "1990", "Bob", "bob@", "Hiddenname")


def with_dataset(folder: Path, name: str, content: str) -> Path:
    """A valid snapshot with `deidentified/<name>.csv` holding `content`, unlisted (the
    format allows it)."""
    build_snapshot(folder, USERS)
    (folder / "deidentified").mkdir(exist_ok=True)
    (folder / "deidentified" / f"{name}.csv").write_text(content, encoding="utf-8")
    return folder


def no_value_in(text: str) -> None:
    for value in VALUES:
        assert value not in text, value


def test_validate_names_the_file_and_position_never_a_value(tmp_path: Path) -> None:
    folder = with_dataset(tmp_path / "s", "people", HEADERLESS)
    table = run_cli("validate", folder)
    assert table.returncode == 0, table.stderr
    no_value_in(table.stdout + table.stderr)
    assert "deidentified/people" not in table.stdout.split("No row")[0]  # not counted
    # Not "Every row loaded.": none of the dataset's rows was; exit 0 all the same.
    assert "\nNo row quarantined. 1 dataset not loaded (below).\n" in table.stdout
    assert "Every row loaded" not in table.stdout
    assert (
        "Not loaded, its rows not judged, DEID-001 naming the column by position (its header "
        "row looks like a row of data: "
        "column 2 holds @, as an email address does; a dataset needs a header row naming "
        "its columns): deidentified/people.csv"
    ) in table.stdout
    assert "Credential column" not in table.stdout  # "Alice Secretname" is no column
    as_json = run_cli("validate", folder, "--format", "json")
    no_value_in(as_json.stdout)
    report = json.loads(as_json.stdout)
    assert report["not_judged"] == ["deidentified/people.csv"]
    assert report["credential_columns"] == []
    assert [u["column_position"] for u in report["unread_datasets"]] == [2]
    assert "deidentified/people" not in [t["table"] for t in report["tables"]]


def test_check_reports_the_identifier_by_its_column_s_position(tmp_path: Path) -> None:
    """DEID-001 names the column by position: a run recorded in the ledger keeps the
    dataset's problem open instead of its earlier findings reading as resolved."""
    folder = with_dataset(tmp_path / "s", "people", HEADERLESS)
    for fmt in ("json", "table", "csv"):
        result = run_cli("check", folder, "--format", fmt, "--quiet")
        no_value_in(result.stdout + result.stderr)
        assert (
            "Not loaded, its rows not judged: deidentified/people.csv (its header row looks like"
        ) in result.stderr
    findings = json.loads(run_cli("check", folder, "--format", "json").stdout)["findings"]
    [finding] = [f for f in findings if "people" in f["key"]]
    assert (finding["rule"], finding["key"]) == ("DEID-001", "dataset:people:column 2")
    assert finding["evidence"] == {"cells": 1, "kinds": ["email address"], "header_row": True}
    assert "column 2" in finding["message"]
    snapshot = open_snapshot(folder)
    try:
        assert snapshot.deidentified == []
        assert [(u.file, u.position) for u in snapshot.unread] == [("deidentified/people.csv", 2)]
        keys = [f.key for f in run_check(snapshot, load_policy()).findings]
        assert [key for key in keys if "people" in key] == ["dataset:people:column 2"]
    finally:
        snapshot.con.close()


def test_ingest_says_so(tmp_path: Path) -> None:
    folder = with_dataset(tmp_path / "s", "people", HEADERLESS)
    result = run_cli("ingest", folder, "--quiet")
    assert result.returncode == 0, result.stderr
    no_value_in(result.stdout + result.stderr)
    assert "column 2 holds @" in result.stdout
    assert "deidentified/people.csv" in result.stdout


def test_a_header_holding_a_held_name_is_data(tmp_path: Path) -> None:
    """No @: the first cell is a held user's name (the second, a postcode, looks like
    nothing in particular)."""
    folder = with_dataset(tmp_path / "s", "people", "Carol Heldname,SW1A 1AA\nDan Other,E1 6AN\n")
    report = json.loads(run_cli("validate", folder, "--format", "json").stdout)
    [unread] = report["unread_datasets"]
    assert unread["column_position"] == 1
    assert "held user" in unread["why"]
    assert "Carol" not in json.dumps(report)


@pytest.mark.parametrize(
    ("held", "header"),
    [
        ("Jos\u00e9 Garc\u00eda", "Jose\u0301 Garci\u0301a"),  # decomposed accents
        (
            "\u039a\u038f\u03a3\u03a4\u0391\u03a3 \u03a0\u0391\u03a0\u0391\u03a3",
            "\u039a\u03ce\u03c3\u03c4\u03b1\u03c2 \u03a0\u03b1\u03c0\u03b1\u03c2",
        ),
    ],
)
def test_a_header_holding_a_held_name_in_another_form_is_data(
    tmp_path: Path, held: str, header: str
) -> None:
    """The name as DEID-001 reads it in the rows below: another Unicode form or a final
    sigma is the same name, so it does not name a column in keys and evidence."""
    users = {**USERS, "users": [{**USERS["users"][0], "name": held}]}
    folder = build_snapshot(tmp_path / "s", users)
    (folder / "deidentified").mkdir()
    (folder / "deidentified" / "people.csv").write_text(
        f"{header},North\n{header},South\n", encoding="utf-8"
    )
    report = json.loads(run_cli("validate", folder, "--format", "json").stdout)
    [unread] = report["unread_datasets"]
    assert unread["column_position"] == 1
    result = run_cli("check", folder, "--format", "json")
    keys = [(f["rule"], f["key"]) for f in json.loads(result.stdout)["findings"]]
    assert ("DEID-001", "dataset:people:column 1") in keys
    shown = json.dumps(json.loads(result.stdout), ensure_ascii=False)
    assert header not in shown
    assert unicodedata.normalize("NFC", header) not in shown


def test_a_header_of_names_loads_and_is_judged(tmp_path: Path) -> None:
    """A one-word name, a name with spaces, a name with digits, numbers, years and days
    are column names: an aggregate by period or bucket is an ordinary dataset."""
    content = "region,Carol,age band,n_users,2025,2026-11-01,0,34\nNorth,x,30-39,12,1,2,3,4\n"
    folder = with_dataset(tmp_path / "s", "agg", content)
    report = json.loads(run_cli("validate", folder, "--format", "json").stdout)
    assert report["unread_datasets"] == []
    assert "deidentified/agg" in [t["table"] for t in report["tables"]]


def test_numbers_name_columns_where_user_ids_are_numbers(tmp_path: Path) -> None:
    """A platform numbering its users 1, 2, ... 2025: a table by year or by hour is still
    a table, judged (its small cells found), not a header row of user ids."""
    users = [
        {**USERS["users"][0], "user_id": str(n), "email": f"u{n}@example.org"}
        for n in (1, 2025, 2026)
    ]
    folder = build_snapshot(tmp_path / "s", {**USERS, "users": users})
    (folder / "deidentified").mkdir()
    (folder / "deidentified" / "by_year.csv").write_text(
        "region,2025,2026,n_users\nNorth,x,y,4\n", encoding="utf-8"
    )
    (folder / "deidentified" / "by_hour.csv").write_text("hour,0,1\nx,y,z\n", encoding="utf-8")
    report = json.loads(run_cli("validate", folder, "--format", "json").stdout)
    assert report["unread_datasets"] == []
    findings = json.loads(run_cli("check", folder, "--format", "json").stdout)["findings"]
    keys = [(f["rule"], f["key"]) for f in findings]
    assert ("DEID-004", "dataset:by_year:n_users") in keys
    assert not [key for key in keys if key[1].endswith("column 2")]


def validated_with_dataset(
    tmp_path: Path, user: dict[str, str], file: str, content: str
) -> tuple[Path, dict[str, Any]]:
    """A snapshot of one user (`user` over USERS' first) and one dataset `file` holding
    `content`, and `validate`'s JSON report of it."""
    folder = build_snapshot(tmp_path / "s", {**USERS, "users": [{**USERS["users"][0], **user}]})
    (folder / "deidentified").mkdir()
    (folder / "deidentified" / file).write_text(content, encoding="utf-8")
    return folder, json.loads(run_cli("validate", folder, "--format", "json").stdout)


def test_a_header_holding_a_long_numeric_user_id_is_data(tmp_path: Path) -> None:
    """Numeric user ids of more than 4 digits: a header row left out puts one in the
    header, which must not become a column's name (and so a finding key)."""
    folder, report = validated_with_dataset(
        tmp_path, {"user_id": "100234"}, "rows.csv", "north,100234,7\nsouth,x,8\n"
    )
    [unread] = report["unread_datasets"]
    assert unread["column_position"] == 2
    assert "100234" not in json.dumps(report)
    findings = run_cli("check", folder, "--format", "json").stdout
    assert "100234" not in findings


def test_a_header_holding_a_held_telephone_is_data(tmp_path: Path) -> None:
    _, report = validated_with_dataset(
        tmp_path,
        {"telephone": "+44 20 7946 0958"},
        "calls.csv",
        "north,(+44) 20-7946-0958\nsouth,x\n",
    )
    [unread] = report["unread_datasets"]
    assert unread["column_position"] == 2
    assert "7946" not in json.dumps(report)


def test_a_parquet_dataset_whose_column_names_are_data(tmp_path: Path) -> None:
    folder = build_snapshot(tmp_path / "s", USERS)
    (folder / "deidentified").mkdir()
    columns = {"Alice Secretname": ["Bob Hiddenname"], "10.1.2.3": ["10.1.2.4"]}
    pq.write_table(pa.table(columns), folder / "deidentified" / "people.parquet")
    report = json.loads(run_cli("validate", folder, "--format", "json").stdout)
    [unread] = report["unread_datasets"]
    assert (unread["file"], unread["column_position"]) == ("deidentified/people.parquet", 2)
    assert "IP address" in unread["why"]
    assert "Alice" not in json.dumps(report)
    assert "10.1.2" not in json.dumps(report)


@pytest.mark.parametrize(
    ("cell", "why"),
    [
        ("alice@example.org", "holds @, as an email address does"),
        ("2001:db8::1", "is an IP address"),
        ("192.168.0.1", "is an IP address"),
        ("2026-01-31", None),  # numbers and dates name columns of tables by period
        ("1990", None),
        ("34", None),
        ("-3.5e2", None),
        ("region", None),
        ("n_users", None),
        ("age band", None),
        ("Q1 2026", None),
    ],
)
def test_cells_that_look_like_values(cell: str, why: str | None) -> None:
    assert data_like_cell(cell) == why


def listed(folder: Path, dataset: str, **entry: Any) -> None:
    """List `deidentified/<dataset>` in the manifest (its rows: a Parquet file's, a CSV
    file's lines after the first), then change its entry by `entry`. The manifest writer
    reads a CSV file's first line as names, so the dataset is listed by hand."""
    [path] = [p for p in (folder / "deidentified").glob(f"{dataset}.*") if p.suffix != ".json"]
    aside = path.rename(folder / f"aside{path.suffix}")
    write_manifest(folder, parse_timestamp("2026-11-28T02:00:00Z"))
    aside.rename(path)
    if path.suffix == ".parquet":
        rows = pq.read_metadata(path).num_rows
    else:
        rows = len(path.read_text(encoding="utf-8").splitlines()) - 1
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["tables"][f"deidentified/{dataset}"] = {
        "file": f"deidentified/{path.name}",
        "rows": rows,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        **entry,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_an_unread_dataset_s_listed_row_count_is_checked(tmp_path: Path, fmt: str) -> None:
    """Left unread, a listed dataset is still held to its manifest entry: a count that
    differs refuses the snapshot (the export was cut short or altered), naming the
    dataset and both counts, never a cell. A CSV file's first line may be counted as
    its header or, the header being missing, as a row."""
    folder = build_snapshot(tmp_path / "s", USERS)
    (folder / "deidentified").mkdir()
    if fmt == "csv":
        (folder / "deidentified" / "people.csv").write_text(HEADERLESS, encoding="utf-8")
    else:
        columns = {"Alice Secretname": ["Bob Hiddenname"], "alice@example.org": ["bob@"]}
        pq.write_table(pa.table(columns), folder / "deidentified" / "people.parquet")
    listed(folder, "people")
    assert run_cli("validate", folder).returncode == 0
    if fmt == "csv":  # the first line counted as a row, the header being missing
        listed(folder, "people", rows=2)
        assert run_cli("validate", folder).returncode == 0
    listed(folder, "people", rows=5)
    result = run_cli("validate", folder)
    assert result.returncode == 2, result.stdout
    assert result.stderr.strip() == (
        f"error: deidentified/people: deidentified/people.{fmt} has 1 rows, the manifest expects 5"
    )
    no_value_in(result.stdout + result.stderr)


@pytest.mark.parametrize(
    ("sidecar", "error"),
    [
        ({"kind": "bogus"}, "'kind' must be 'aggregate' or 'microdata'"),
        ({"kind": "aggregate", "count_columns": "n"}, "'count_columns' must be a list"),
        (
            {"kind": "microdata", "quasi_identifiers": ["postcode"]},
            "'quasi_identifiers' names column 'postcode', which deidentified/people.csv lacks",
        ),
    ],
)
def test_an_unread_dataset_s_sidecar_is_checked(
    tmp_path: Path, sidecar: dict[str, Any], error: str
) -> None:
    """A sidecar that cannot describe the dataset refuses the snapshot whether or not
    its rows are read, as it does for a dataset that loads."""
    folder = with_dataset(tmp_path / "s", "people", HEADERLESS)
    (folder / "deidentified" / "people.meta.json").write_text(json.dumps(sidecar), "utf-8")
    result = run_cli("validate", folder)
    assert result.returncode == 2, result.stdout
    assert error in result.stderr
    no_value_in(result.stdout + result.stderr)


def test_an_unread_dataset_s_sidecar_may_name_its_header_cells(tmp_path: Path) -> None:
    folder = with_dataset(tmp_path / "s", "people", HEADERLESS)
    sidecar = {"kind": "microdata", "quasi_identifiers": ["SW1A 1AA", "1990"]}
    (folder / "deidentified" / "people.meta.json").write_text(json.dumps(sidecar), "utf-8")
    result = run_cli("validate", folder)
    assert result.returncode == 0, result.stderr
    assert "1 dataset not loaded" in result.stdout


@pytest.mark.parametrize(
    "first_line", ["Alice Secretname,alice@example.org,,1990", "alice@example.org,1990,1990"]
)
def test_an_unread_dataset_s_first_line_is_not_checked_as_names(
    tmp_path: Path, first_line: str
) -> None:
    """Its first line is data: an empty or a repeated cell there is no bad header."""
    folder = with_dataset(tmp_path / "s", "people", f"{first_line}\nBob,bob@example.org,x,1\n")
    listed(folder, "people")
    result = run_cli("validate", folder)
    assert result.returncode == 0, result.stderr
    assert "1 dataset not loaded" in result.stdout
    listed(folder, "people", rows=7)
    refused = run_cli("validate", folder)
    assert refused.returncode == 2
    assert "has 1 rows, the manifest expects 7" in refused.stderr
    no_value_in(refused.stdout + refused.stderr)


def test_an_unread_dataset_ending_in_empty_cells_counts_no_blank_line(tmp_path: Path) -> None:
    """`alice@example.org,,` is three columns: its blank lines are no records."""
    folder = with_dataset(tmp_path / "s", "people", "alice@example.org,,\n\nbob,1,2\n\nx,3,4\n")
    listed(folder, "people", rows=2)
    result = run_cli("validate", folder)
    assert result.returncode == 0, result.stderr
