"""Reading export files as text: the header, the DuckDB fast path, the record-by-record
fallback, and the record index (`_row`) both give."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from insight_workbench.errors import InputError
from insight_workbench.loading.csv_reading import read_header
from insight_workbench.loading.csv_records import python_records, read_csv_with_python
from insight_workbench.loading.parquet_repair import CannotRepair, _timestamp_text
from insight_workbench.loading.raw_tables import StructuralReject
from insight_workbench.loading.readers import count_records, read_file


def connect() -> duckdb.DuckDBPyConnection:
    return duckdb.connect(config={"preserve_insertion_order": True})


def rows(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple]:
    return con.execute(f'SELECT * FROM "{table}" ORDER BY _row').fetchall()


def kind(con: duckdb.DuckDBPyConnection, table: str) -> str:
    found = con.execute(
        "SELECT table_type FROM information_schema.tables WHERE table_name = ?", [table]
    ).fetchone()
    assert found is not None
    return str(found[0])


@pytest.mark.parametrize(
    ("content", "names"),
    [
        (b"a,b\n", ["a", "b"]),
        (b"\xef\xbb\xbfa,b\r\n1,2\r\n", ["a", "b"]),
        (b' a ,"b c", d\n', ["a", "b c", "d"]),
        (b"a,b,\n1,2,\n", ["a", "b"]),  # a trailing comma, as DuckDB reads records
        (b'"multi\nline",x\n', ["multi\nline", "x"]),
    ],
)
def test_header_names_are_trimmed(tmp_path: Path, content: bytes, names: list[str]) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(content)
    assert read_header(path) == names


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "t.csv: the file is empty"),
        (b"\xef\xbb\xbf", "t.csv: the file is empty"),
        (b"\nid,name\n1,x\n", "t.csv: the first line is empty"),
        (b" , \n1,2\n", "t.csv: the first line is empty"),
        (b"a,,b\n", "t.csv: header column 2 has no name"),
        (b"a,b,a\n", "t.csv: header columns 1 and 3 have the same name"),
        (b"email,EMAIL\n", "t.csv: header columns 1 and 2 have the same name"),
        (b"a\xff,b\n", "t.csv: a header column's name is not valid UTF-8"),
        (b'"a,b\n', "t.csv: the header row is not valid CSV"),
        (b"a;b;c\n1;2;3\n", "t.csv: the header row has a single column"),
        (b"a\tb\n", "t.csv: the header row has a single column"),
    ],
)
def test_unusable_headers_are_refused(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(content)
    with pytest.raises(InputError) as raised:
        read_header(path)
    assert str(raised.value).startswith(message)


def test_python_records_match_duckdb_conventions(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b'a,b\n1,2\n\n"x\ny",\n3,4,,\n5\n6,"7"z\n8,\xff\n9,10\n')
    assert list(python_records(path, 2)) == [
        (1, ["1", "2"], None),
        (2, ["x\ny", ""], None),  # a blank line is not a record
        (3, ["3", "4"], None),  # trailing empty fields are dropped
        (4, None, "has 1 fields, the header has 2"),
        (5, None, "text after a closing quote"),
        (6, None, "not valid UTF-8"),
        (7, ["9", "10"], None),
    ]


def test_blank_line_is_a_null_record_of_a_single_column_file(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"a\n1\n\n2\n")
    con = connect()
    raw = read_file(con, path, "raw")
    assert rows(con, "raw") == [(1, "1"), (2, None), (3, "2")]
    assert [record for _, record, _ in python_records(path, 1)] == [["1"], [""], ["2"]]
    assert raw.rejects == []


CLEAN = (
    "\ufeffid,text,empty,\u00e9t\u00e9,credential_token\r\n"
    '1,"plain",,"caf\u00e9 \u2603",t1\r\n'
    '2,"with, comma and ""quotes""","",x,t2\r\n'
    '3,"line\r\nbreak and\nnewline",,y,t3\r\n'
    "\r\n"
    "4,  spaced  ,,z,t4,,\r\n"
    '5,"",,"",t5\r\n'
)


