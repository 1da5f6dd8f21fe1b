"""Reading again, with pyarrow, the columns of a Parquet file that DuckDB cannot read.

A Parquet file DuckDB fails to read is read again carefully (`read_file`'s `careful`):
the kept columns DuckDB cannot read alone come from pyarrow, in batches, the others
still from DuckDB. Text that is not UTF-8 leaves its record out, as a structural
reject naming the column; a timestamp in seconds or milliseconds too far off for
DuckDB's microseconds becomes its text, written as DuckDB writes any other.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from insight_workbench.loading.parquet_types import parquet_text
from insight_workbench.loading.raw_tables import ROW, StructuralReject, quote_ident

# The careful Parquet reading holds a batch's values as Python objects when one is not
# UTF-8: fewer rows at a time keep that within memory however long the values are.
CAREFUL_BATCH_ROWS = 4_096


class CannotRepair(Exception):
    """A Parquet file that DuckDB cannot read is not one the careful reading reads: a
    column that does not read alone is not text or a timestamp in seconds or
    milliseconds (those it reads with pyarrow), or pyarrow cannot read it either."""


# Parquet timestamps whose values DuckDB turns into microseconds, refusing the file when
# one does not fit: microseconds per unit.
TO_MICROSECONDS = {"s": 1_000_000, "ms": 1_000}
INFINITY = 2**63 - 1  # DuckDB reads this value (or its negation) as (-)infinity


def read_parquet_columns(
    con: duckdb.DuckDBPyConnection, path: Path, table: str, columns: dict[str, tuple[str, str]]
) -> list[StructuralReject]:
    """Read `columns` (name -> the name written in the file, the identifier to give it)
    of a Parquet file with pyarrow, in batches, into the temporary table `table` of their
    text and `_row`. Text is checked to be UTF-8: a record with text that is not is left
    out and returned, naming the column. A timestamp that DuckDB cannot hold in
    microseconds is written out (in DuckDB's form, its year of more than four digits
    failing the ISO 8601 check) as DuckDB writes any other."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    idents = [ident for _, ident in columns.values()]
    con.execute(
        f"CREATE TEMP TABLE {quote_ident(table)} "
        f"({ROW} BIGINT, {', '.join(f'{ident} VARCHAR' for ident in idents)})"
    )
    rejects: list[StructuralReject] = []
    try:
        parquet = pq.ParquetFile(path)
        batches = parquet.iter_batches(CAREFUL_BATCH_ROWS, columns=[w for w, _ in columns.values()])
        first = 1
        for batch in batches:
            count = batch.num_rows
            arrays = {ROW: pa.array(range(first, first + count), pa.int64())}
            selected, bad = [], [False] * count
            for name, (_, ident), values in zip(
                columns, columns.values(), batch.columns, strict=True
            ):
                if pa.types.is_dictionary(values.type):
                    values = values.dictionary_decode()
                if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
                    arrays[ident], wrong = _utf8_text(values)
                    for index in wrong:
                        if not bad[index]:
                            rejects.append(StructuralReject(first + index, UTF8, name))
                        bad[index] = True
                    selected.append(ident)
                elif pa.types.is_timestamp(values.type) and values.type.unit in TO_MICROSECONDS:
                    arrays[ident], arrays[ident + "_o"] = _microseconds(values)
                    zoned = values.type.tz is not None
                    kind = "TIMESTAMP WITH TIME ZONE" if zoned else "TIMESTAMP"
                    selected.append(f"coalesce({ident}_o, {parquet_text(ident, kind)})")
                else:
                    raise CannotRepair
            incoming = pa.table(arrays)
            if any(bad):
                incoming = incoming.filter(pa.array([not b for b in bad]))
            con.register("_incoming", incoming)
            try:
                con.execute(
                    f"INSERT INTO {quote_ident(table)} SELECT {ROW}, {', '.join(selected)} "
                    "FROM _incoming"
                )
            finally:
                con.unregister("_incoming")
            first += count
    except pa.ArrowMemoryError:  # memory ran out: not the file's fault
        raise MemoryError from None
    except (pa.ArrowException, OSError, ValueError):  # pyarrow cannot read it either
        raise CannotRepair from None
    rejects.sort(key=lambda reject: reject.row)
    return rejects


