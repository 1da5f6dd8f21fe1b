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
from insight_workbench.loading.readers import (
    _read_csv_with_python,
    count_records,
    python_records,
    read_file,
    read_header,
)


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
    slow.rejects = _read_csv_with_python(con, path, slow, 5)
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
