"""Small hostile inputs are refused quickly, in bounded memory, with one line and exit 2.

Every command given a hostile file runs in a subprocess limited to 2 GiB of address
space and killed after a generous timeout, so a regression shows as a failure, not a
hung run. The refusals that need no such bound (values out of range, a raised column
limit, a short sidecar nested too deep) run the command in this process.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_runner import run_cli

from insight_workbench.errors import InputError
from insight_workbench.loading.bounded import json_depth
from insight_workbench.loading.coercion import OUT_OF_RANGE
from insight_workbench.loading.snapshot import load_snapshot
from insight_workbench.testing import build_snapshot

ROOT = Path(__file__).resolve().parent.parent
USER = {
    "user_id": "u1",
    "org_id": "o1",
    "name": "Ann Example",
    "email": "ann@example.com",
    "role": "user",
    "created_at": "2025-01-01T00:00:00Z",
}
DEEP = 100_000


def _bounded_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


def _little_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


CLI = [sys.executable, "-c", "from insight_workbench.cli import main; main()"]


def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        preexec_fn=_bounded_memory,
        check=False,
    )


def assert_refused(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    for word in words:
        assert word in done.stderr


@pytest.fixture
def snapshot(tmp_path: Path) -> Path:
    return build_snapshot(tmp_path / "snap", {"users": [USER]})


def replace_file(folder: Path, relative: str, content: bytes) -> None:
    """Write a file of the snapshot and, when listed, fix its manifest entry's digest."""
    (folder / relative).parent.mkdir(exist_ok=True)
    (folder / relative).write_bytes(content)
    manifest = json.loads((folder / "manifest.json").read_text())
    for entry in manifest["tables"].values():
        if entry["file"] == relative:
            entry["sha256"] = hashlib.sha256(content).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest))


def test_dev_zero_as_a_data_file_or_manifest_is_refused(snapshot: Path) -> None:
    (snapshot / "deidentified").mkdir()
    (snapshot / "deidentified" / "z.csv").symlink_to("/dev/zero")
    assert_refused(cli("validate", snapshot), "z.csv")
    (snapshot / "deidentified" / "z.csv").unlink()
    (snapshot / "manifest.json").unlink()
    (snapshot / "manifest.json").symlink_to("/dev/zero")
    assert_refused(cli("validate", snapshot), "manifest.json")


def test_a_fifo_is_refused_and_never_waited_on(snapshot: Path) -> None:
    (snapshot / "deidentified").mkdir()
    os.mkfifo(snapshot / "deidentified" / "pipe.csv")
    assert_refused(cli("validate", snapshot), "pipe.csv")


def test_a_huge_sparse_data_file_is_refused_by_the_header_limit(snapshot: Path) -> None:
    (snapshot / "deidentified").mkdir()
    with (snapshot / "deidentified" / "big.csv").open("wb") as handle:
        handle.truncate(50 << 30)  # 50 GiB of zeros, no line break
    assert_refused(cli("validate", snapshot), "big.csv", "INSIGHT_MAX_HEADER_BYTES")


def test_a_huge_sparse_manifest_is_refused_by_its_size(snapshot: Path) -> None:
    with (snapshot / "manifest.json").open("r+b") as handle:
        handle.truncate(50 << 30)
    assert_refused(cli("validate", snapshot), "manifest.json", "INSIGHT_MAX_JSON_BYTES")


@pytest.mark.parametrize("relative", ["users.csv", "deidentified/wide.csv"])
def test_a_hundred_thousand_columns_are_refused(snapshot: Path, relative: str) -> None:
    header = ",".join(f"c{i:05d}" for i in range(100_000))
    record = ",".join(["1"] * 100_000)
    content = "\n".join([header] + [record] * 4).encode() + b"\n"
    assert 1_000_000 < len(content) < 2_000_000
    replace_file(snapshot, relative, content)
    assert_refused(cli("validate", snapshot), Path(relative).name, "INSIGHT_MAX_COLUMNS")


