"""`sar SNAPSHOT (--email EMAIL | --user-id ID) --out PATH`: a subject-access data pack."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from insight_workbench.commands.common import SnapshotArg, output_folder, outside_the_snapshot, utf8
from insight_workbench.csvsafe import iso_utc
from insight_workbench.errors import InputError
from insight_workbench.findings import plural
from insight_workbench.terminal import printable

if TYPE_CHECKING:
    from insight_workbench.loading.lockdown import Settings
    from insight_workbench.subject_requests.pack import SubjectPack

PACK_MEMORY_LIMIT = "256MB"  # DuckDB's, for reading; spills to disk beyond it


def sar(
    snapshot: SnapshotArg,
    email: Annotated[
        str | None,
        typer.Option(
            "--email",
            help="The person's email address (any case or Unicode spelling).",
            callback=utf8,
        ),
    ] = None,
    user_id: Annotated[
        str | None, typer.Option("--user-id", help="The person's user id (exact).", callback=utf8)
    ] = None,
    out: Annotated[
        str | None,
        typer.Option(
            "--out",
            metavar="<path>",
            help="Where to write the pack: a folder, or a zip if it ends in .zip.",
        ),
    ] = None,
) -> None:
    """Write a subject-access data pack: every row the snapshot holds about one person,
    as JSON and spreadsheet-safe CSV, with a README and a manifest. Give exactly one of
    --email or --user-id. A person of whom nothing is held gets a "no data held" pack
    (exit 0). Never overwrites an existing zip or non-empty folder."""
    from insight_workbench.loading.lockdown import settings_from_env
    from insight_workbench.loading.workspace import open_snapshot
    from insight_workbench.subject_requests.pack import build_pack, write_pack
    from insight_workbench.subject_requests.pack_files import check_target

    if email is not None and user_id is not None:
        raise InputError("--email / --user-id: give exactly one of them, not both")
    if email is None and user_id is None:
        raise InputError("--email / --user-id: give one of them to name the person")
    if out is None:
        raise InputError("--out is required: the folder or .zip to write the pack to")
    if out.endswith("/") and out.rstrip("/").lower().endswith(".zip"):
        raise InputError(f"--out {out}: ends in '/' (a folder) but names a zip")
    target = output_folder("--out", out)
    outside_the_snapshot("--out", target, snapshot)
    check_target(target)  # before the (possibly long) load
    settings = settings_from_env()
    pack = build_pack(
        open_snapshot(snapshot, settings, reading=pack_reading(settings)),
        email=email,
        user_id=user_id,
    )
    written = write_pack(pack, target)
    typer.echo(summary(pack, written))


def pack_reading(settings: Settings) -> Settings:
    """How a pack reads the workspace: under PACK_MEMORY_LIMIT unless a memory limit is
    set. A pack keeps a few rows of each table, so DuckDB need not hold on to every block
    it has read: on 40M log rows that halves the command's memory and the time spent
    faulting it in. Building a workspace on first use is not held to it."""
    if settings.memory_limit is not None:
        return settings
    return replace(settings, memory_limit=PACK_MEMORY_LIMIT)


def summary(pack: SubjectPack, written: Path) -> str:
    """What was written, naming the person by user id only (never by email)."""
    who = ", ".join(f"user {printable(u)}" for u in pack.user_ids) or "the requested person"
    snapshot_id = printable(pack.snapshot_id)
    given = "email address" if pack.identifier_kind == "email" else "user id"
    if not pack.found and pack.unread_may_be_theirs:  # unread rows may be theirs
        lines = [
            f"No data held in the rows read: snapshot {snapshot_id} (exported "
            f"{iso_utc(pack.exported_at)}) has no readable record of the {given} given, "
            "but rows that could not be read may be this person's: read them before "
            "answering that no data is held."
        ]
    elif not pack.found:
        lines = [
            f"No data held: snapshot {snapshot_id} (exported "
            f"{iso_utc(pack.exported_at)}) has no record of the {given} given."
        ]
    elif not pack.in_tables:  # only de-identified datasets name them
        lines = [
            f"No row of the platform's tables: snapshot {snapshot_id} (exported "
            f"{iso_utc(pack.exported_at)}) has no record of the {given} given, but data "
            "is held: see the note below."
        ]
    else:
        lines = [f"Subject-access pack for {who} from snapshot {snapshot_id}:"]
        lines.append(f"  {'table':<17} {'rows':>7}")
        lines += [f"  {name:<17} {count:>7}" for name, count in pack.row_counts.items()]
    if pack.quarantined:
        from insight_workbench.subject_requests.pack_files import quoted_name

        tables = ", ".join(f"{quoted_name(name)}: {n}" for name, n in pack.quarantined.items())
        lines.append(
            f"Note: the snapshot has quarantined rows ({tables}), which no pack holds; "
            "see `insight-workbench validate`."
        )
    if pack.name_not_looked_for:
        lines.append(
            "Note: their name is a single word and was not looked for in the de-identified "
            "datasets: the README says what to do."
        )
    if pack.named_in_datasets:
        lines.append(
            f"Note: {plural(len(pack.named_in_datasets), 'de-identified dataset')} still "
            f"name{'s' if len(pack.named_in_datasets) == 1 else ''} this person; their rows "
            "are not in the pack: the README says which to read."
        )
    lines.append(f"Wrote {printable(written)}")
    return "\n".join(lines)
