"""Writing the deletion evidence: the register and one certificate per record, as HTML
or JSON, into a folder written whole or not at all.

    OUT/register.html            (or register.json: {"records": [record, ...]})
    OUT/certificates/<name>.html (or .json: the record itself)

A certificate's name is its key with each run of characters other than letters,
digits, `.`, `-` and `_` made one `_`, cut to 60 characters and stripped of `.` and `_`
at either end (no hidden file, no `..`), and the first 8 hex digits of the key's
SHA-256 (`org_O17-1a2b3c4d`): keys are text from a snapshot, so a name never holds a
path separator, and two keys never share one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from insight_workbench.atomic import (
    plain_file_name,
    reported_write_errors,
    staged_folder,
    write_atomically,
)
from insight_workbench.errors import InputError
from insight_workbench.ledger.database import Ledger, reading
from insight_workbench.ledger.decision_log import Decision, decisions_about
from insight_workbench.ledger.evidence import (
    DeletionRecord,
    deletion_records,
    recorded_runs,
    why_no_record,
)
from insight_workbench.ledger.evidence_html import certificate_page, register_page
from insight_workbench.ledger.instants import now, shown, stored

FORMATS = ("html", "json")


@dataclass(frozen=True)
class Evidence:
    records: list[DeletionRecord]
    decisions: dict[str, list[Decision]]  # by key, the records' keys only
    runs: int  # recorded runs read
    generated_at: str  # as the workbench shows instants
    no_record: str | None = None  # why the key asked about has none, in words


def read_evidence(ledger: Ledger, key: str | None = None) -> Evidence:
    """The deletion records (of `key` only, when given) and the decisions about them,
    or why `key` has none, from one consistent view of the ledger."""
    with reading(ledger) as connection:
        order = recorded_runs(connection)  # read once: it reads every DQ-001 finding
        records = deletion_records(connection, key, order)
        history = decisions_about(connection, {r.key for r in records})
        reason = why_no_record(connection, key, order) if key and not records else None
    return Evidence(records, history, len(order), _generated_at(), reason)


def empty_evidence() -> Evidence:
    """The evidence of a ledger that holds no run."""
    return Evidence([], {}, 0, _generated_at())


def _generated_at() -> str:
    return shown(stored(now().replace(microsecond=0))) or ""


def certificate_name(key: str) -> str:
    readable = plain_file_name(key, 60, "key")
    return f"{readable}-{hashlib.sha256(key.encode()).hexdigest()[:8]}"


def write_evidence(evidence: Evidence, out: Path, fmt: str) -> list[str]:
    """Write the register and the certificates into `out` (a new or empty folder); the
    names written, relative to it. Nothing is left behind when a write fails."""
    if fmt not in FORMATS:
        raise InputError(f"--format {fmt}: must be one of {', '.join(FORMATS)}")
    files = _files(evidence, fmt)
    try:
        with reported_write_errors(out), staged_folder(out) as stage:
            (stage / "certificates").mkdir(mode=0o700)
            for name, text in files.items():
                write_atomically(stage / name, text.encode("utf-8"), overwrite=False)
    except FileExistsError:
        raise InputError(
            f"--out {out}: the folder is not empty; give a new or empty folder"
        ) from None
    return list(files)


def _files(evidence: Evidence, fmt: str) -> dict[str, str]:
    names = {record.key: f"{certificate_name(record.key)}.{fmt}" for record in evidence.records}
    files: dict[str, str] = {}
    for record in evidence.records:
        history = evidence.decisions.get(record.key, [])
        files[f"certificates/{names[record.key]}"] = (
            certificate_page(record, history, evidence.generated_at)
            if fmt == "html"
            else _json(record.as_dict())
        )
    files[f"register.{fmt}"] = (
        register_page(evidence.records, names, evidence.runs, evidence.generated_at)
        if fmt == "html"
        else _json({"records": [record.as_dict() for record in evidence.records]})
    )
    return files


def _json(document: object) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
