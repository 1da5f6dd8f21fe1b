"""Typing untyped export relations with their declared schema, quarantining bad rows.

For every declared column, SQL predicates say when a value is bad and one
expression converts a good value. The typed table is built in one pass over
the untyped relation: each row carries the list of its problems (NULL when it
has none). Then rows with problems, later rows repeating a primary key, and
later rows repeating an email address that must be unique, are written to
`rejects` and deleted, and the helper columns are dropped.
Deleting keeps the order of the other rows, so the typed table stays in file
order without a sort. A small table that one query shows to hold no row to
quarantine is typed from its typed columns alone, with none of those steps.
No value is guessed: a timestamp must look like ISO 8601 before DuckDB is
asked to cast it.

A Parquet column already holding its declared type (an instant, a date, a
boolean: `RawTable.native`) is taken as it is. Its text is then needed only for
values near the ends of the supported range, where the checks of the text are
applied unchanged, and for the rows quarantined: the outcome is the same as
reading the text, without rendering and parsing every value.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from insight_workbench.emails import unique_email_sql
from insight_workbench.errors import InputError
from insight_workbench.loading import limits
from insight_workbench.loading.raw_tables import (
    ROW,
    RawTable,
    free_name,
    quote_ident,
    quote_literal,
)
from insight_workbench.loading.schema import SQL_TYPES, Column, Table
from insight_workbench.loading.statements import insert_rows, row_count, transaction

# A later users row whose address equals an earlier one's trimmed and lower-cased.
DUPLICATE_EMAIL = "duplicate email (trimmed, lower-cased)"
REPEATED_KEY = "duplicate primary key"
# An offset is at most 23:59 either way (DuckDB would shift by +25:00 or +01:99).
TIMESTAMP_PATTERN = (
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]([01]\d|2[0-3])(:?[0-5]\d)?)?"
)
DATE_PATTERN = r"\d{4}-\d{2}-\d{2}"
# ISO 8601 forms the format does not take, upper-cased: the basic form, a fraction of an
# hour or minute, a comma before the seconds' fraction, hours alone, a week or ordinal
# date with a time. Their reason says so rather than "not an ISO 8601 timestamp".
_OFFSET = r"(Z|[+-]\d{2}(:?\d{2})?)?"
OTHER_ISO_PATTERN = "|".join(
    f"({form})"
    for form in (
        r"\d{8}T\d{2}(\d{2}(\d{2})?)?([.,]\d+)?" + _OFFSET,
        r"\d{4}-\d{2}-\d{2}[T ]\d{2}(:\d{2})?[.,]\d+" + _OFFSET,
        r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2},\d+" + _OFFSET,
        r"\d{4}-\d{2}-\d{2}T\d{2}" + _OFFSET,
        r"\d{4}-?W\d{2}-?[1-7]T.+",
        r"\d{4}-?\d{3}T.+",
    )
)
OTHER_ISO_FORM = "an ISO 8601 form not taken here (write it as 2026-03-01T09:15:00Z)"
FIRST_YEAR, LAST_YEAR = "0002", "9998"
INSTANT_RANGE = ("TIMESTAMPTZ '0002-01-01 00:00:00+00'", "TIMESTAMPTZ '9999-01-01 00:00:00+00'")
# A typed instant or date inside these bounds certainly passes the checks of its text
# (a year apart from the limits, whatever the calendar arithmetic near year 1).
SURELY_GOOD = {
    "timestamp": ("TIMESTAMPTZ '0003-01-01 00:00:00+00'", "TIMESTAMPTZ '9998-01-01 00:00:00+00'"),
    "date": ("DATE '0003-01-01'", "DATE '9998-01-01'"),
}
# Up to this many rows, one query first asks whether anything needs quarantining.
SMALL_TABLE_ROWS = 10_000
OUT_OF_RANGE = f"year outside the supported range ({FIRST_YEAR[-1]} to {LAST_YEAR})"
TRUE_TEXT = ("true", "1")
FALSE_TEXT = ("false", "0")
INTEGERS = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
)

# Parquet column types that can hold each declared type ("NULL": a column of nulls only).
# Any TIMESTAMP type fits a timestamp: TIMESTAMP, TIMESTAMP_NS, TIMESTAMP WITH TIME ZONE...
PARQUET_TYPES = {
    "timestamp": ("VARCHAR", '"NULL"'),
    "date": ("VARCHAR", '"NULL"', "DATE"),
    "bool": ("VARCHAR", '"NULL"', "BOOLEAN", *INTEGERS),
    "id": ("VARCHAR", '"NULL"', *INTEGERS),
    # A telephone number a dataframe wrote as an integer: exact as text (a float is not).
    "string": ("VARCHAR", '"NULL"', *INTEGERS),
    "enum": ("VARCHAR", '"NULL"'),
}


def parquet_type_fits(declared: str, found: str) -> bool:
    if declared == "timestamp" and found.startswith("TIMESTAMP") and "[" not in found:
        return True
    return found in PARQUET_TYPES[declared]


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(quote_literal(v) for v in values) + ")"


def _instant(v: str) -> str:
    return f"upper(trim({v}))"  # `t` and `z` are as good as `T` and `Z` (RFC 3339)


def converted(column: Column, v: str) -> str:
    """SQL converting the text `v` (NULL when empty) of a good value to the column's type."""
    if column.type == "timestamp":
        return f"TRY_CAST({_instant(v)} AS TIMESTAMPTZ)"
    if column.type == "date":
        return f"TRY_CAST(trim({v}) AS DATE)"
    if column.type == "bool":
        return f"lower(trim({v})) IN {_in(TRUE_TEXT)}"
    return v


