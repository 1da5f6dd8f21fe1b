"""The files of a subject-access pack, written as a folder or a zip.

Layout (the same in both):

    README.txt            what the pack is, the snapshot, each table explained
    manifest.json         every other file with its row count and sha256
    json/<table>.json     the rows of each table: a JSON array of objects, true values
    csv/<table>.csv       the same rows as spreadsheet-safe CSV

Every table of the pack has a JSON and a CSV file, empty when nothing is held.
"""

from __future__ import annotations

import hashlib
import io
import json
import textwrap
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from insight_workbench.atomic import (
    new_parents,
    remove_writers_leftovers,
    reported_write_errors,
    staged_folder,
    write_atomically,
)
from insight_workbench.csvsafe import csv_text, iso_utc
from insight_workbench.errors import InputError
from insight_workbench.terminal import json_text, printable

if TYPE_CHECKING:  # sar_pack re-exports this module's API, so no import at run time
    from insight_workbench.subject_requests.pack import PackTable, SubjectPack

# What each table of a pack holds, in words for the person the pack is about.
TABLE_MEANINGS: dict[str, str] = {
    "users": "the account: name, email address, telephone, organisation, role, "
    "when it was created and, if so, deleted",
    "logins": "every sign-in attempt on the account: time, success, IP address, "
    "browser and operating system (user agent) and the referring page",
    "usage_events": "what was done in the products: time, product and kind of action",
    "communications": "messages sent to the person: time and category",
    "preferences": "marketing opt-out choices: time, category, opted out or back in, "
    "and how the choice was made",
    "subject_requests": "requests the person made about their data (access, erasure, ...) "
    "and what became of them",
    "admin_views": "times the person, as a group admin, opened their organisation's user list",
}


def pack_files(pack: SubjectPack) -> dict[str, bytes]:
    """Every file of the pack by its relative path, README and manifest included."""
    data: dict[str, bytes] = {}
    for name, table in pack.tables.items():
        data[f"json/{name}.json"], data[f"csv/{name}.csv"] = table_files(table)
    files = {"README.txt": readme(pack).encode("utf-8"), **data}
    files["manifest.json"] = _json_bytes(manifest(pack, files))
    return files


def table_files(table: PackTable) -> tuple[bytes, bytes]:
    """The JSON file (`json.dumps(records, indent=2, ensure_ascii=False)`) and the CSV
    file (`csvsafe.csv_bytes`) of one table, from the text of each row."""
    objects = ",\n".join(table.json_objects)
    json_file = f"[\n{objects}\n]\n" if table.json_objects else "[]\n"
    header = csv_text(table.columns, [], newline="\r\n")
    csv_file = header + "".join(f"{line}\r\n" for line in table.csv_lines)
    return json_file.encode("utf-8"), csv_file.encode("utf-8-sig")


def manifest(pack: SubjectPack, files: dict[str, bytes]) -> dict[str, Any]:
    entries = []
    for path, content in files.items():
        table = _table_of(path)
        entries.append(
            {
                "path": path,
                "table": table,
                "rows": pack.row_counts[table] if table else None,
                "bytes": len(content),
                "sha256": hashlib.sha256(content).hexdigest(),
            }
        )
    return {
        "kind": "subject-access pack",
        "snapshot": {
            "snapshot_id": pack.snapshot_id,
            "exported_at": iso_utc(pack.exported_at),
            "checksum": pack.snapshot_checksum,
        },
        "generated_at": iso_utc(pack.generated_at),
        "identifier": {"kind": pack.identifier_kind, "value": pack.identifier},
        "user_ids": list(pack.user_ids),
        "data_held": pack.found,
        "unread_rows_may_be_theirs": not pack.found and pack.unread_may_be_theirs,
        "tables": pack.row_counts,
        "quarantined_rows_in_snapshot": pack.quarantined,
        "name_not_looked_for_in_deidentified": pack.name_not_looked_for,
        "deidentified_rows_naming_them": {
            file: {column: list(rows) for column, rows in columns.items()}
            for file, columns in pack.named_in_datasets.items()
        },
        "files": entries,
    }


def requests_accounts(pack: SubjectPack) -> list[str]:
    """The user ids the pack's requests were matched to, where the pack holds no account
    (found by an address no `users` row has): rows of those accounts are not in it."""
    if pack.user_ids or "subject_requests" not in pack.tables:
        return []
    found = {r.get("user_id") for r in pack.tables["subject_requests"].records()}
    return sorted(str(user_id) for user_id in found if user_id)


