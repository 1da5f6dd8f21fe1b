"""The one way the workbench compares email addresses.

Two addresses are the same address when their keys are equal. The key is the
address in Unicode NFKC, lower-cased (`str.lower`, then NFKC again), with every
whitespace character (Python's `str.isspace`: ASCII spaces, no-break spaces,
ideographic space, line separators...) and every zero-width character
(U+200B-U+200D, U+2060, U+FEFF) removed anywhere in it, not only at the edges.
So a composed `é` equals a decomposed one, `ANN` equals `ann`, full-width
`ａ@ｅｘ.ｏｒｇ` equals `a@ex.org`, and `a<U+200B>@x.org` or `a b@x.org` equals
`ab@x.org`: an address cannot hold a space or an invisible character unquoted,
so one there is an artefact of typing or copying.

Lower-casing, not case folding: folding makes different letters one (`ß` and
`ss`, `ς` and `σ`), so `straße@x.org` and `strasse@x.org`, two addresses the
contract keeps apart, would be one, and one person's data would go into
another's pack. One change is added: lower-casing turns Turkish `İ` into `i̇`
(i with a combining dot above), which would leave `İPEK@X.ORG`, typed in
capitals on a Turkish keyboard, apart from the `ipek@x.org` held; the dot of a
dotted i says nothing, so it goes, and `İ`, `I`, `i̇` and `i` are one letter.
The dotless `ı` stays a letter of its own (no locale is applied), and accents
stay (`é` is not `e`: dropping them would merge different people). Nothing else
changes: `a+x@example.org` stays apart from `a@example.org` (a sub-address may
be another mailbox).

A subject-access pack finds a person and their requests by this key, DEID-001
matches held addresses by it and the app's roles file is read by it. (The
loader's uniqueness of `users.email` is the snapshot format's own, narrower
test: `unique_email_sql`.) Every comparison goes through `email_key` (Python) or, in DuckDB, the
`iw_email_key` function that `define_email_key` registers on a cursor
(`email_key_sql` writes a call of it). `tests/test_emails.py` keeps the two in
step. To change the normalisation, change this module only, and bump the number of
`KEY_EDITION`: workspaces keep the keys they were built with until it changes.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from typing import Any

import duckdb
import duckdb.func

FUNCTION = "iw_email_key"
# Bump the number with any change to `email_key`. A workspace stores every held
# address's key (and quarantines repeats by it), so its name carries this edition and
# the Unicode version the normalisation follows: either changing builds it again.
KEY_EDITION = f"3/Unicode {unicodedata.unidata_version}"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
_REMOVED = re.compile(rf"[\s{ZERO_WIDTH}]+")
_DOTTED_I = "i\u0307"  # what lower-casing makes of İ
# The characters an ASCII address loses: Python's ASCII whitespace, as an RE2 class.
_ASCII_SPACE = r"[\t\n\x0b\x0c\r\x1c-\x1f ]"
_REGISTERING = threading.Lock()
# Every character `str.isspace` calls white space, as an RE2 class.
_WHITE = (
    r"[\t\n\x0b\x0c\r\x1c-\x1f \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}"
    r"\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]"
)


def email_key(email: str) -> str:
    """The form two email addresses are compared in (see the module's docstring)."""
    # Spaces go before lower-casing: `str.lower` writes a capital sigma as a final `ς`
    # before a space, so "ΟΔΟΣ Α" and "ΟΔΟΣΑ" would otherwise be two addresses.
    joined = _REMOVED.sub("", unicodedata.normalize("NFKC", email))
    lowered = joined.lower().replace(_DOTTED_I, "i")
    return _REMOVED.sub("", unicodedata.normalize("NFKC", lowered))


def email_key_sql(expression: str) -> str:
    """SQL computing `email_key` of the SQL `expression` (NULL stays NULL); the cursor
    must have run `define_email_key`."""
    return f"{FUNCTION}({expression})"


def unique_email_sql(expression: str) -> str:
    """SQL of the form in which `users.email` must be unique, as the snapshot format
    says: trimmed (white space at either end, as `str.strip` removes it) and lower-cased
    (DuckDB's `lower`, each letter's own lower case). Narrower than `email_key`: two
    accounts whose addresses are one only by `email_key` (`a b@x.org` and `ab@x.org`)
    both load, and a pack by either address finds both. NULL stays NULL."""
    return f"lower(regexp_replace({expression}, '^{_WHITE}+|{_WHITE}+$', '', 'g'))"


def _email_keys(emails: Any) -> Any:
    """`email_key` of every value of an Arrow array, NULL staying NULL. An ASCII address
    (nearly all of them) needs only lower-casing and its spaces removed, done by Arrow
    in one pass; Python sees only the others. Arrow is imported here, on DuckDB's first
    call, so that a process that never compares addresses does not load it (DuckDB
    resolves these annotations when the function is registered: they name no Arrow type)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    ascii_keys = pc.replace_substring_regex(pc.ascii_lower(emails), _ASCII_SPACE, "")
    is_ascii = pc.string_is_ascii(emails)
    if pc.all(pc.or_kleene(is_ascii, pc.is_null(emails))).as_py():
        return ascii_keys
    others = pa.array(
        [None if e is None else email_key(e) for e in emails.to_pylist()], pa.string()
    )
    return pc.if_else(is_ascii, ascii_keys, others)


def define_email_key(cursor: duckdb.DuckDBPyConnection) -> None:
    """Make `iw_email_key(VARCHAR)` callable from SQL on `cursor`'s database. A Python
    function registered through one cursor is seen by every cursor of the database, so
    it is registered once; registering needs no write access, so a read-only, locked
    database takes it too."""
    with _REGISTERING:
        try:
            cursor.execute(f"SELECT {FUNCTION}(NULL::VARCHAR)").fetchall()
        except duckdb.CatalogException:
            varchar = duckdb.type("VARCHAR")
            cursor.create_function(
                FUNCTION,
                _email_keys,
                [varchar],
                varchar,
                type=duckdb.func.ARROW,
                side_effects=False,
            )
