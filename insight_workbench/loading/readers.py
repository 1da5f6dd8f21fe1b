"""Reading export files into untyped DuckDB relations, record by record.

Every file becomes a relation of `_row` (the 1-based record index) and one VARCHAR
column per kept file column, named by position, plus a list of the records that could
not be read at all (`raw_tables`). The relation is temporary (it belongs to the
connection, is never written to the database file and needs no commit to disk): only
the typed table is kept. A CSV file is read by `csv_reading` (and `csv_records`), a
Parquet file by `parquet_reading`; one DuckDB fails to read is read again carefully
(`read_file`'s `careful`): the columns DuckDB cannot read come from pyarrow
(`parquet_repair`). Typing happens afterwards, in `coercion.py`.

The loader and the record counter ask for no `_row` column (`numbered=False`): a
CSV file DuckDB reads whole is then left as the table of its records, without
the view naming its record index, which the query that reads it computes
(`RawTable.row`).
"""

from __future__ import annotations

import shutil
import tempfile
from functools import cache
from pathlib import Path

import duckdb

from insight_workbench.errors import InputError, resource_problem
from insight_workbench.loading.csv_reading import read_csv
from insight_workbench.loading.csv_records import UNTERMINATED
from insight_workbench.loading.parquet_reading import read_parquet
from insight_workbench.loading.parquet_repair import CannotRepair
from insight_workbench.loading.raw_tables import RawTable, quote_ident, shown


def read_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    table: str,
    label: str | None = None,
    *,
    relation_if_empty: bool = True,
    numbered: bool = True,
    careful: bool = False,
) -> RawTable:
    """Read one CSV or Parquet export into the untyped relation `table`; messages name
    the file `label` (default: its name). With `relation_if_empty` false, a CSV file of
    a header alone makes no relation (`RawTable.header_only`): a caller that has nothing
    to do with no records is spared the statements. With `numbered` false, the relation
    may lack the column `_row`: its queries read the record index as `RawTable.row`.

    `careful` is for a Parquet file that DuckDB failed to read: the columns it cannot
    read are read with pyarrow (text that is not UTF-8 leaving its record out, in
    `rejects`; a timestamp too far off for DuckDB becoming its text), the others by
    DuckDB, into a temporary table. `CannotRepair` when that cannot be done."""
    if path.suffix == ".parquet":
        return read_parquet(con, path, table, label or path.name, careful)
    return read_csv(con, path, table, label or path.name, relation_if_empty, numbered)


def count_records(path: Path, label: str | None = None, *, whole: bool = False) -> int:
    """The number of data records of an export file, read exactly as the loader reads it,
    on a cursor of this process's counting database. Messages name the file `label`
    (default: its name; a dataset's is `deidentified/<name>.csv`, not to be taken for a
    table's file). DuckDB reads `*`, `?` and `[` in a path as a glob: a path holding one
    is read through a copy with a plain name. `whole` (for a manifest, which vouches for
    the count) refuses a CSV file with a quoted field never closed: it swallows the rest
    of the file into one record, so its records cannot be counted."""
    label = label or path.name
    if set("*?[]{}") & set(str(path)):
        with tempfile.TemporaryDirectory(prefix="insight-count-") as folder:
            plain = Path(folder) / f"file{path.suffix}"
            shutil.copyfile(path, plain)
            return _count_records(plain, label, whole)
    return _count_records(path, label, whole)


@cache
def _counting_database() -> duckdb.DuckDBPyConnection:
    """An in-memory database for counting records, opened once: opening one costs more
    than counting a small file. Each count uses a cursor of its own (its temporary
    relations go with it when it closes), so threads may count at the same time."""
    return duckdb.connect(config={"preserve_insertion_order": True})


def _count_records(path: Path, label: str, whole: bool) -> int:
    cursor = _counting_database().cursor()
    try:
        raw = read_file(cursor, path, "_counted", label, relation_if_empty=False, numbered=False)
        unclosed = next((r for r in raw.rejects if r.reason == UNTERMINATED), None)
        if whole and unclosed is not None:
            raise InputError(
                f"{shown(label)}: a quoted field opened on line {unclosed.line} (record "
                f"{unclosed.row}) is never closed, so the rest of the file reads as one "
                "record; its records cannot be counted (close the quote and export again)"
            )
        return raw.records(cursor)
    except duckdb.Error as error:
        if path.suffix != ".parquet" or resource_problem(error):
            raise InputError(f"{shown(label)}: the file could not be read") from None
    finally:
        cursor.close()
    cursor = _counting_database().cursor()  # a fresh one: the first holds the failed view
    try:  # as the loader reads it after a failure (`read_file`'s `careful`)
        raw = read_file(cursor, path, "_counted", label, numbered=False, careful=True)
        return raw.records(cursor)
    except (duckdb.Error, CannotRepair):
        raise InputError(f"{shown(label)}: the file could not be read") from None
    finally:
        cursor.close()


def drop_raw(con: duckdb.DuckDBPyConnection, raw: RawTable) -> None:
    """Drop an untyped relation (a view or a table) and the file table under it."""
    if raw.header_only:
        return
    kind = "VIEW" if raw.is_view else "TABLE"
    con.execute(f"DROP {kind} IF EXISTS {quote_ident(raw.table)}")
    if raw.file_table:
        con.execute(f"DROP TABLE IF EXISTS {quote_ident(raw.file_table)}")