def readme(pack: SubjectPack) -> str:
    """The pack's README. Values from the export or the request (the snapshot id, the
    ids, the address asked for) are one line each, control and bidi characters shown as
    escapes: a line break in a snapshot id would add lines of its own ("NO DATA
    HELD"), an escape sequence would drive the terminal that shows the file."""
    kind = "email address" if pack.identifier_kind == "email" else "user id"
    snapshot_id = printable(pack.snapshot_id)
    lines = [
        "Subject-access data pack",
        "========================",
        "",
        "This pack holds a copy of every record about one person found in an export",
        "of the Insight Products platform, in machine-readable form (JSON) and as",
        "spreadsheet files (CSV).",
        "",
        f"Searched for:   {kind} {printable(pack.identifier)}",
        f"Snapshot:       {snapshot_id}",
        f"Exported at:    {iso_utc(pack.exported_at)} (what the platform held at that moment)",
        f"Generated at:   {iso_utc(pack.generated_at)}",
        "",
    ]
    if pack.in_tables:
        ids = ", ".join(map(printable, pack.user_ids)) if pack.user_ids else "none (requests only)"
        lines += [f"Account(s):     {ids}"]
        named = requests_accounts(pack)
        if named:  # an address no account holds, on requests matched to an account
            lines += textwrap.wrap(
                "The requests name account(s) "
                + ", ".join(map(printable, named))
                + " whose email is not this address: a pack by --user-id for each"
                " holds that account's rows.",
                width=78,
                initial_indent="                ",
                subsequent_indent="                ",
            )
        if pack.user_ids and not pack.row_counts["users"]:
            gone = "a deleted one"
            if pack.quarantined.get("users"):  # a users row may be this account's
                gone += ", or one whose row could not be read (see the note below)"
            lines.append(f"                (no account record: these rows remain from {gone})")
        lines += ["", "Tables (rows held):"]
    elif pack.found:  # only de-identified datasets name them: data held all the same
        lines += [
            f"NO ROW OF THE PLATFORM'S TABLES: no record in snapshot {snapshot_id} matches",
            f"the {kind} given, as of {iso_utc(pack.exported_at)}, but de-identified",
            "datasets still name this person (see the note below): data is held. Every",
            "table was searched:",
        ]
    elif pack.unread_may_be_theirs:  # rows that could not be read may be this person's
        lines += [
            f"NO DATA HELD IN THE ROWS READ: no row of snapshot {snapshot_id} that could",
            f"be read matches the {kind} given, as of {iso_utc(pack.exported_at)}, but",
            "some rows could not be read (see the note below) and may be this person's:",
            "read them before answering that no data is held. Every table was searched:",
        ]
    else:
        lines += [
            f"NO DATA HELD: no record in snapshot {snapshot_id} matches the {kind}",
            f"given, as of {iso_utc(pack.exported_at)}. Every table was searched:",
        ]
    lines += [f"  {name:<17} {count:>6}" for name, count in pack.row_counts.items()]
    lines += ["", "What each table holds:"]
    for name in pack.tables:
        lines += textwrap.wrap(
            f"{name}: {TABLE_MEANINGS[name]}.",
            width=78,
            initial_indent="  ",
            subsequent_indent="    ",
        )
    lines += [
        "",
        "Files:",
        "  json/<table>.json  the rows of each table, values exactly as held",
        "  csv/<table>.csv    the same rows for a spreadsheet (UTF-8)",
        "  manifest.json      every file with its row count and SHA-256 checksum",
        "",
        "Times are ISO 8601 in UTC (a trailing Z). An empty cell or null means no value.",
        "In the CSV files a text value that begins with =, +, -, @ or | (even after",
        "spaces or invisible characters), or with a tab or a line break, starts with an",
        "extra apostrophe (') so that a spreadsheet shows it as text instead of running",
        "it as a formula; the JSON files hold the true values.",
        "Credential material (such as passwords) is never exported into a pack.",
    ]
    if pack.quarantined:
        counts = ", ".join(f"{quoted_name(n)}: {c}" for n, c in pack.quarantined.items())
        note = (
            f"Note: the snapshot had rows that could not be read ({counts}): a value "
            "that is not what the export format allows, or a repeated id or address. They "
            "are in no pack, even where they are about this person: find them by table and "
            "row with `insight-workbench validate` and read them in the export files before "
            "answering the request."
        )
        lines += ["", *textwrap.wrap(note, width=78)]
    if pack.named_in_datasets:
        lines += ["", *_named_in_datasets(pack)]
    if pack.name_not_looked_for:
        note = (
            "Note: this person's name is a single word, so the de-identified datasets were "
            "not searched for it: alone it would point to rows of other people that hold "
            "the same word. Search them for the name by hand, and add the rows about this "
            "person, before answering the request."
        )
        lines += ["", *textwrap.wrap(note, width=78)]
    return "\n".join(lines) + "\n"


SHOWN_ROWS = 20  # row numbers listed per column; manifest.json lists every one