def test_fast_path_and_fallback_read_clean_files_identically(tmp_path: Path) -> None:
    path = tmp_path / "clean.csv"
    path.write_bytes(CLEAN.encode("utf-8"))
    con = connect()
    fast = read_file(con, path, "fast")
    assert kind(con, "fast") == "VIEW"  # DuckDB read it: no fallback
    slow = read_file(con, path, "unused")
    slow.table = "slow"
    slow.rejects = read_csv_with_python(con, path, slow, 5)
    assert kind(con, "slow") == "LOCAL TEMPORARY"  # never written to a database file
    assert fast.columns == slow.columns == ["id", "text", "empty", "\u00e9t\u00e9"]
    assert fast.credential_columns == ["credential_token"]
    assert fast.rejects == slow.rejects == []
    assert rows(con, "fast") == rows(con, "slow")
    assert rows(con, "fast") == [
        (1, "1", "plain", None, "caf\u00e9 \u2603"),
        (2, "2", 'with, comma and "quotes"', None, "x"),
        (3, "3", "line\r\nbreak and\nnewline", None, "y"),
        (4, "4", "  spaced  ", None, "z"),
        (5, "5", None, None, None),
    ]


def test_a_broken_record_sends_the_file_to_the_fallback(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"a,b\n1,2\n3\n4,5\n")
    con = connect()
    raw = read_file(con, path, "raw")
    assert kind(con, "raw") == "LOCAL TEMPORARY"
    assert [(r.row, r.reason) for r in raw.rejects] == [(2, "has 1 fields, the header has 2")]
    assert rows(con, "raw") == [(1, "1", "2"), (3, "4", "5")]
    assert raw.records(con) == 3 == count_records(path)


@pytest.mark.parametrize("content", [b"a,b\n", b"a,b", b"\xef\xbb\xbfa,b\r\n", b'"x\ny",b\n'])
def test_a_header_alone_needs_no_relation_when_none_is_asked(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(content)
    con = connect()
    raw = read_file(con, path, "raw", relation_if_empty=False)
    assert raw.header_only
    assert raw.records(con) == 0 == count_records(path)
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone() == (0,)
    read = read_file(con, path, "read")  # the relation the loader would otherwise read
    assert not read.header_only
    assert rows(con, "read") == []


@pytest.mark.parametrize("content", [b"a,b\n\n", b"a\n\n", b"a,b\n1,2\n"])
def test_anything_after_the_header_is_read(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(content)
    con = connect()
    raw = read_file(con, path, "raw", relation_if_empty=False)
    assert not raw.header_only
    assert raw.records(con) == len(rows(con, "raw")) == count_records(path)


@pytest.mark.parametrize(
    "name", [b'"a\r\nb"', b'"a\rb"', b'"a\nb"', b'"b\r"', b'"\rb"', b'"b\r\n"', b'"b\n"']
)
@pytest.mark.parametrize("line_end", [b"\n", b"\r\n"])
def test_a_header_name_holding_a_line_break_loses_no_record(
    tmp_path: Path, name: bytes, line_end: bytes
) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(line_end.join([b"x," + name, b"1,2", b'3,"4\n5"', b""]))
    con = connect()
    raw = read_file(con, path, "raw")
    assert raw.columns == ["x", name.strip(b'"').decode().strip()]
    assert rows(con, "raw") == [(1, "1", "2"), (2, "3", "4\n5")]
    assert raw.rejects == []
    assert count_records(path) == 2


def test_file_column_names_never_become_identifiers(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b'rowid,_row,"we""ird",c0\nA,B,C,D\n')
    con = connect()
    raw = read_file(con, path, "raw")
    assert raw.columns == ["rowid", "_row", 'we"ird', "c0"]
    assert rows(con, "raw") == [(1, "A", "B", "C", "D")]
    assert raw.ident('we"ird') == "c2"


def test_record_index_follows_the_file_on_a_large_parallel_read(tmp_path: Path) -> None:
    """The fast path numbers records by rowid: true only if DuckDB's parallel CSV scan
    inserts in file order. Checked on 2M records with several threads."""
    path = tmp_path / "big.csv"
    records = 2_000_000
    writer = duckdb.connect()
    writer.execute(
        f"COPY (SELECT i + 1 AS id, repeat('x', (i % 50)::INTEGER) AS pad, "
        f"CASE WHEN i % 7 = 0 THEN 'a \"quoted\", text' END AS q FROM range({records}) t(i)) "
        f"TO '{path}' (FORMAT csv, HEADER true)"
    )
    writer.close()
    con = connect()
    con.execute("SET threads = 4")
    raw = read_file(con, path, "raw")
    assert kind(con, "raw") == "VIEW"
    assert raw.rejects == []
    found = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE CAST(c0 AS BIGINT) <> _row) FROM raw"
    ).fetchone()
    assert found == (records, 0)


