"""Where the de-identified datasets still name one person: the rows (by column) with a
cell holding one of their identifiers, for the subject-access pack to point to. Only
where leaves this module, never a value.

A cell names the person when, trimmed, it is one of their user ids (exactly: the
loader keeps `U1` and `u1` as two people); one of their names of two words or more,
or login IP addresses, compared without case, as DEID-001 compares a held identifier
(a name of one word, `User` or `Yes`, would point to other people's rows); their telephone
digits (seven or more; a UK number also as it is written nationally or with +44);
one of their email addresses, whole or within its text
(compared as `emails.email_key` compares addresses); or an unsalted MD5, SHA-1 or
SHA-256 of an address or a user id, as DEID-002 hashes them. In a nested Parquet
column (held as JSON) each value inside a cell is a cell of its own.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import duckdb

from insight_workbench.emails import define_email_key, email_key
from insight_workbench.loading.raw_tables import free_name, quote_ident
from insight_workbench.loading.snapshot import DeidentifiedDataset, Snapshot
from insight_workbench.sql import define, query

if TYPE_CHECKING:
    from insight_workbench.subject_requests.pack import PackTable

Mentions = dict[str, dict[str, tuple[int, ...]]]  # dataset file -> column -> data rows
PHONE_DIGITS = 7  # the fewest digits a telephone number is compared on, as DEID-001


@dataclass(frozen=True)
class Identifiers:
    """What names one person, from their rows in the pack."""

    user_ids: tuple[str, ...]  # compared exactly, with a cell trimmed
    caseless: tuple[str, ...]  # names and login IP addresses, as held
    phones: tuple[str, ...]  # digits only
    email_keys: tuple[str, ...]
    hashed: tuple[str, ...]  # texts whose unsalted hashes name them (as DEID-002 hashes)
    # A name of theirs not looked for: one word alone would point to others' rows.
    name_not_sought: bool = False
    raw_ids: tuple[str, ...] = ()  # their ids as held (spaces kept)

    def __bool__(self) -> bool:
        return any((self.user_ids, self.caseless, self.phones, self.email_keys))


def identifiers_of(tables: dict[str, PackTable], ids: list[str], emails: list[str]) -> Identifiers:
    """The identifiers of the person whose user ids are `ids` and addresses (keyed)
    `emails`, with those their `users` rows and logins hold."""
    users = tables["users"].records()
    addresses = [str(u["email"]) for u in users if u.get("email")]
    names = [n for u in users if isinstance(n := u.get("name"), str) and n.strip()]
    texts = [
        *(name for name in names if tells_apart(name)),
        *(row.get("ip") for row in tables["logins"].records()),
    ]
    digits = {
        form
        for u in users
        for form in uk_forms(re.sub(r"[^0-9]", "", str(u.get("telephone") or "")))
    }
    hashed = [*addresses, *emails, *ids]
    return Identifiers(
        user_ids=tuple(sorted({i.strip() for i in ids} - {""})),
        raw_ids=tuple(sorted(set(ids))),
        caseless=tuple(sorted({t for t in texts if isinstance(t, str) and t.strip()})),
        phones=tuple(sorted(d for d in digits if len(d) >= PHONE_DIGITS)),
        email_keys=tuple(sorted(({email_key(a) for a in addresses} | set(emails)) - {""})),
        # Trimmed and lower-cased by SQL; lower-cased by Python's rules here too, as
        # DEID-002 does for text that is not ASCII alone.
        hashed=tuple(sorted({*hashed, *(t.strip().lower() for t in hashed)})),
        name_not_sought=not all(tells_apart(name) for name in names),
    )


def uk_forms(digits: str) -> set[str]:
    """A telephone's digits, and for a UK number the same number as it is also written:
    national (`07700 900537`), international (`+44 7700 900537`, `0044 …`)."""
    national = re.fullmatch(r"(?:0044|44|0)([1-9][0-9]{8,9})", digits)
    if national is None:
        return {digits}
    rest = national.group(1)
    return {digits, f"0{rest}", f"44{rest}", f"0044{rest}"}


def tells_apart(name: str) -> bool:
    """Whether a name can point to a person's rows: two words or more with a letter each,
    or two letters or more of a script written without spaces between words (`王小明`,
    `山田太郎`). One word alone (`User`, `Yes`, `Suharto`) is as likely a value in someone
    else's row: the pack says it was not looked for."""
    if sum(any(c.isalpha() for c in word) for word in name.split()) >= 2:
        return True
    letters = [c for c in name if c.isalpha()]
    return len(letters) >= 2 and all(
        unicodedata.name(c, "").startswith(UNSPACED_SCRIPTS) for c in letters
    )