UTF8 = "not valid UTF-8"


def _utf8_text(values: Any) -> tuple[Any, list[int]]:
    """A pyarrow text array with its values that are not UTF-8 made NULL, and where they
    were (pyarrow reads Parquet text without checking it)."""
    import pyarrow as pa

    try:
        values.validate(full=True)
        return values, []
    except pa.ArrowInvalid:
        pass
    texts: list[str | None] = []
    wrong = []
    binary = pa.large_binary() if pa.types.is_large_string(values.type) else pa.binary()
    for index, value in enumerate(values.view(binary).to_pylist()):
        try:
            texts.append(None if value is None else value.decode("utf-8"))
        except UnicodeDecodeError:
            texts.append(None)
            wrong.append(index)
    return pa.array(texts, pa.large_string()), wrong


def _microseconds(values: Any) -> tuple[Any, Any]:
    """A pyarrow timestamp array in seconds or milliseconds as microseconds (DuckDB's
    unit), with the values that do not fit NULL; and their text, NULL elsewhere."""
    import pyarrow as pa
    import pyarrow.compute as pc

    scale = TO_MICROSECONDS[values.type.unit]
    counts = values.cast(pa.int64())
    infinite = pc.is_in(counts, pa.array([INFINITY, -INFINITY], pa.int64()))
    most = INFINITY // scale
    outside = pc.and_not(pc.or_(pc.greater(counts, most), pc.less(counts, -most)), infinite)
    kept = pc.if_else(outside, pa.scalar(None, pa.int64()), counts)
    micro = pc.if_else(infinite, counts, pc.multiply(kept, scale))
    zone = values.type.tz
    texts = (
        [
            _timestamp_text(count, values.type.unit, zone is not None) if out else None
            for count, out in zip(counts.to_pylist(), outside.to_pylist(), strict=True)
        ]
        if pc.any(outside).as_py()
        else [None] * len(values)
    )
    return micro.cast(pa.timestamp("us", zone)), pa.array(texts, pa.string())


def _timestamp_text(count: int, unit: str, zoned: bool) -> str:
    """The text DuckDB would give a timestamp of `count` `unit`s since 1970 (a wider
    one than it holds), as `parquet_text` writes it: ISO 8601 but for a year of more
    than four digits, `(BC)` after the date before year 1, `Z` for an instant."""
    per_second = 1_000_000 // TO_MICROSECONDS[unit]
    seconds, part = divmod(count, per_second)
    days, second = divmod(seconds, 86_400)
    year, month, day = _civil_date(days)
    date = (
        f"{year:04d}-{month:02d}-{day:02d}"
        if year > 0
        else f"{1 - year:04d}-{month:02d}-{day:02d} (BC)"
    )
    clock = f"{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}"
    if part:
        clock += "." + f"{part:0{len(str(per_second)) - 1}d}".rstrip("0")
    return f"{date} {clock}".replace(" ", "T") + ("Z" if zoned else "")


def _civil_date(days: int) -> tuple[int, int, int]:
    """(year, month, day) of the proleptic Gregorian calendar `days` after 1970-01-01,
    for any number of days (year 0 is 1 BC)."""
    shifted = days + 719_468  # days since 0000-03-01
    era, day_of_era = divmod(shifted, 146_097)
    year_of_era = (
        day_of_era - day_of_era // 1460 + day_of_era // 36_524 - day_of_era // 146_096
    ) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    shifted_month = (5 * day_of_year + 2) // 153  # from March
    day = day_of_year - (153 * shifted_month + 2) // 5 + 1
    month = shifted_month + 3 if shifted_month < 10 else shifted_month - 9
    return year_of_era + era * 400 + (month <= 2), month, day
