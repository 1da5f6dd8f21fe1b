"""Typing untyped export tables with their declared schema, quarantining bad values.

For every declared column, one SQL predicate says when a value is bad and one
expression converts a good value. Rows with any bad value go to `rejects`; all
others load. No value is guessed: a timestamp must look like ISO 8601 before
DuckDB is asked to cast it.
"""

from __future__ import annotations

from insight_workbench.readers import quote_ident, quote_literal
from insight_workbench.schema import Column, Table

TIMESTAMP_PATTERN = (
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?\s*(Z|z|[+-]\d{2}(:?\d{2})?)?"
)
DATE_PATTERN = r"\d{4}-\d{2}-\d{2}"
TRUE_TEXT = ("true", "1")
FALSE_TEXT = ("false", "0")

# Parquet column types that can hold each declared type.
PARQUET_TYPES = {
    "timestamp": ("TIMESTAMP", "VARCHAR"),
    "date": ("DATE", "VARCHAR"),
    "bool": ("BOOLEAN", "VARCHAR", "INTEGER", "BIGINT", "TINYINT", "SMALLINT"),
    "id": ("VARCHAR", "INTEGER", "BIGINT", "SMALLINT", "UBIGINT", "UINTEGER"),
    "string": ("VARCHAR",),
    "enum": ("VARCHAR",),
}


def value(column: str) -> str:
    """The column's text, with an empty field read as NULL."""
    return f"NULLIF({quote_ident(column)}, '')"


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(quote_literal(v) for v in values) + ")"


def bad_value(column: Column) -> str | None:
    """SQL that is true when a non-NULL value cannot be read as the column's type."""
    v = value(column.name)
    if column.type == "timestamp":
        return (
            f"NOT regexp_full_match(trim({v}), {quote_literal(TIMESTAMP_PATTERN)}) "
            f"OR TRY_CAST(trim({v}) AS TIMESTAMPTZ) IS NULL"
        )
    if column.type == "date":
        return (
            f"NOT regexp_full_match(trim({v}), {quote_literal(DATE_PATTERN)}) "
            f"OR TRY_CAST(trim({v}) AS DATE) IS NULL"
        )
    if column.type == "bool":
        return f"lower(trim({v})) NOT IN {_in(TRUE_TEXT + FALSE_TEXT)}"
    if column.type == "enum":
        return f"{v} NOT IN {_in(column.values)}"
    return None


def converted(column: Column) -> str:
    v = value(column.name)
    if column.type == "timestamp":
        return f"CAST(trim({v}) AS TIMESTAMPTZ)"
    if column.type == "date":
        return f"CAST(trim({v}) AS DATE)"
    if column.type == "bool":
        return f"lower(trim({v})) IN {_in(TRUE_TEXT)}"
    return v


REASONS = {
    "timestamp": "not an ISO 8601 timestamp",
    "date": "not a YYYY-MM-DD date",
    "bool": "not true/false/1/0",
    "enum": "not one of the allowed values",
}


def reject_checks(table: Table, present: list[str]) -> list[tuple[str, str, str]]:
    """(column, condition, reason) for every way a row of `table` can be bad."""
    checks: list[tuple[str, str, str]] = []
    for column in table.columns:
        if column.name not in present:
            continue
        v = value(column.name)
        if column.required:
            checks.append((column.name, f"{v} IS NULL", "missing value (required)"))
        if column.required_when:
            other, values = column.required_when
            checks.append(
                (
                    column.name,
                    f"{v} IS NULL AND {value(other)} IN {_in(values)}",
                    f"missing value (required when {other} is {'/'.join(values)})",
                )
            )
        condition = bad_value(column)
        if condition:
            checks.append((column.name, f"{v} IS NOT NULL AND ({condition})", REASONS[column.type]))
    for name in present:
        checks.append((name, f"contains({value(name)}, chr(0))", "contains a NUL byte"))
    return checks