def test_parquet_rows_are_numbered_by_the_file(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    pq.write_table(
        pa.table({"id": pa.array(range(1, 300_001)), "flag": pa.array([True, False] * 150_000)}),
        path,
        row_group_size=10_000,
    )
    con = connect()
    raw = read_file(con, path, "raw")
    assert raw.parquet_types == {"id": "BIGINT", "flag": "BOOLEAN"}
    found = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE CAST(c0 AS BIGINT) <> _row), "
        "count(DISTINCT c1) FROM raw"
    ).fetchone()
    assert found == (300_000, 0, 2)
    assert count_records(path) == 300_000


def test_parquet_values_duckdb_cannot_read_cost_their_records_alone(tmp_path: Path) -> None:
    """DuckDB refuses a whole Parquet file for one text that is not UTF-8 or one
    timestamp it cannot hold in microseconds. Read carefully, those columns come from
    pyarrow, in batches, joined to the others by record index: the text's record is
    left out, naming the column, the timestamp becomes its text, and the records keep
    the file's order and numbers across batches and row groups."""
    path = tmp_path / "t.parquet"
    records = 250_000
    names = [f"n{i}".encode() for i in range(1, records + 1)]
    for row in (2, 150_001):
        names[row - 1] = b"\xff" + names[row - 1]
    instants = list(range(1, records + 1))
    instants[2] = 9999999999999999  # row 3
    pq.write_table(
        pa.table(
            {
                "id": pa.array(range(1, records + 1)),
                "name": pa.array(names, pa.binary()).view(pa.string()),
                "at": pa.array(instants, pa.timestamp("ms", "UTC")),
                "flag": pa.array([True, False] * (records // 2)),
            }
        ),
        path,
        row_group_size=60_000,
    )
    con = connect()
    read_file(con, path, "fast")
    with pytest.raises(duckdb.Error):
        con.execute("SELECT count(*) FROM fast").fetchall()
    raw = read_file(con, path, "raw", careful=True)
    assert kind(con, "raw") == "LOCAL TEMPORARY"
    assert raw.rejects == [
        StructuralReject(2, "not valid UTF-8", "name"),
        StructuralReject(150_001, "not valid UTF-8", "name"),
    ]
    assert raw.native == {"flag": "bool"}
    found = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE CAST(c0 AS BIGINT) <> _row OR "
        "c1 <> 'n' || _row OR n3 <> (_row % 2 = 1)) FROM raw"
    ).fetchone()
    assert found == (records - 2, 0)
    backwards = con.execute(  # the table is in file order (typing keeps it so)
        "SELECT count(*) FROM (SELECT _row - lag(_row) OVER (ORDER BY rowid) AS step "
        "FROM raw) WHERE step <= 0"
    ).fetchone()
    assert backwards == (0,)
    ats = con.execute("SELECT _row, c2 FROM raw WHERE _row IN (1, 3) ORDER BY _row").fetchall()
    assert ats == [(1, "1970-01-01T00:00:00.001Z"), (3, "318857-05-20T17:46:39.999Z")]
    assert raw.records(con) == records == count_records(path)


def test_careful_reading_of_a_parquet_file_duckdb_reads_whole_repairs_nothing(
    tmp_path: Path,
) -> None:
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"id": [1]}), path)
    with pytest.raises(CannotRepair):
        read_file(connect(), path, "raw", careful=True)