def test_the_column_limit_can_be_raised(snapshot: Path, monkeypatch) -> None:
    names = [f"c{i}" for i in range(40)]
    replace_file(snapshot, "deidentified/wide.csv", (",".join(names) + "\n").encode())
    monkeypatch.setenv("INSIGHT_MAX_COLUMNS", "39")
    assert_refused(run_cli("validate", snapshot), "wide.csv", "more than 39")
    monkeypatch.setenv("INSIGHT_MAX_COLUMNS", "40")
    assert run_cli("validate", snapshot).returncode == 0


@pytest.mark.parametrize("opening", ["[", '{"a":'])
def test_a_manifest_nested_a_hundred_thousand_deep_is_refused(snapshot: Path, opening: str) -> None:
    closing = "]" if opening == "[" else "}"
    (snapshot / "manifest.json").write_text(opening * DEEP + "1" + closing * DEEP)
    assert_refused(cli("validate", snapshot), "manifest.json", "INSIGHT_MAX_JSON_DEPTH")


def test_a_sidecar_nested_a_hundred_thousand_deep_is_refused(snapshot: Path) -> None:
    replace_file(snapshot, "deidentified/d.csv", b"month,users\n2026-01,12\n")
    (snapshot / "deidentified" / "d.meta.json").write_text("[" * DEEP + "]" * DEEP)
    assert_refused(cli("validate", snapshot), "d.meta.json", "INSIGHT_MAX_JSON_DEPTH")


def test_a_sidecar_nested_past_the_limit_but_parseable_is_refused(snapshot: Path) -> None:
    replace_file(snapshot, "deidentified/d.csv", b"month,users\n2026-01,12\n")
    (snapshot / "deidentified" / "d.meta.json").write_text('{"x":' + "[" * 65 + "]" * 65 + "}")
    assert_refused(run_cli("validate", snapshot), "d.meta.json", "nested deeper than 64")


def test_json_depth_counts_without_recursion() -> None:
    deep: list = []
    for _ in range(DEEP):
        deep = [deep]
    assert json_depth(deep) == DEEP + 1
    assert json_depth({"a": [1, {"b": 2}]}) == 3
    assert json_depth("text") == 0


@pytest.mark.parametrize(
    "exported_at", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", "9999-06-01T00:00Z"]
)
def test_an_exported_at_out_of_range_is_refused_naming_the_key(
    snapshot: Path, exported_at: str
) -> None:
    manifest = json.loads((snapshot / "manifest.json").read_text())
    manifest["exported_at"] = exported_at
    (snapshot / "manifest.json").write_text(json.dumps(manifest))
    assert_refused(
        run_cli("validate", snapshot), "manifest.json", "'exported_at'", "supported range"
    )


def test_cell_timestamps_out_of_range_are_quarantined(tmp_path: Path) -> None:
    far = [
        ("u2", "9999-12-31T23:59:59-23:59"),
        ("u3", "0001-01-01T00:00:00+23:59"),
        ("u4", "9999-01-01T00:00:00Z"),
        ("u5", "9998-12-31T23:00:00-05:00"),  # written in 9998, in 9999 in UTC
        ("u6", "0002-01-01T00:30:00+01:00"),  # written in year 2, in year 1 in UTC
        ("k7", "0001-12-31T23:30:00-01:00"),  # written in year 1, in year 2 in UTC: kept
        ("k8", "9999-01-01T00:30:00+01:00"),  # written in 9999, in 9998 in UTC: kept
    ]
    users = [USER] + [
        {**USER, "user_id": uid, "email": f"{uid}@example.org", "created_at": ts} for uid, ts in far
    ]
    folder = build_snapshot(tmp_path / "snap", {"users": users})
    loaded = load_snapshot(folder)
    try:
        reasons = loaded.con.execute(
            "SELECT row_number, column_name, reason FROM rejects ORDER BY row_number"
        ).fetchall()
        kept = loaded.con.execute("SELECT user_id FROM users").fetchall()
    finally:
        loaded.con.close()
    assert reasons == [(row, "created_at", OUT_OF_RANGE) for row in (2, 3, 4, 5, 6)]
    assert kept == [("u1",), ("k7",), ("k8",)]
    done = run_cli("check", folder)  # the quarantined rows are a finding, not a crash
    assert done.returncode == 1
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[retention]\nclosed_account_days = 9223372036854775807\n", "closed_account_days"),
        ("[subject_requests]\nresponse_months = 100000000\n", "response_months"),
        ("[communications]\nopt_out_grace_hours = 99999999999\n", "opt_out_grace_hours"),
        ("[deidentification]\nmin_cell = 10000000000\n", "min_cell"),
    ],
)
def test_huge_policy_numbers_are_refused_naming_the_key(
    snapshot: Path, tmp_path: Path, text: str, key: str
) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(text)
    assert_refused(run_cli("check", snapshot, "--policy", policy), "policy.toml", key)