def value_check(column: Column, v: str) -> tuple[str, str] | None:
    """(condition, reason) where the condition is true when a non-NULL text cannot be the
    column's type, and the reason is an SQL expression. The shape test is written once so
    that DuckDB evaluates it once per row."""
    if column.type in ("timestamp", "date"):
        if column.type == "timestamp":
            text, pattern, cast = _instant(v), TIMESTAMP_PATTERN, converted(column, v)
            wrong, invalid = "not an ISO 8601 timestamp", "not a valid date and time"
        else:
            text, pattern, cast = f"trim({v})", DATE_PATTERN, converted(column, v)
            wrong, invalid = "not a YYYY-MM-DD date", "not a valid date"
        shaped = f"regexp_full_match({text}, {quote_literal(pattern)})"
        # Years outside 0002..9998 are refused, so that dates months after any value stay
        # within what Python and DuckDB both hold. Mostly by the text (cheaper than
        # comparing instants); a timestamp written in a year at an end is judged by its
        # UTC instant, as a typed Parquet timestamp is (`9998-12-31T23:00-05:00` is in
        # 9999). Year 0000 does not exist: invalid.
        year = f"substr({text}, 1, 4)"
        outside = f"{year} NOT BETWEEN '{FIRST_YEAR}' AND '{LAST_YEAR}'"
        if column.type == "timestamp":
            low, high = INSTANT_RANGE
            outside = (
                f"({year} NOT BETWEEN '0001' AND '9999' OR CASE WHEN {year} IN "
                f"('0001', '0002', '9998', '9999') THEN {cast} < {low} OR {cast} >= {high} "
                "ELSE false END)"
            )
        if column.type == "timestamp":  # a valid ISO 8601 form this format does not take
            other = f"regexp_full_match({text}, {quote_literal(OTHER_ISO_PATTERN)})"
            said = quote_literal(OTHER_ISO_FORM)
            wrong_said = f"CASE WHEN {other} THEN {said} ELSE {quote_literal(wrong)} END"
        else:
            wrong_said = quote_literal(wrong)
        return (
            f"NOT {shaped} OR {outside} OR {cast} IS NULL",
            f"CASE WHEN NOT {shaped} THEN {wrong_said} "
            f"WHEN {year} <> '0000' AND {outside} THEN {quote_literal(OUT_OF_RANGE)} "
            f"ELSE {quote_literal(invalid)} END",
        )
    if column.type == "bool":
        bad = f"lower(trim({v})) NOT IN {_in(TRUE_TEXT + FALSE_TEXT)}"
        return bad, quote_literal("not true/false/1/0")
    if column.type == "enum":
        return f"{v} NOT IN {_in(column.values)}", quote_literal("not one of the allowed values")
    return None


