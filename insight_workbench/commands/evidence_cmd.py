"""`evidence --out DIR`: the deletion register and its certificates, from the ledger."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from insight_workbench.commands.common import given_key, output_folder, parse_format, utf8
from insight_workbench.errors import InputError
from insight_workbench.findings import plural
from insight_workbench.terminal import printable

FORMATS = ("html", "json")


def evidence(
    out: Annotated[
        Path | None,
        typer.Option("--out", help="A new or empty folder for the register and certificates."),
    ] = None,
    key: Annotated[
        str | None,
        typer.Option("--key", help="Only this key (e.g. org:O17 or request:R8).", callback=utf8),
    ] = None,
    format: Annotated[str, typer.Option("--format", help="html or json.")] = "html",
) -> None:
    """Write the deletion register, and one certificate for each organisation or erasure
    request whose data a later recorded snapshot (INSIGHT_LEDGER) no longer holds: when
    it was last held, when first gone, and whether that was by its due date."""
    from insight_workbench.ledger.database import written_ledger
    from insight_workbench.ledger.evidence_files import (
        empty_evidence,
        read_evidence,
        write_evidence,
    )

    chosen = parse_format(format, FORMATS)
    if key is not None:
        key = given_key("--key", key)
    if out is None:
        raise InputError("--out is required: the folder to write the register and certificates")
    out = output_folder("--out", out)
    ledger = written_ledger()
    found = read_evidence(ledger, key) if ledger is not None else empty_evidence()
    written = write_evidence(found, out, chosen)
    late = sum(1 for record in found.records if record.verdict == "late")
    typer.echo(
        f"Deletion register: {plural(len(found.records), 'record')} ({late} late) from "
        f"{plural(found.runs, 'recorded run')}; {plural(len(written), 'file')} written to "
        f"{printable(str(out))}"
    )
    partial = sum(1 for record in found.records if record.not_covered)
    if partial:
        typer.echo(
            f"{plural(partial, 'record')} not covering every row of "
            f"{'its' if partial == 1 else 'their'} first clear snapshot (rows quarantined "
            "there, or DQ-001 not run): see the certificates"
        )
    if ledger is not None and key is not None and not found.records:
        typer.echo(f"No deletion record for {printable(key)}: {found.no_record}", err=True)
    elif found.runs == 0:
        typer.echo("No runs are recorded yet: record them with `check --record`", err=True)