def _manifest_text(folder: Path) -> str:
    return (folder / "manifest.json").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("before", "after", "named"),
    [
        # A second exported_at would move every deadline; a second users entry or a second
        # `rows` would pin a file other than the one checked.
        ('"exported_at"', '"exported_at": "2030-01-01T00:00:00Z", "exported_at"', "exported_at"),
        ('"users": {', '"users": {"file": "users.csv"}, "users": {', "users"),
        ('"rows"', '"rows": 1, "rows"', "rows"),
    ],
)
def test_a_name_given_twice_in_the_manifest_is_refused(
    snapshot: Path, before: str, after: str, named: str
) -> None:
    text = _manifest_text(snapshot)
    assert before in text
    (snapshot / "manifest.json").write_text(text.replace(before, after, 1), encoding="utf-8")
    assert_refused(run_cli("validate", snapshot), "manifest.json", f"'{named}' appears twice")


def test_a_name_given_twice_in_a_sidecar_is_refused(snapshot: Path) -> None:
    (snapshot / "deidentified").mkdir()
    (snapshot / "deidentified" / "d.csv").write_text("region,n\nNorth,12\n", encoding="utf-8")
    sidecar = '{"kind": "microdata", "kind": "aggregate", "count_columns": ["n"]}'
    (snapshot / "deidentified" / "d.meta.json").write_text(sidecar, encoding="utf-8")
    assert_refused(run_cli("validate", snapshot), "d.meta.json", "'kind' appears twice")


@pytest.mark.parametrize("command", ["validate", "check"])
def test_half_a_character_in_the_manifest_is_refused(snapshot: Path, command: str) -> None:
    """`"\\ud800"` is valid JSON but no character: printed or recorded, it broke the
    command with a traceback and exit 1 (which `check` uses for findings)."""
    document = json.loads(_manifest_text(snapshot))
    document["snapshot_id"] = "prod-\ud800"
    (snapshot / "manifest.json").write_text(json.dumps(document), encoding="utf-8")
    assert_refused(run_cli(command, snapshot), "manifest.json", "half a character")


def test_a_manifest_entry_that_is_no_table_is_refused(snapshot: Path) -> None:
    """Its rows and digest would be checked against nothing, and the file never read."""
    (snapshot / "bogus.csv").write_text("a\n1\n2\n", encoding="utf-8")
    document = json.loads(_manifest_text(snapshot))
    document["tables"]["bogus"] = {"file": "bogus.csv", "rows": 99, "sha256": "0" * 64}
    (snapshot / "manifest.json").write_text(json.dumps(document), encoding="utf-8")
    assert_refused(run_cli("validate", snapshot), "'bogus' is not a table of the export format")


def test_datasets_in_a_folder_inside_deidentified_are_refused(snapshot: Path) -> None:
    """A dataset there was neither judged nor mentioned."""
    inner = snapshot / "deidentified" / "2026"
    inner.mkdir(parents=True)
    (inner / "leaked.csv").write_text("email,postcode\na@b.example,AB1 2CD\n", encoding="utf-8")
    assert_refused(run_cli("validate", snapshot), "deidentified/2026", "directly in deidentified/")
    (inner / "leaked.csv").unlink()
    (inner / "notes.txt").write_text("no dataset here", encoding="utf-8")
    assert run_cli("validate", snapshot).returncode == 0


def test_the_number_of_datasets_is_bounded(snapshot: Path, monkeypatch) -> None:
    """Each dataset is loaded and judged: thousands of tiny files would take minutes."""
    for n in range(4):
        replace_file(snapshot, f"deidentified/d{n}.csv", b"region,n\nNorth,12\n")
    monkeypatch.setenv("INSIGHT_MAX_DATASETS", "3")
    assert_refused(run_cli("validate", snapshot), "deidentified/", "more than 3 datasets")
    monkeypatch.setenv("INSIGHT_MAX_DATASETS", "4")
    assert run_cli("validate", snapshot).returncode == 0


