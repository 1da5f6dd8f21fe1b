"""DEID-001: a direct identifier inside a dataset treated as de-identified."""

from __future__ import annotations

from insight_workbench.deidentification import assessment as deid
from insight_workbench.findings import Finding
from insight_workbench.loading.data_headers import KINDS
from insight_workbench.rules.base import Rule, RuleContext


def check(ctx: RuleContext) -> list[Finding]:
    deid.prepare(ctx)
    return _in_header_rows(ctx) + [
        Finding(
            rule=RULE.code,
            key=f"dataset:{row['dataset']}:{row['column_name']}",
            severity=RULE.severity,
            message=(
                f"Column '{row['column_name']}' of de-identified dataset {row['dataset']} "
                f"holds direct identifiers ({', '.join(row['kinds'])}) in {row['cells']} cells"
            ),
            due=None,
            evidence={"cells": int(row["cells"]), "kinds": list(row["kinds"])},
        )
        for row in deid.identifier_columns(ctx)
    ]


def _in_header_rows(ctx: RuleContext) -> list[Finding]:
    """A dataset whose header row is a row of data holding a direct identifier: not
    loaded (its values would name its columns), reported by the column's position."""
    return [
        Finding(
            rule=RULE.code,
            key=f"dataset:{unread.name}:{unread.column}",
            severity=RULE.severity,
            message=(
                f"The header row of de-identified dataset {unread.name} is a row of data "
                f"holding a direct identifier ({KINDS[unread.looks_like]}) in column "
                f"{unread.position}; the dataset is not loaded, so its other rows are not "
                "judged"
            ),
            due=None,
            evidence={"cells": 1, "kinds": [KINDS[unread.looks_like]], "header_row": True},
        )
        for unread in ctx.snapshot.unread
    ]


RULE = Rule(
    code="DEID-001",
    name="deidentification.direct_identifier",
    severity="high",
    clause=(
        "Use aggregated / de-identified data so that it can no longer be associated to an "
        "identifiable user"
    ),
    doc="""\
What it checks:
    Every column of every dataset under `deidentified/`, value by value (empty
    values ignored). A value is a direct identifier when it contains an email
    address (`local@domain.tld`); or, trimmed, the whole value is an IPv4 or IPv6
    address (an IPv4 address padded with zeros, `192.000.002.001`, alone or ending an
    IPv6 address, too); or it
    equals, trimmed and ignoring case, a held `users.email` (compared as every
    address is: Unicode-normalised, lower-cased, spaces and zero-width characters
    removed anywhere), `users.name`, `users.user_id` or `logins.ip` (these three in
    one Unicode form, NFC: an accent typed as its own character is the same
    letter); or it has at least 7 digits and
    its digits equal the digits of a held `users.telephone`. In a Parquet column of
    structs, maps or lists, each value inside a cell (a field's value, an element,
    a map's key or value; a struct's field names only in a column that also holds a
    map, since JSON writes both alike) is judged so. One finding per
    column; the evidence says which kinds were found and in how many cells, never
    the values.

    A dataset whose header row is itself such a row (its first cell holding one:
    the export left the header out) is not loaded, since its values would name
    its columns: the finding names that column by its position (`column 2`), and
    the dataset's other rows are not judged until it is exported with its header.

    Key: `dataset:<name>:<column>`. No due date. No setting.

Why it matters:
    A dataset that still carries an email, a name, an id or an IP address is
    personal data, not de-identified data: it may not be kept or shared as if it
    were.

Example finding:
    DEID-001 dataset:usage_by_org:contact high - Column 'contact' of de-identified
    dataset usage_by_org holds direct identifiers (email address) in 12 cells

How to fix:
    Drop the column (or replace it by a keyed pseudonym held apart), regenerate the
    dataset, and delete every copy of the old one.
""",
    check=check,
)