# Scripts whose words, and so full names, are written without spaces.
UNSPACED_SCRIPTS = ("CJK ", "HIRAGANA", "KATAKANA", "HANGUL", "THAI", "LAO", "KHMER", "MYANMAR")


def rows_naming_the_person(
    cursor: duckdb.DuckDBPyConnection, snapshot: Snapshot, person: Identifiers
) -> Mentions:
    """For each de-identified dataset with a row naming the person: the data rows (from
    1, as DQ-001 counts them: a quarantined record keeps its number) of each column."""
    if not snapshot.deidentified or not person:
        return {}
    person = _without_shared_ids(cursor, person)
    define(cursor, "identifier_text.sql")
    define_email_key(cursor)
    found: Mentions = {}
    for dataset in snapshot.deidentified:
        columns = _rows_by_column(cursor, dataset, person) if dataset.columns else {}
        if columns:
            found[dataset.file] = columns
    return found


def _without_shared_ids(cursor: duckdb.DuckDBPyConnection, person: Identifiers) -> Identifiers:
    """`person` without the user ids (compared trimmed) that another account's id shares
    once trimmed (`" U1"` and `"U1"`, two accounts): a cell holding it could be either's,
    so it names neither."""
    shared = {
        str(row["trimmed"])
        for row in query(cursor, "pack_shared_ids.sql", ids=list(person.raw_ids))
    }
    if not shared:
        return person
    lowered = {i.lower() for i in shared}
    return replace(
        person,
        user_ids=tuple(i for i in person.user_ids if i not in shared),
        # an id's hash is looked for as held and trimmed, lower-cased: only the first
        hashed=tuple(
            h for h in person.hashed if h in person.raw_ids or h.strip().lower() not in lowered
        ),
    )


def _rows_by_column(
    cursor: duckdb.DuckDBPyConnection, dataset: DeidentifiedDataset, person: Identifiers
) -> dict[str, tuple[int, ...]]:
    fragments = {
        "table": quote_ident(dataset.table),
        "columns": ", ".join(quote_ident(c) for c in dataset.columns),
        "row_id": quote_ident(free_name("__iw_row_id", dataset.columns)),
    }
    rows = query(
        cursor,
        "pack_in_deidentified.sql",
        fragments,
        ids=list(person.user_ids),
        named=list(person.caseless),
        phones=list(person.phones),
        emails=list(person.email_keys),
        hashed=list(person.hashed),
        nested=list(dataset.nested),
        keyed=list(dataset.keyed),
        within=addresses_within_text(person.email_keys),
    )
    if not rows:
        return {}
    rejects = query(cursor, "pack_dataset_rejects.sql", key=f"deidentified/{dataset.name}")
    rejected = [int(r["row_number"]) for r in rejects]
    return {str(r["column_name"]): file_rows(r["rows"], rejected) for r in rows}


# What may stand before an address within text, and after it: not a letter, digit or
# dot of a longer address (`xann@…`, `bob.ann@…` are someone else's), nor signs that
# follow one (`bob~ann@…`); signs after a space or at the start wrap it (`` `ann@…` ``,
# `*ann@…*`, `{ann@…}`); the `/`, `?`, `=`, `&` and `|` of a link or a list separate it
# (`?email=ann@…`, `bob@x.org|ann@…`). A full stop after it ends a sentence.
_SIGNS = r"!#$%'*+^_`{}~-"
_BEFORE = rf"(?:^|[^\pL\pN\pM.{_SIGNS}])[{_SIGNS}]*"
_AFTER = r"(?:$|[^\pL\pN\pM.-]|\.(?:$|[^\pL\pN\pM-]))"


def addresses_within_text(keys: tuple[str, ...]) -> str:
    """An RE2 pattern finding one of the addresses `keys` (as `email_key` gives them)
    within caseless text: `ann~@example.org` in "reply to ann~@example.org" and in
    "?email=ann~@example.org"; empty when there is none."""
    if not keys:
        return ""
    # The text is caseless as `iw_caseless` has it: a final sigma as any sigma.
    sought = sorted({k.replace("ς", "σ") for k in keys})
    return _BEFORE + "(?:" + "|".join(re.escape(k) for k in sought) + ")" + _AFTER


def file_rows(loaded: list[int], rejected: list[int]) -> tuple[int, ...]:
    """The data row numbers in the file of the loaded rows numbered `loaded` (from 1, in
    order): each quarantined record before one (`rejected`, file rows) moves it on."""
    skipped = sorted(set(rejected))
    passed, found = 0, []
    for number in sorted(loaded):
        row = number + passed
        while passed < len(skipped) and skipped[passed] <= row:
            passed += 1
            row = number + passed
        found.append(row)
    return tuple(found)