def test_a_column_name_longer_than_python_s_default_field_is_read(snapshot: Path) -> None:
    """Python's CSV reader stops at 131,072 characters a field unless told: a longer
    header name, well within the header limit, was refused as "not valid CSV"."""
    name = "n" * 131_073
    replace_file(snapshot, "deidentified/long.csv", f"{name},count\nx,12\n".encode())
    done = run_cli("validate", snapshot)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    ("variable", "value", "most"),
    [
        ("INSIGHT_MAX_FIELD_BYTES", str(2**63), "2147483647"),
        ("INSIGHT_MAX_HEADER_BYTES", str(2**31), "2147483647"),
        ("INSIGHT_READ_TIMEOUT_SECONDS", "1" + "0" * 400, "604800"),
        ("INSIGHT_MAX_JSON_DEPTH", "5000", "500"),  # the JSON reader stops near 1,000
    ],
)
def test_a_limit_set_beyond_what_the_readers_honour_is_refused(
    snapshot: Path, monkeypatch, variable: str, value: str, most: str
) -> None:
    """Each was accepted, then a traceback (an overflow) or a false message ("nested
    deeper than 5000 levels" of a file 990 deep)."""
    monkeypatch.setenv(variable, value)
    assert_refused(run_cli("validate", snapshot), variable, f"at most {most}")
    monkeypatch.setenv(variable, most)
    assert run_cli("validate", snapshot).returncode == 0


def test_a_policy_file_is_read_within_bounds(snapshot: Path, tmp_path: Path) -> None:
    """`--policy /dev/zero` grew until memory ran out, a named pipe was waited on for
    ever, and a deeply nested file gave a line naming neither the file nor the cause."""
    pipe = tmp_path / "policy.fifo"
    os.mkfifo(pipe)
    deep = tmp_path / "deep.toml"
    deep.write_text("x = " + "[" * 100_000, encoding="utf-8")
    for policy, words in (
        ("/dev/zero", ("/dev/zero", "not a regular file")),
        (pipe, ("policy.fifo", "not a regular file")),
        (deep, ("deep.toml", "nested too deeply")),
    ):
        assert_refused(cli("check", snapshot, "--policy", policy), *words)
    big = tmp_path / "big.toml"
    big.write_text("#" * (1024 * 1024 + 1), encoding="utf-8")
    assert_refused(run_cli("check", snapshot, "--policy", big), "big.toml", "larger than")


