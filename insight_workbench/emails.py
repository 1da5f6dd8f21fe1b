"""The one way the workbench compares email addresses: trimmed and lower-cased.

`users.email` must be unique this way (the loader quarantines a later row that
repeats one), a subject-access pack finds a person and their requests this way,
and DEID-001 matches held addresses this way. Every comparison goes through
`email_key` (Python) or `email_key_sql` / the `iw_email_key` macro (DuckDB);
`tests/test_emails.py` keeps the two in step. To change the normalisation
(e.g. Unicode NFKC and case folding), change this module only.
"""

from __future__ import annotations

import duckdb

# Python's str.strip() whitespace, as an RE2 class: ASCII whitespace, the
# information separators, NEL and every Unicode space/line/paragraph separator.
_EDGE_SPACE = r"[\t\n\x0b\f\r\x1c-\x1f\x{85}\pZ]"
_TRIMMED = f"'^{_EDGE_SPACE}+|{_EDGE_SPACE}+$', '', 'g'"
MACRO = "iw_email_key"


def email_key(email: str) -> str:
    """The form two email addresses are compared in: trimmed and lower-cased."""
    return email.strip().lower()


def email_key_sql(expression: str) -> str:
    """SQL computing `email_key` of the SQL `expression` (NULL stays NULL)."""
    return f"lower(regexp_replace({expression}, {_TRIMMED}))"


def define_email_key(cursor: duckdb.DuckDBPyConnection) -> None:
    """Define the temporary macro `iw_email_key(x)` on `cursor`, for SQL files."""
    cursor.execute(f"CREATE OR REPLACE TEMP MACRO {MACRO}(x) AS {email_key_sql('x')}")