def _named_in_datasets(pack: SubjectPack) -> list[str]:
    """The note naming the de-identified datasets' rows that hold one of the person's
    identifiers: where to look, never what is there."""
    note = (
        "Note: de-identified datasets in the snapshot still name this person: the rows "
        "below hold one of the name (of two words or more), user id, email address, "
        "telephone number or login IP address searched for or held in the rows above, "
        "or an unsalted hash of an address or a user id. "
        "They are not copied into this pack, since a row "
        "may be about others too: read them in the export files (rows counted from 1, "
        "the header not counted) and add what is about this person before answering "
        "the request. manifest.json lists every row number."
    )
    lines = textwrap.wrap(note, width=78)
    for file, columns in pack.named_in_datasets.items():
        lines.append(f"  {quoted_name(file)}")
        for column, rows in columns.items():
            shown = ", ".join(str(n) for n in rows[:SHOWN_ROWS])
            more = f" and {len(rows) - SHOWN_ROWS} more" if len(rows) > SHOWN_ROWS else ""
            said = f"row{'s' if len(rows) > 1 else ''} {shown}{more}"
            head = f"    column {quoted_name(column)}:"
            if len(head) + 1 + len(said) <= 78:
                lines.append(f"{head} {said}")
            else:  # the name whole on its line, only the row numbers wrapped
                lines.append(head)
                lines += textwrap.wrap(
                    said,
                    width=78,
                    initial_indent="      ",
                    subsequent_indent="      ",
                    break_on_hyphens=False,
                )
    return lines


def quoted_name(name: str) -> str:
    """A file or column name from the snapshot, quoted and escaped as JSON writes it:
    spaces, a colon or a line break in it cannot pass for the README's own words."""
    return printable(json.dumps(name, ensure_ascii=False))


def pack_zip_bytes(pack: SubjectPack) -> bytes:
    """The pack as the bytes of a zip file (for a download button)."""
    buffer = io.BytesIO()
    _write_zip(pack_files(pack), buffer, pack)
    return buffer.getvalue()


def write_pack(pack: SubjectPack, path: str | Path) -> Path:
    """Write the pack to `path`: a zip when it ends in `.zip`, otherwise a folder.

    Refuses (InputError) an existing zip or an existing non-empty folder. The zip or
    folder is written whole or not at all, never over an existing one, and is
    readable by its owner only: they are personal data. A failed write (no space,
    no permission) leaves nothing behind and is an InputError."""
    target = Path(path)
    check_target(target)
    files = pack_files(pack)
    try:
        with reported_write_errors(target):
            if is_zip(target):
                buffer = io.BytesIO()
                _write_zip(files, buffer, pack)
                with new_parents(target):
                    write_atomically(target, buffer.getvalue(), overwrite=False)
                return target
            # The folder appears complete or not at all (a failed write leaves nothing).
            with staged_folder(target) as stage:
                for relative, content in files.items():
                    file = stage / relative
                    file.parent.mkdir(mode=0o700, exist_ok=True)
                    write_atomically(file, content, overwrite=False)
    except FileExistsError:
        raise InputError(f"--out {target}: appeared while writing; will not overwrite it") from None
    return target


def is_zip(target: Path) -> bool:
    """Whether `--out` names a zip: it ends in `.zip` (`.zip` alone too, which has no
    suffix to Python)."""
    return target.name.lower().endswith(".zip")


def check_target(target: Path) -> None:
    """Refuse a destination that would overwrite something (what a killed writer left in
    a folder, personal data, is removed first: it is not something to keep)."""
    if target.is_dir():
        remove_writers_leftovers(target)
    if is_zip(target):
        if target.exists() or target.is_symlink():  # a link, even to nothing, is kept
            raise InputError(f"--out {target}: already exists; will not overwrite it")
    elif target.is_symlink() and not target.exists():
        raise InputError(f"--out {target}: a symbolic link to nothing; will not write through it")
    elif target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InputError(f"--out {target}: already exists and is not an empty folder")


def _write_zip(files: dict[str, bytes], handle: Any, pack: SubjectPack) -> None:
    stamp = pack.generated_at.timetuple()[:6]
    with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
        for relative, content in files.items():
            info = zipfile.ZipInfo(relative, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            # The quickest level: a heavy user's pack (tens of MB of CSV and JSON) is
            # written in a third of the time, for a file about a quarter larger.
            archive.writestr(info, content, compresslevel=1)


def _table_of(path: str) -> str | None:
    if path.startswith(("json/", "csv/")):
        return path.split("/", 1)[1].rsplit(".", 1)[0]
    return None


def _json_bytes(document: Any) -> bytes:
    """The manifest's JSON, with the characters a terminal would act on or reorder (a
    dataset's file or column name may hold them) as JSON's own `\\u` escapes: the same
    value to any JSON reader, and `cat manifest.json` shows what is there."""
    return json_text(document).encode("utf-8")
