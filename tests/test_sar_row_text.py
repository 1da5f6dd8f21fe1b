"""The pack's files, written by DuckDB row by row, are byte for byte what the Python
writers make of the same rows: `json.dumps(..., indent=2, ensure_ascii=False)` and
`csvsafe.csv_bytes` (spreadsheet-safe cells)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import duckdb
import pytest
from sar_people import GONE, JANE, JOHN, SMYTH

from insight_workbench.csvsafe import csv_bytes, plain
from insight_workbench.loading.raw_tables import quote_ident
from insight_workbench.loading.schema import PERSONAL_DATA_TABLES, TABLES
from insight_workbench.loading.snapshot import Snapshot
from insight_workbench.subject_requests.pack import PACK_TABLES, PackTable, build_pack
from insight_workbench.subject_requests.pack_files import table_files
from insight_workbench.subject_requests.row_text import finish_csv_lines, row_sql

TEXTS = [
    "",
    "plain words",
    "U0000017",
    "9 lives",
    "a,b",
    'say "hi"',
    "line\nbreak",
    "carriage\rreturn",
    "tab\tinside",
    "\tleading tab",
    "\x01control",
    "nul\x00inside",
    "\x1fus \x08bs \x0cff",
    "back\\slash",
    "=1+2",
    "+44 20",
    "-2",
    "@SUM(A1)",
    "|pipe",
    "  =after spaces",
    "\u200b=after a zero-width space",
    "\uff1dfull-width equals",
    "Zo\u00eb \u00c9mile",
    "emoji \U0001f600",
    "line\u2028separator",
    "'quoted",
    "del\x7f",
    "Mozilla/5.0 (X11; Linux x86_64)",
    None,
]
INSTANTS = [
    datetime(2025, 11, 28, 2, 0, tzinfo=UTC),
    datetime(2025, 11, 28, 2, 0, 0, 120000, tzinfo=UTC),
    datetime(2025, 11, 28, 2, 0, 0, 1, tzinfo=UTC),
    datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=UTC),
    datetime(1000, 1, 1, tzinfo=UTC),
    datetime(999, 12, 31, 23, 59, 59, tzinfo=UTC),  # a year Python writes unpadded
    datetime(2, 1, 1, 0, 0, 0, 5, tzinfo=UTC),
    datetime(9998, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    None,
]
DAYS = [date(2024, 2, 29), date(1000, 1, 1), date(999, 12, 31), date(2, 1, 1), None]
FLAGS = [True, False, None]
# Column names are written too: JSON keys and the CSV header (neutralised like cells).
COLUMNS = ("text", 'say "col"', "=formula", "ts", "day", "flag")
TYPES = ("VARCHAR", "VARCHAR", "VARCHAR", "TIMESTAMP WITH TIME ZONE", "DATE", "BOOLEAN")


def _rows() -> list[tuple[Any, ...]]:
    count = max(len(TEXTS), len(INSTANTS), len(DAYS), len(FLAGS))
    return [
        (
            TEXTS[i % len(TEXTS)],
            TEXTS[(i * 7 + 3) % len(TEXTS)],
            None,
            INSTANTS[i % len(INSTANTS)],
            DAYS[i % len(DAYS)],
            FLAGS[i % len(FLAGS)],
        )
        for i in range(count)
    ]


def _reference(columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> tuple[bytes, bytes]:
    """The files as the Python writers make them from the values as loaded."""
    records = [{c: plain(v) for c, v in zip(columns, row, strict=True)} for row in rows]
    json_file = (json.dumps(records, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    return json_file, csv_bytes(columns, [tuple(r.values()) for r in records])


def _written(con: duckdb.DuckDBPyConnection, sql: str) -> PackTable:
    json_object, csv_line = row_sql(COLUMNS, TYPES)
    found = con.execute(f"SELECT {json_object}, {csv_line} FROM ({sql})").fetchall()
    json_objects = tuple(r[0] for r in found)
    csv_lines = finish_csv_lines(json_objects, [r[1] for r in found])
    return PackTable("t", COLUMNS, TYPES, json_objects, csv_lines)


@pytest.mark.parametrize("zone", ["UTC", "America/St_Johns"])  # the session's zone is moot
def test_rows_written_in_sql_equal_the_python_writers(zone: str) -> None:
    con = duckdb.connect()
    con.execute(f"SET TimeZone = '{zone}'")
    columns = ", ".join(f"{quote_ident(c)} {t}" for c, t in zip(COLUMNS, TYPES, strict=True))
    con.execute(f"CREATE TABLE t (n INTEGER, {columns})")
    rows = _rows()
    con.executemany(
        f"INSERT INTO t VALUES ({', '.join('?' * (len(COLUMNS) + 1))})",
        [(n, *row) for n, row in enumerate(rows)],
    )
    listed = ", ".join(quote_ident(c) for c in COLUMNS)
    table = _written(con, f"SELECT {listed} FROM t ORDER BY n")
    assert table.row_count == len(rows)
    assert table_files(table) == _reference(COLUMNS, rows)
    empty = _written(con, f"SELECT {listed} FROM t WHERE false")
    assert table_files(empty) == _reference(COLUMNS, [])


def test_a_column_type_the_loader_never_makes_is_refused() -> None:
    with pytest.raises(AssertionError, match="amount"):
        row_sql(("amount",), ("DECIMAL(18,3)",))


@pytest.mark.parametrize("person", [JANE, JOHN, SMYTH, GONE])
def test_pack_files_equal_the_python_writers_on_the_held_rows(
    people: Snapshot, person: str
) -> None:
    pack = build_pack(people, user_id=person)
    cursor = people.cursor()
    try:
        for name in PACK_TABLES:
            if name not in PERSONAL_DATA_TABLES:
                continue  # requests are matched by email too: test_sar_pack covers them
            order = ", ".join(quote_ident(c) for c in TABLES[name].row_order)
            user = quote_ident(PERSONAL_DATA_TABLES[name])
            result = cursor.execute(
                f"SELECT * FROM {quote_ident(name)} WHERE {user} = ? ORDER BY {order}", [person]
            )
            columns = tuple(d[0] for d in result.description or ())
            assert table_files(pack.tables[name]) == _reference(columns, result.fetchall())
    finally:
        cursor.close()