def text(raw: RawTable, name: str) -> str:
    """The text of a file column, with an empty field read as NULL."""
    if name in raw.native:
        return raw.native_text(name)  # never empty
    return f"NULLIF({raw.ident(name)}, '')"


def _native(column: Column, raw: RawTable) -> str | None:
    """The typed form of `column` when the file holds it in the declared type."""
    if raw.native.get(column.name) == column.type:
        return raw.native_ident(column.name)
    return None


def _typed(column: Column, raw: RawTable) -> str:
    """SQL: the value of a present column in its declared type (for a good value)."""
    return _native(column, raw) or converted(column, text(raw, column.name))


def _native_check(column: Column, native: str, text_check: str) -> str | None:
    """The condition of `value_check` for a typed value: the checks of the text, made
    only for a value outside `SURELY_GOOD` (None when no typed value can fail)."""
    if column.type not in SURELY_GOOD:
        return None  # a boolean
    low, high = SURELY_GOOD[column.type]
    return f"({native} < {low} OR {native} >= {high}) AND ({text_check})"


def reject_checks(table: Table, raw: RawTable) -> list[tuple[str, str, str]]:
    """(column, condition, reason) for every way a row of `table` can be bad; the reason is
    an SQL expression."""
    nul = quote_literal("contains a NUL byte")
    return (
        _value_checks(table, raw)
        + [(name, f"contains({raw.ident(name)}, chr(0))", nul) for name in _texts(raw)]
        + _length_checks(raw)
    )


def _length_checks(raw: RawTable) -> list[tuple[str, str, str]]:
    """A Parquet file's text longer than INSIGHT_MAX_FIELD_BYTES, which the CSV reader
    quarantines as it reads. (The value is not kept in `rejects`: see `_value`.)"""
    if not raw.parquet_types:
        return []
    most = limits.max_field_bytes()
    too_long = quote_literal(f"a field is longer than {most} bytes")
    return [(name, f"strlen({raw.ident(name)}) > {most}", too_long) for name in _texts(raw)]


def _texts(raw: RawTable) -> list[str]:
    """The file columns read as text, which may hold a NUL byte (the text of a typed
    value holds none)."""
    return [name for name in raw.columns if name not in raw.native]


def _value_checks(table: Table, raw: RawTable) -> list[tuple[str, str, str]]:
    """The checks of `reject_checks` but those for NUL bytes."""
    checks: list[tuple[str, str, str]] = []
    for column in table.columns:
        if column.name not in raw.positions:
            continue
        v = text(raw, column.name)
        native = _native(column, raw)
        present = native or v
        if column.required:
            checks.append(
                (column.name, f"{present} IS NULL", quote_literal("missing value (required)"))
            )
        if column.required_when:
            other, values = column.required_when
            checks.append(
                (
                    column.name,
                    f"{present} IS NULL AND {text(raw, other)} IN {_in(values)}",
                    quote_literal(f"missing value (required when {other} is {'/'.join(values)})"),
                )
            )
        check = value_check(column, v)
        condition = check[0] if check else None
        if check and native:
            condition = _native_check(column, native, check[0])
        if check and condition:
            checks.append((column.name, f"{present} IS NOT NULL AND ({condition})", check[1]))
        if column.not_before and column.not_before in raw.positions:
            earlier = table.column(column.not_before)
            # Converted from the text even when typed: a value failing its own checks is
            # NULL there, and then is not "before" anything.
            checks.append(
                (
                    column.name,
                    f"{converted(column, v)} < {converted(earlier, text(raw, earlier.name))}",
                    quote_literal(f"before {earlier.name}"),
                )
            )
    return checks