def test_fields_nested_in_a_parquet_column_count_toward_the_column_limit(
    snapshot: Path, tmp_path: Path, monkeypatch
) -> None:
    """Only top-level columns were counted: one struct of 300,000 fields passed, and
    took 3.3 GB and 15 s to load."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    wide = pa.struct([pa.field(f"f{i}", pa.string()) for i in range(50)])
    table = pa.table({"group": ["a"], "detail": pa.array([None], type=wide)})
    written = tmp_path / "nested.parquet"
    pq.write_table(table, written)
    replace_file(snapshot, "deidentified/nested.parquet", written.read_bytes())
    monkeypatch.setenv("INSIGHT_MAX_COLUMNS", "50")
    assert_refused(run_cli("validate", snapshot), "nested.parquet", "51 columns and nested")
    monkeypatch.setenv("INSIGHT_MAX_COLUMNS", "51")  # the group and the struct's 50 fields
    assert run_cli("validate", snapshot).returncode in (0, 1)
    # a list column is one field, though Parquet writes it in three levels
    lists = pa.table({f"l{i}": pa.array([[1]], type=pa.list_(pa.int64())) for i in range(51)})
    pq.write_table(lists, written)
    replace_file(snapshot, "deidentified/nested.parquet", written.read_bytes())
    assert run_cli("validate", snapshot).returncode in (0, 1)


def test_a_listed_file_far_larger_than_it_looks_is_refused_by_the_read_timeout(
    snapshot: Path,
) -> None:
    """A table whose sparse tail holds gibibytes of zeros: copying it (to check it
    against the manifest) stops at the read timeout instead of filling the disk."""
    with (snapshot / "users.csv").open("r+b") as handle:
        handle.truncate(8 << 30)  # gibibytes of zeros after the real rows
    done = subprocess.run(
        [*CLI, "validate", str(snapshot)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT), "INSIGHT_READ_TIMEOUT_SECONDS": "1"},
        preexec_fn=_bounded_memory,
        check=False,
    )
    assert_refused(done, "users.csv", "reading took longer than 1 s")


def test_a_parquet_file_holding_more_rows_than_listed_is_refused_from_its_footer(
    tmp_path: Path,
) -> None:
    """Two million rows in a few kilobytes of Parquet, listed as none: refused by the
    row count its footer gives, before any column is read or typed (this file lacks
    the table's columns, which typing would have refused it for first)."""
    import duckdb

    snapshot = build_snapshot(tmp_path / "snap", fmt="parquet")
    events = snapshot / "usage_events.parquet"
    events.unlink()
    duckdb.execute(f"COPY (SELECT 1 AS x FROM range(2000000)) TO '{events}' (FORMAT parquet)")
    assert events.stat().st_size < 100_000
    manifest = json.loads((snapshot / "manifest.json").read_text(encoding="utf-8"))
    entry = manifest["tables"]["usage_events"]
    entry["sha256"] = hashlib.sha256(events.read_bytes()).hexdigest()  # rows left at 0
    (snapshot / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    done = run_cli("validate", snapshot)
    assert_refused(done, "usage_events.parquet has 2000000 rows, the manifest expects 0")


def _setting_readers(path: Path) -> dict[str, Any]:
    """Each reader of a file a setting names, called on `path`."""
    from insight_workbench.analyst.pseudonyms import KEY_FILE_VARIABLE, load_pseudonym_key
    from insight_workbench.dashboard.roles import load_roles
    from insight_workbench.policy import load_policy
    from insight_workbench.reports.signing import load_private_key, load_public_key

    return {
        "pseudonym key": lambda: load_pseudonym_key({KEY_FILE_VARIABLE: str(path)}),
        "signing key": lambda: load_private_key(path),
        "public key": lambda: load_public_key(path),
        "roles file": lambda: load_roles(path),
        "policy file": lambda: load_policy(path),
    }


READERS = ["pseudonym key", "signing key", "public key", "roles file", "policy file"]


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("kind", ["fifo", "device", "huge"])
def test_a_file_a_setting_names_is_read_within_bounds(
    tmp_path: Path, reader: str, kind: str
) -> None:
    """A named pipe (never waited on), a device (never read without end) and a sparse
    gibibyte (never read whole) are each refused at once, naming the file."""
    path = Path("/dev/zero") if kind == "device" else tmp_path / "setting"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "huge":
        with path.open("wb") as handle:
            handle.truncate(1 << 30)
    expected = "larger than" if kind == "huge" else "not a regular file"
    with pytest.raises(InputError, match=expected):
        _setting_readers(path)[reader]()


def test_the_app_s_policy_digest_never_reads_an_oversized_file(tmp_path: Path) -> None:
    """The app names its cached results by the policy file's digest: a sparse gibibyte
    is refused before it is read, in a process with far less memory than that."""
    big = tmp_path / "policy.toml"
    with big.open("wb") as handle:
        handle.truncate(1 << 30)
    probe = (
        "from insight_workbench.dashboard.session import policy_from_env\n"
        "from insight_workbench.errors import InputError\n"
        "try:\n    policy_from_env()\nexcept InputError as error:\n    print(error)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT), "INSIGHT_POLICY": str(big)},
        preexec_fn=_little_memory,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "larger than" in done.stdout


def test_a_listed_file_larger_than_the_disk_has_room_for_is_refused_before_copying(
    tmp_path: Path,
) -> None:
    # A manifest of its own: a workspace built from the same one (another test's) would
    # have the file hashed where it lies instead, bounded by the read timeout alone.
    snapshot = build_snapshot(
        tmp_path / "snap", {"users": [USER]}, exported_at="2026-11-28T02:00:07Z"
    )
    with (snapshot / "users.csv").open("r+b") as handle:
        handle.truncate(8 << 40)  # 8 TiB after the real rows (ext4 allows 16 TiB files)
    assert_refused(cli("validate", snapshot), "users.csv", "bytes free")
