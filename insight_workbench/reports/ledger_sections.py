"""The compliance pack's sections read from the ledger (`INSIGHT_LEDGER`): the trend of
findings over the recorded runs, the deletion register, the DPO's decisions and the
exceptions in force. They show the ledger as it stands when the report runs.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import func, select

from insight_workbench import charts
from insight_workbench.ledger.database import Ledger, reading
from insight_workbench.ledger.decision_log import decisions_about, in_force, standing_exception
from insight_workbench.ledger.decisions import london_today
from insight_workbench.ledger.evidence import deletion_records
from insight_workbench.ledger.instants import parsed, stored_rules
from insight_workbench.ledger.runs import run_identity
from insight_workbench.ledger.tables import findings, runs
from insight_workbench.reports.sections import Section
from insight_workbench.rules import FAMILIES, family_of
from insight_workbench.rules.runner import CheckResult

NO_RUNS = (
    "*No runs are recorded yet.* Record each month's check with "
    "`insight-workbench check SNAPSHOT --record`: the trend and the deletion register "
    "build up from the recorded runs. Until then the trend shows this report's run only."
)
TREND_COLUMNS = ["run", "snapshot_id", "exported_at", "as_of", "recorded", "family", "findings"]
THIS_REPORT = "this report"


def trend(ledger: Ledger, current: CheckResult) -> pd.DataFrame:
    """Findings per family in each recorded run, oldest snapshot first, and in this
    report's run when it is not recorded. A run counts only the families it ran."""
    with reading(ledger) as connection:
        recorded = connection.execute(
            select(
                runs.c.run_id, runs.c.snapshot_id, runs.c.exported_at, runs.c.as_of, runs.c.rules
            )
        ).all()
        counts = connection.execute(
            select(findings.c.run_id, findings.c.rule, func.count()).group_by(
                findings.c.run_id, findings.c.rule
            )
        ).all()
    found: dict[tuple[str, str], int] = {}
    for run_id, rule, n in counts:
        key = (run_id, family_of(rule))
        found[key] = found.get(key, 0) + int(n)
    rows = [
        _trend_row(
            run.run_id[:12],
            run.snapshot_id,
            parsed(run.exported_at),
            parsed(run.as_of),
            True,
            prefix,
            found.get((run.run_id, prefix), 0),
        )
        for run in recorded
        for prefix in _families(sorted(stored_rules(run.rules)))
    ]
    if run_identity(current) not in {run.run_id for run in recorded}:
        manifest = current.snapshot.manifest
        ran = _families([rule.code for rule in current.rules])
        rows += [
            _trend_row(
                THIS_REPORT,
                manifest.snapshot_id,
                manifest.exported_at,
                current.as_of,
                False,
                prefix,
                sum(1 for f in current.findings if family_of(f.rule) == prefix),
            )
            for prefix in ran
        ]
    frame = pd.DataFrame(rows, columns=TREND_COLUMNS)
    return frame.sort_values(["exported_at", "as_of", "run", "family"], ignore_index=True)


def trend_section(history: pd.DataFrame) -> Section:
    """The trend as a section: a line per family once there are two runs or more."""
    recorded = history[history["recorded"]]["run"].nunique()
    intro = (
        f"Findings per rule family in each of the {recorded} run(s) recorded in the ledger, "
        "oldest snapshot first (a run counts the families whose rules it ran); this "
        "report's run is added when it is not recorded."
        if recorded
        else NO_RUNS
    )
    table = history.pivot_table(
        index=["exported_at", "snapshot_id", "run"],
        columns="family",
        values="findings",
        aggfunc="sum",
    )
    section = Section("Trend of findings", intro, [("Findings per run and family", table)])
    if history["run"].nunique() > 1:
        section.charts.append(
            charts.lines(
                history, "exported_at", "findings", "Findings per family over time", "family"
            )
        )
    section.figures = {"recorded_runs": int(recorded)}
    return section


def deletion_register(ledger: Ledger) -> Section:
    """Every deletion record (`insight-workbench evidence`), sorted by key."""
    with reading(ledger) as connection:
        records = deletion_records(connection)
    rows = [
        {
            "key": r.key,
            "rule": r.rule,
            "due": r.as_dict()["due"],
            "last_held": r.as_dict()["last_held"]["exported_at"],
            "first_clear": r.as_dict()["first_clear"]["exported_at"],
            "verdict": r.verdict,
            "late_by_days_at_most": r.late_by_days_at_most,
            "rows_held": sum(r.rows.values()),
            "not_covered": r.not_covered_brief,
        }
        for r in records
    ]
    columns = ["key", "rule", "due", "last_held", "first_clear", "verdict"]
    extra = ["late_by_days_at_most", "rows_held", "not_covered"]
    frame = pd.DataFrame(rows, columns=[*columns, *extra])
    frame["late_by_days_at_most"] = frame["late_by_days_at_most"].astype("Int64")
    late = [r.key for r in records if r.verdict == "late"]
    return Section(
        "Deletion register",
        "Each organisation and erasure request whose data a recorded snapshot held and a "
        "later one no longer holds: the export time of the last snapshot holding it and of "
        "the first without it, and whether that was by its due date (late by at most the "
        "days shown). `not_covered`: rows the first snapshot without it quarantined "
        "(DQ-001), which the clearing does not cover, or that its run did not look. "
        "`insight-workbench evidence` writes the certificates.",
        [("Deletion records", frame)],
        figures={"records": len(records), "late": late, "keys": [r.key for r in records]},
    )


def decisions(ledger: Ledger, as_of: datetime) -> Section:
    """Every decision recorded about a finding, and the exceptions in force at `as_of`."""
    with reading(ledger) as connection:
        by_key = decisions_about(connection)
    made = sorted((d for history in by_key.values() for d in history), key=lambda d: d.seq)
    frame = pd.DataFrame(
        [{name: getattr(d, name) for name in DECISION_COLUMNS} for d in made],
        columns=DECISION_COLUMNS,
    )
    day = london_today(as_of)  # an exception runs to the end of its day in London
    standing = []
    for history in (by_key[key] for key in sorted(by_key)):
        for rule in sorted({d.rule for d in history}):
            exception = standing_exception(history, rule)
            if exception is not None and in_force(exception, day):
                standing.append(exception)
    exceptions = pd.DataFrame(
        [{name: getattr(d, name) for name in EXCEPTION_COLUMNS} for d in standing],
        columns=EXCEPTION_COLUMNS,
    )
    return Section(
        "Decisions and exceptions",
        "What the DPO decided about findings, oldest first, and the exceptions still in "
        f"force on {day.isoformat()}, London (granted, not withdrawn, not expired).",
        [("Decisions", frame), ("Exceptions in force", exceptions)],
        figures={
            "decisions": len(made),
            "exceptions_in_force": [f"{d.rule} {d.key}" for d in standing],
        },
    )


DECISION_COLUMNS = ["at", "rule", "key", "action", "by", "owner", "note"]
EXCEPTION_COLUMNS = ["rule", "key", "basis", "approver", "until", "at", "by"]


def _families(codes: list[str]) -> list[str]:
    ran = {family_of(code) for code in codes}
    return [prefix for prefix in FAMILIES if prefix in ran]


def _trend_row(
    run: str,
    snapshot_id: str,
    exported_at: datetime,
    as_of: datetime,
    recorded: bool,
    prefix: str,
    count: int,
) -> dict[str, object]:
    return {
        "run": run,
        "snapshot_id": snapshot_id,
        "exported_at": exported_at,
        "as_of": as_of,
        "recorded": recorded,
        "family": FAMILIES[prefix],
        "findings": count,
    }