def check_columns(table: Table, raw: RawTable, file: Path) -> None:
    """Refuse a file without a required column, or (Parquet) with a column of the wrong type."""
    if not any(column.name in raw.positions for column in table.columns):
        first = next((c for c in table.columns if _in_another_case(c.name, raw)), None)
        why = (
            "is the header row missing?"
            if first is None
            else f"{_in_another_case(first.name, raw)} from '{first.name}'; column names are "
            "matched exactly"
        )
        raise InputError(
            f"{file.name}: none of the columns of table '{table.name}' is in the header ({why})"
        )
    for column in table.columns:
        if column.name not in raw.positions and not column.optional:
            hint = _in_another_case(column.name, raw)
            raise InputError(
                f"{file.name}: table '{table.name}' has no column '{column.name}'"
                + (f" ({hint}; column names are matched exactly)" if hint else "")
            )
        found = raw.parquet_types.get(column.name)
        if found and not parquet_type_fits(column.type, found):
            raise InputError(
                f"{file.name}: column '{column.name}' of table '{table.name}' has Parquet type "
                f"{found}, expected {column.type}"
            )


def _in_another_case(name: str, raw: RawTable) -> str | None:
    """ "header column 3 differs only in case" when a column of the file is `name` but for
    case (`USER_ID`): named by position, as a header cell is never quoted."""
    word = "column" if raw.parquet_types else "header column"
    at = sorted(p for n, p in raw.positions.items() if n.casefold() == name.casefold())
    return f"{word} {at[0] + 1} differs only in case" if at else None


def _problems(table: Table, raw: RawTable) -> str:
    """SQL: NULL for a good row, else the list of its (column_name, value, reason)."""
    checks = reject_checks(table, raw)
    if not checks:
        return "NULL"
    items = ", ".join(
        f"CASE WHEN {condition} THEN {{'column_name': {quote_literal(column)}, "
        f"'value': {_value(raw, column)}, 'reason': {reason}}} END"
        for column, condition, reason in checks
    )
    any_bad = " OR ".join(f"({condition})" for _, condition, _ in checks)
    return f"CASE WHEN {any_bad} THEN list_filter([{items}], lambda x: x IS NOT NULL) END"


def _value(raw: RawTable, name: str) -> str:
    """SQL: the text of a file column as read, for `rejects` (none when it is over the
    field bound, whatever else is wrong with it)."""
    if name in raw.native:
        return raw.native_text(name)
    if raw.parquet_types:
        ident = raw.ident(name)
        return f"CASE WHEN strlen({ident}) <= {limits.max_field_bytes()} THEN {ident} END"
    return raw.ident(name)


def _typed_columns(table: Table, raw: RawTable) -> list[str]:
    declared = {c.name for c in table.columns}
    selected = [
        f"{_typed(c, raw)} AS {quote_ident(c.name)}"
        if c.name in raw.positions
        else f"CAST(NULL AS {SQL_TYPES[c.type]}) AS {quote_ident(c.name)}"
        for c in table.columns
    ]
    return selected + [
        f"{text(raw, name)} AS {quote_ident(name)}" for name in raw.columns if name not in declared
    ]