@pytest.mark.parametrize("unit", ["s", "ms"])
def test_a_timestamp_s_text_is_duckdb_s_for_any_count(unit: str) -> None:
    """The text written for a timestamp DuckDB cannot hold is DuckDB's form, checked
    on those it can (BC dates, fractions and the ends of its range among them)."""
    import random

    most = (2**63 - 1) // (1_000_000 if unit == "s" else 1_000)
    draw = random.Random(unit)
    counts = [draw.randint(-most, most) for _ in range(2_000)]
    counts += [-most, most, 0, -1, 1, -62135596800 * 1000 // (1 if unit == "ms" else 1000)]
    con = connect()
    con.register("v", pa.table({"t": pa.array(counts, pa.timestamp(unit, "UTC"))}))
    found = con.execute(
        "SELECT replace(CAST(timezone('UTC', t) AS VARCHAR), ' ', 'T') || 'Z' FROM v"
    ).fetchall()
    assert [text for (text,) in found] == [_timestamp_text(c, unit, True) for c in counts]
    assert _timestamp_text(10**16, "ms", False) == "318857-05-20T17:46:40"


def test_unreadable_parquet_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    path.write_bytes(b"PAR1 not really")
    with pytest.raises(InputError, match=r"^t\.parquet: not a readable Parquet file$"):
        read_file(connect(), path, "raw")


# Short fields of any text but NUL (at most 40 bytes); a CR only where the style quotes it
# (see test_loader_properties), so that every record is read back as written.
_FIELD = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=10
)
_FIELD_NO_CR = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"), max_size=10
)
_STYLES = [("\r\n", csv.QUOTE_MINIMAL, _FIELD), ("\n", csv.QUOTE_ALL, _FIELD)]
_STYLES.append(("\n", csv.QUOTE_MINIMAL, _FIELD_NO_CR))
_STYLES.append(("\n", None, st.text(st.sampled_from('ab",\n '), max_size=10)))


def _loosely(field: str) -> str:
    """A field as exporters write it: quoted only when it must be (a comma, a line break
    or a leading quote), so a quote inside it otherwise stays bare."""
    if any(c in field for c in ",\n\r") or field.startswith('"'):
        return '"' + field.replace('"', '""') + '"'
    return field


@settings(max_examples=300, deadline=None)
@given(data=st.data(), style=st.sampled_from(_STYLES))
def test_a_too_long_field_costs_its_record_alone(data: st.DataObject, style: tuple) -> None:
    """Whatever the record with the too-long field holds (quotes, commas, line breaks),
    the reader resumes at the next record: every other record is read, as written."""
    end, quoting, text = style
    records = data.draw(st.lists(st.lists(text, min_size=3, max_size=3), min_size=1, max_size=6))
    long_at = data.draw(st.integers(0, len(records) - 1))
    column = data.draw(st.integers(0, 2))
    records[long_at][column] = data.draw(text) + "x" * 80 + data.draw(text)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            if quoting is None:  # a quote inside a field left unquoted is text
                lines = [",".join(_loosely(f) for f in fields) for fields in records]
                handle.write(end.join(["a,b,c", *lines]) + end)
            else:
                writer = csv.writer(handle, lineterminator=end, quoting=quoting)
                writer.writerow(["a", "b", "c"])
                writer.writerows(records)
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("INSIGHT_MAX_FIELD_BYTES", "64")
            read = list(python_records(path, 3))
    too_long = (long_at + 1, None, "a field is longer than 64 bytes")
    expected = [(n, fields, None) for n, fields in enumerate(records, 1) if n != long_at + 1]
    assert read == sorted([*expected, too_long])


def test_a_header_name_longer_than_the_field_limit_is_no_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The header is bounded by INSIGHT_MAX_HEADER_BYTES: its names are not fields."""
    monkeypatch.setenv("INSIGHT_MAX_FIELD_BYTES", "16")
    path = tmp_path / "t.csv"
    path.write_text("request_received_at,b\n1,2\n3," + "x" * 17 + "\n", encoding="utf-8")
    assert list(python_records(path, 2)) == [
        (1, ["1", "2"], None),
        (2, None, "a field is longer than 16 bytes"),
    ]
