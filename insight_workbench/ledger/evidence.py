"""Deletion evidence: when did a later recorded snapshot stop holding an organisation's
or an erasure request's data, and was that by its due instant?

Runs are read in the order of their snapshots' `exported_at` (then `as_of`, then when
they were recorded). For each key with a retention due date the record pairs

- `last_held`: the last run whose snapshot held rows of it (rows per table there), and
- `first_clear`: the first run after it, exported later, holding none of it.

A key still held in the latest run has no record. Data held again after an earlier
clearing (restored, re-imported) makes that clearing void: the record follows the
latest clearing. The verdict compares `first_clear.exported_at` with the due instant
recorded in the `last_held` run: the data was gone by then at the latest, so a late
deletion is late by at most that many days (whole days, rounded up).

"Held" is what the workbench loaded: a row the first clear snapshot quarantined (DQ-001,
`row:<table>:<n>`) is still in the export, and whose it was is not known. The record
keeps the clearing, and says what it does not cover: the rows that snapshot quarantined
of the tables the key's data is read from (`quarantined_rows`), or that no recorded run
of that snapshot ran DQ-001, so it cannot tell (`None`).

    with reading(open_ledger()) as connection:
        records = deletion_records(connection)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from itertools import pairwise
from typing import Any

from sqlalchemy import Connection, select

from insight_workbench.errors import InputError
from insight_workbench.findings import plural
from insight_workbench.ledger.instants import (
    CHANGED_BY_HAND,
    canonical,
    parsed,
    shown,
    stored_json,
    stored_rules,
)
from insight_workbench.ledger.tables import asked_by_held, findings, holdings, runs
from insight_workbench.loading.schema import PERSONAL_DATA_TABLES, TABLES
from insight_workbench.rules.dq_001_quarantined_row import RULE as QUARANTINED_ROW

DAY = timedelta(days=1)
# A key no run held data under: never seen, or one that owes no deletion (an access
# request, a refused erasure), whose person's rows may well still be held.
NOTHING_OWED = (
    "no recorded run holds data under it that is owed a deletion (the ledger follows "
    "organisations, and erasure requests open or completed)"
)


@dataclass(frozen=True)
class RunRef:
    """One recorded run, as the evidence names it. Instants are stored text."""

    run_id: str
    snapshot_id: str
    manifest_sha256: str
    exported_at: str
    as_of: str
    # rows its snapshot quarantined, per table (DQ-001's findings); None when no recorded
    # run of that snapshot ran DQ-001, so what it quarantined is not known
    quarantined: Mapping[str, int] | None = None


@dataclass(frozen=True)
class Held:
    rule: str | None
    due: str | None
    rows: dict[str, int]


@dataclass(frozen=True)
class DeletionRecord:
    key: str
    rule: str
    due: str  # stored instant, as recorded in the last_held run
    rows: dict[str, int]  # rows per table in the last_held run
    last_held: RunRef
    first_clear: RunRef
    held_again: bool  # the data was cleared once before and held again since

    @property
    def late_by_days_at_most(self) -> int | None:
        """Whole days from the due instant to the first clear snapshot, rounded up;
        None when the data was gone by the due instant."""
        late = parsed(self.first_clear.exported_at) - parsed(self.due)
        return -(-late // DAY) if late > timedelta(0) else None

    @property
    def verdict(self) -> str:
        return "on_time" if self.late_by_days_at_most is None else "late"

    @property
    def quarantined_rows(self) -> dict[str, int] | None:
        """Rows of the tables this key's data is read from that the first clear snapshot
        quarantined, per table (none: {}); None when no recorded run of that snapshot
        ran DQ-001, so what it quarantined is not known."""
        found = self.first_clear.quarantined
        if found is None:
            return None
        return {table: found[table] for table in read_from(self.key) if found.get(table)}

    @property
    def not_covered_brief(self) -> str | None:
        """`not_covered` in a register's cell: `1 quarantined in users`, `not known (DQ-001
        not run)`; None when the clearing covers every row."""
        rows = self.quarantined_rows
        if rows is None:
            return "not known (DQ-001 not run)"
        return ", ".join(f"{n} quarantined in {table}" for table, n in rows.items()) or None

    @property
    def not_covered(self) -> str | None:
        """What the clearing does not prove, in words; None when it covers every row."""
        rows = self.quarantined_rows
        if rows is None:
            return (
                "No recorded run of the first clear snapshot ran DQ-001, so whether that "
                "snapshot held rows the workbench could not load (quarantined) is not known: "
                "this record does not cover any such rows."
            )
        if not rows:
            return None
        counted = " and ".join(f"{plural(n, 'row')} of {table}" for table, n in rows.items())
        return (
            f"The first clear snapshot quarantined {counted} (DQ-001): rows still in the "
            "export that the workbench could not load, and whose they were is not known. "
            "This record does not show that none of them was this data."
        )

    def as_dict(self) -> dict[str, Any]:
        """The record as `evidence --format json` writes it."""
        return {
            "key": self.key,
            "rule": self.rule,
            "due": shown(self.due),
            "last_held": {
                "exported_at": shown(self.last_held.exported_at),
                "manifest_sha256": self.last_held.manifest_sha256,
                "rows": dict(self.rows),
            },
            "first_clear": {
                "exported_at": shown(self.first_clear.exported_at),
                "manifest_sha256": self.first_clear.manifest_sha256,
                "quarantined_rows": self.quarantined_rows,
            },
            "verdict": self.verdict,
            "late_by_days_at_most": self.late_by_days_at_most,
            "not_covered": self.not_covered,
        }


def read_from(key: str) -> list[str]:
    """The tables whose rows decide whether a snapshot holds `key`'s data, in schema
    order: the personal-data tables, and for an erasure request the request itself (a
    quarantined request is held by no key)."""
    extra = {"subject_requests"} if key.startswith("request:") else set()
    return [name for name in TABLES if name in PERSONAL_DATA_TABLES or name in extra]


def recorded_runs(connection: Connection) -> list[RunRef]:
    """Every recorded run, oldest snapshot first."""
    rows = connection.execute(
        select(
            runs.c.run_id,
            runs.c.snapshot_id,
            runs.c.manifest_sha256,
            runs.c.exported_at,
            runs.c.as_of,
            runs.c.rules,
        ).order_by(runs.c.recorded_at, runs.c.run_id)
    )
    recorded = list(rows.mappings())
    quarantined = _quarantined(connection)
    # A snapshot quarantines what it quarantines whichever rules a run of it ran: any run
    # of the same export that ran DQ-001 tells (the most it found in each table).
    known: dict[str, Counter[str]] = {}
    for row in recorded:
        if QUARANTINED_ROW.code in stored_rules(row["rules"]):
            counted = known.setdefault(row["manifest_sha256"], Counter())
            counted |= quarantined.get(row["run_id"], Counter())
    found = [
        RunRef(
            row["run_id"],
            row["snapshot_id"],
            row["manifest_sha256"],
            canonical(row["exported_at"]),
            canonical(row["as_of"]),
            dict(known[row["manifest_sha256"]]) if row["manifest_sha256"] in known else None,
        )
        for row in recorded
    ]
    return sorted(found, key=lambda run: (run.exported_at, run.as_of))  # stable: recorded order


def _quarantined(connection: Connection) -> dict[str, Counter[str]]:
    """Rows each run's snapshot quarantined, per table, from its DQ-001 findings
    (`row:<table>:<n>`)."""
    statement = select(findings.c.run_id, findings.c.key).where(
        findings.c.rule == QUARANTINED_ROW.code
    )
    counted: dict[str, Counter[str]] = {}
    for run_id, key in connection.execute(statement):
        kind, table, _ = f"{key}::".split(":", 2)
        if kind != "row" or not table:
            raise InputError(CHANGED_BY_HAND.format(what="key of a quarantined row"))
        counted.setdefault(run_id, Counter())[table] += 1
    return counted


def deletion_records(
    connection: Connection, key: str | None = None, order: list[RunRef] | None = None
) -> list[DeletionRecord]:
    """The deletion record of every key (or of `key` only, named by it even when the
    ledger holds it by its digest), sorted by key; `order` is `recorded_runs`, when the
    caller has read it already."""
    order = recorded_runs(connection) if order is None else order
    found = []
    for name, held in sorted(_holdings(connection, key).items()):
        judged = judge(name, order, held)
        if isinstance(judged, DeletionRecord):
            found.append(judged)
    return found


def why_no_record(
    connection: Connection, key: str, order: list[RunRef] | None = None
) -> str | None:
    """Why `key` has no deletion record, in words (None when it has one); `order` as for
    `deletion_records`."""
    order = recorded_runs(connection) if order is None else order
    if not order:
        return "no runs are recorded yet (record them with insight-workbench check --record)"
    judged = judge(key, order, next(iter(_holdings(connection, key).values()), {}))
    return judged if isinstance(judged, str) else None


def judge(key: str, order: list[RunRef], held: dict[str, Held]) -> DeletionRecord | str:
    """The deletion record of `key` from what each run (`order`, oldest first) held of
    it (`held`, by run id), or why there is none."""
    holding = [index for index, run in enumerate(order) if _holds(held.get(run.run_id))]
    if not holding:
        return NOTHING_OWED
    last = holding[-1]
    last_held = order[last]
    clear = next(
        (run for run in order[last + 1 :] if run.exported_at > last_held.exported_at), None
    )
    if clear is None:
        return "the latest recorded snapshot still holds its data"
    there = held[last_held.run_id]
    # The due date it had when last held; else the one the first clear snapshot gives
    # (data deleted just before its organisation was closed).
    dated = there if there.due is not None else held.get(clear.run_id)
    if dated is None or dated.rule is None or dated.due is None:
        return "no retention rule set a due date for it when it was last held or cleared"
    # held again: a gap between two holding runs, with a clearing in it (a run exported
    # later than the run before the gap; one exported at the same instant clears nothing)
    held_again = any(
        any(run.exported_at > order[index].exported_at for run in order[index + 1 : later])
        for index, later in pairwise(holding)
    )
    return DeletionRecord(key, dated.rule, dated.due, there.rows, last_held, clear, held_again)


def _rows_held(text: str) -> dict[str, int]:
    """The rows held per table, as `record_run` stored them ({"table": n})."""
    held = stored_json(text)
    if not isinstance(held, dict) or not all(
        isinstance(n, int) and not isinstance(n, bool) for n in held.values()
    ):
        raise InputError(CHANGED_BY_HAND.format(what="count of rows held"))
    return held


def _holds(held: Held | None) -> bool:
    return held is not None and any(held.rows.values())


def _holdings(connection: Connection, key: str | None) -> dict[str, dict[str, Held]]:
    """What each run held, per key then run id (of `key` only, named by it, when given)."""
    statement = select(holdings)
    asked = asked_by_held([] if key is None else [key])
    if key is not None:
        statement = statement.where(holdings.c.key.in_(sorted(asked)))
    found: dict[str, dict[str, Held]] = {}
    for row in connection.execute(statement).mappings():
        rows = _rows_held(row["rows"])
        name = asked.get(row["key"], row["key"])
        found.setdefault(name, {})[row["run_id"]] = Held(row["rule"], row["due"], rows)
    return found