def type_table(
    con: duckdb.DuckDBPyConnection, table: Table, raw: RawTable, timezone: str
) -> tuple[int, int]:
    """Create the typed table `table.name` from `raw`; bad rows go to `rejects`. Returns
    the rows read from `raw` and the rows of them quarantined.

    Naive timestamps are read in `timezone`; `con`'s session must be in UTC (as the
    build connection is), which it is left in. Of rows sharing a primary key, the first
    one without other problems loads; the later ones are quarantined."""
    name = quote_ident(table.name)
    row, problems = free_name(ROW, raw.columns), free_name("_problems", raw.columns)
    columns = ", ".join(_typed_columns(table, raw))
    emails = [c.name for c in table.columns if c.unique_email and c.name in raw.positions]
    if timezone != "UTC":  # the session's zone otherwise
        con.execute(f"SET TimeZone = {quote_literal(timezone)}")
    try:
        clean = _surely_clean(con, table, raw, emails)
        if clean:  # the typed columns alone: no helper columns to drop, nothing to delete
            read = row_count(
                con, f"CREATE TABLE {name} AS SELECT {columns} FROM {quote_ident(raw.table)}"
            )
        else:
            read = row_count(
                con,
                f"CREATE TABLE {name} AS SELECT {columns}, {raw.row} AS {row}, "
                f"{_problems(table, raw)} AS {problems} FROM {quote_ident(raw.table)}",
            )
    finally:
        if timezone != "UTC":
            con.execute("SET TimeZone = 'UTC'")
    if clean:
        return read, 0
    # The rest is one transaction. The typed table is committed first: DuckDB writes a
    # table created and then deleted from within one transaction a second time.
    with transaction(con):
        quarantined = _quarantine(con, table, emails, row, problems)
        con.execute(f"ALTER TABLE {name} DROP COLUMN {problems}")
        con.execute(f"ALTER TABLE {name} DROP COLUMN {row}")
    return read, quarantined


def _surely_clean(
    con: duckdb.DuckDBPyConnection, table: Table, raw: RawTable, emails: list[str]
) -> bool:
    """True when `raw` has at most `SMALL_TABLE_ROWS` rows and none of them can be
    quarantined: none has a problem, no key repeats, and no email repeats (trimmed and
    lower-cased). One query over the untyped rows, which on a small table costs far less than
    the statements it spares: the list of each row's problems is not built, and the
    typed table needs no helper columns, deletion or count of rejects. Run in the time
    zone the typing uses (a `not_before` check compares instants)."""
    if raw.rows is not None and raw.rows > SMALL_TABLE_ROWS:
        return False
    checks = [condition for _, condition, _ in _value_checks(table, raw) + _length_checks(raw)]
    texts = [raw.ident(name) for name in _texts(raw)]
    if texts:  # one test for NUL bytes in any column: cheaper to plan than one each
        checks.append(f"contains(concat({', '.join(texts)}), chr(0))")
    bad = " OR ".join(f"({condition})" for condition in checks) or "false"
    selected = [f"{bad} AS bad"]
    tests = [f"count(*) <= {SMALL_TABLE_ROWS}", "count(*) FILTER (WHERE bad) = 0"]
    typed = {c.name: c for c in table.columns if c.name in raw.positions}
    if table.primary_key in typed:
        selected.append(f"{_typed(typed[table.primary_key], raw)} AS k")
        tests.append("count(k) = count(DISTINCT k)")
    for n, column in enumerate(emails):
        selected.append(f"{unique_email_sql(_typed(typed[column], raw))} AS e{n}")
        tests.append(f"count(DISTINCT e{n}) = count(e{n})")
    # Rows past the limit are not read (the row count of a Parquet view is unknown).
    limit = "" if raw.rows is not None else f" LIMIT {SMALL_TABLE_ROWS + 1}"
    found = con.execute(
        f"SELECT {' AND '.join(tests)} FROM (SELECT {', '.join(selected)} "
        f"FROM {quote_ident(raw.table)}{limit})"
    ).fetchone()
    return bool(found and found[0])


def _quarantine(
    con: duckdb.DuckDBPyConnection, table: Table, emails: list[str], row: str, problems: str
) -> int:
    """Write the typed table's bad and repeated rows to `rejects` and delete them; returns
    how many were deleted."""
    name, params = quote_ident(table.name), {"table": table.name}
    con.execute(
        f"INSERT INTO rejects SELECT $table, {row}, p.column_name, p.value, p.reason "
        f"FROM (SELECT {row}, unnest({problems}) AS p FROM {name} "
        f"WHERE {problems} IS NOT NULL)",
        params,
    )
    if emails and table.primary_key:  # users: both unique, claimed in file order
        _reject_repeats_in_file_order(con, table, emails, row, problems)
    elif table.primary_key:
        key = quote_ident(table.primary_key)
        _reject_repeated_keys(
            con, table, name, row, key, f"{problems} IS NULL AND {key} IS NOT NULL"
        )
    return row_count(
        con,
        f"DELETE FROM {name} WHERE {problems} IS NOT NULL OR {row} IN "
        f"(SELECT row_number FROM rejects WHERE table_name = $table)",
        params,
    )


def _reject_repeated_keys(
    con: duckdb.DuckDBPyConnection, table: Table, source: str, row: str, key: str, kept: str
) -> None:
    """Quarantine every row of `source` (where `kept`) whose `key` an earlier such row
    has, in `row` order (one window: cheaper than grouping then ranking, measured on ten
    million keys)."""
    con.execute(
        f"INSERT INTO rejects SELECT $table, r, $key, k, '{REPEATED_KEY}' FROM ("
        f"SELECT {row} AS r, {key} AS k, row_number() OVER (PARTITION BY {key} ORDER BY {row}) "
        f"AS n FROM {source} WHERE {kept}) WHERE n > 1",
        {"table": table.name, "key": table.primary_key},
    )


def _reject_repeats_in_file_order(
    con: duckdb.DuckDBPyConnection, table: Table, emails: list[str], row: str, problems: str
) -> None:
    """A key and addresses that must all be unique (users): the first row in file order
    whose key and addresses no earlier kept row has loads. A row quarantined for its
    address takes no key, and one quarantined for its key no address, so a good row
    after it still loads. Addresses compare trimmed and lower-cased
    (`unique_email_sql`); one of white space only is the empty address, and repeats
    another such (a missing one is NULL, quarantined as required before this).

    Only keys that share an address with another key can interleave: their rows are
    walked in file order, in Python (they are few). Every other key's addresses are its
    own, so its first row loads and the rest repeat its key: one window, as for any
    table, whatever the number of repeated rows (an export written twice)."""
    name, key = quote_ident(table.name), quote_ident(table.primary_key or "")
    written = [quote_ident(c) for c in emails]
    selected = ", ".join(
        f"{column} AS v{i}, {unique_email_sql(column)} AS a{i}" for i, column in enumerate(written)
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _iw_claims AS SELECT {row} AS r, {key} AS k, "
        f"{selected} FROM {name} WHERE {problems} IS NULL AND {key} IS NOT NULL"
    )
    shared = " OR ".join(
        f"a{i} IN (SELECT a{i} FROM _iw_claims WHERE a{i} IS NOT NULL GROUP BY a{i} "
        "HAVING count(DISTINCT k) > 1)"
        for i in range(len(emails))
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _iw_tangled AS SELECT DISTINCT k FROM _iw_claims "
        f"WHERE {shared}"
    )
    _reject_repeated_keys(
        con, table, "_iw_claims", "r", "k", "k NOT IN (SELECT k FROM _iw_tangled)"
    )
    found = con.execute(
        "SELECT * FROM _iw_claims WHERE k IN (SELECT k FROM _iw_tangled) ORDER BY r"
    ).fetchall()
    con.execute("DROP TABLE _iw_claims")
    con.execute("DROP TABLE _iw_tangled")
    kept_keys: set[object] = set()
    kept_addresses: list[set[object]] = [set() for _ in emails]
    rejects: list[tuple[object, ...]] = []
    for number, key_value, *pairs in found:
        values, addresses = pairs[0::2], pairs[1::2]
        if key_value in kept_keys:
            rejects.append((table.name, number, table.primary_key, key_value, REPEATED_KEY))
            continue
        taken = [i for i, a in enumerate(addresses) if a is not None and a in kept_addresses[i]]
        if taken:
            column = emails[taken[0]]
            rejects.append((table.name, number, column, values[taken[0]], DUPLICATE_EMAIL))
            continue
        kept_keys.add(key_value)
        for held, address in zip(kept_addresses, addresses, strict=True):
            if address is not None:
                held.add(address)
    insert_rows(con, "rejects", rejects)
