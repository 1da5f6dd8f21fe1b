"""The life of each finding over the recorded runs.

Runs are put in the order of their snapshots' `exported_at` (ties: `as_of`, then
when they were recorded). A finding (rule and key) is followed through the runs that
ran its rule; a run that did not run the rule leaves its state as it was.

    new       in exactly one run, the latest that ran its rule
    open      found again in the latest run that ran its rule, or earlier and never fixed
    resolved  a later run of its rule no longer has it
    reopened  found again after it had been resolved (and not resolved since)
    excepted  not resolved, and an exception covers it today (Europe/London): up to and
              including the exception's end date, unless withdrawn

    lifecycle = finding_lifecycle(open_ledger(), rule_prefix="RET")
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, func, select

from insight_workbench.ledger.database import Ledger, reading
from insight_workbench.ledger.decisions import (
    Decision,
    active_exception,
    decisions_by_finding,
    key_matches,
    london_today,
)
from insight_workbench.ledger.instants import canonical, shown, stored_rules
from insight_workbench.ledger.instants import now as clock_now
from insight_workbench.ledger.tables import asked_by_held, findings, runs
from insight_workbench.rules import family_of

NEW, OPEN, RESOLVED, REOPENED, EXCEPTED = "new", "open", "resolved", "reopened", "excepted"
STATES = (NEW, OPEN, RESOLVED, REOPENED, EXCEPTED)
FindingId = tuple[str, str]  # (rule, key)


@dataclass(frozen=True)
class RecordedRun:
    """One recorded run, with its findings counted (all of them, whatever the filter)."""

    run_id: str
    snapshot_id: str
    manifest_sha256: str  # which export it ran on
    exported_at: str  # stored instants
    as_of: str
    recorded_at: str
    rules: frozenset[str]
    findings: int
    by_family: Mapping[str, int]  # findings per rule family (`RET`, `SAR`, ...)

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "snapshot_id": self.snapshot_id,
            "exported_at": shown(self.exported_at),
            "as_of": shown(self.as_of),
            "findings": self.findings,
        }


@dataclass(frozen=True)
class FindingLife:
    rule: str
    key: str
    state: str
    seen_in: tuple[str, ...]  # ids of the runs that found it, in run order
    first_seen: str  # exported_at of those runs (stored instants)
    last_seen: str
    resolved_in: str | None  # exported_at of the first later run of its rule without it
    resolved_by: str | None  # that run's id
    began_in: str  # id of the run where its current spell began (first seen or reopened)
    exception: Decision | None  # the exception in force today
    decisions: tuple[Decision, ...] = field(default=())

    @property
    def runs_seen(self) -> int:
        return len(self.seen_in)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "key": self.key,
            "state": self.state,
            "first_seen": shown(self.first_seen),
            "last_seen": shown(self.last_seen),
            "resolved_in": shown(self.resolved_in),
            "runs_seen": self.runs_seen,
            "exception": self.exception.exception_dict() if self.exception else None,
            "decisions": [decision.as_dict() for decision in self.decisions],
        }


@dataclass(frozen=True)
class Changes:
    """What the latest run changed since the run before it."""

    latest: RecordedRun | None
    previous: RecordedRun | None
    new: tuple[FindingLife, ...]  # found for the first time by the latest run
    reopened: tuple[FindingLife, ...]  # found again by the latest run, after being resolved
    resolved: tuple[FindingLife, ...]  # no longer found by the latest run
    excepted: tuple[FindingLife, ...]  # found by the latest run, but covered by an exception


@dataclass(frozen=True)
class Lifecycle:
    runs: tuple[RecordedRun, ...]  # in order: exported_at, as_of, recorded_at
    findings: tuple[FindingLife, ...]  # by rule, then key

    def as_dict(self) -> dict[str, Any]:
        """The document `history --format json` prints."""
        return {
            "runs": [run.as_dict() for run in self.runs],
            "findings": [finding.as_dict() for finding in self.findings],
        }

    def since_previous(self) -> Changes:
        latest = self.runs[-1] if self.runs else None
        previous = self.runs[-2] if len(self.runs) > 1 else None
        if latest is None:
            return Changes(None, None, (), (), (), ())
        in_latest = [f for f in self.findings if f.seen_in and f.seen_in[-1] == latest.run_id]
        return Changes(
            latest,
            previous,
            new=tuple(f for f in in_latest if f.seen_in == (latest.run_id,)),
            reopened=tuple(f for f in in_latest if f.runs_seen > 1 and f.began_in == latest.run_id),
            resolved=tuple(f for f in self.findings if f.resolved_by == latest.run_id),
            excepted=tuple(f for f in in_latest if f.state == EXCEPTED),
        )

    def trend(self) -> list[dict[str, Any]]:
        """Findings per run and per rule family, in run order (every run, whatever the
        filter)."""
        return [
            {
                "run_id": run.run_id,
                "exported_at": shown(run.exported_at),
                "findings": run.findings,
                "by_family": dict(run.by_family),
            }
            for run in self.runs
        ]


def finding_lifecycle(
    ledger: Ledger,
    rule_prefix: str | None = None,
    key: str | None = None,
    now: datetime | None = None,
    *,
    with_parts: bool = False,
) -> Lifecycle:
    """Every recorded run, and the life of each finding whose rule starts with
    `rule_prefix` and whose key is `key` (when given; `with_parts`: or a key of one of
    its parts, `key:…`, as a dataset's columns), judged at `now` (exceptions). A key too
    long for the ledger's columns is found by its whole text, and named by it."""
    today = london_today(now or clock_now())
    prefix = rule_prefix.upper() if rule_prefix else None
    with reading(ledger) as connection:
        recorded = _runs(connection)
        present = _presence(connection, prefix, key, with_parts)
        decided = decisions_by_finding(connection, prefix, key, with_parts=with_parts)
    lives = [
        _life(rule, finding_key, recorded, present[(rule, finding_key)], decided, today)
        for rule, finding_key in sorted(present)
    ]
    return Lifecycle(tuple(recorded), tuple(lives))


def finding_history(
    ledger: Ledger, rule: str, key: str, now: datetime | None = None
) -> FindingLife | None:
    """The life of one finding, or None when no recorded run has it."""
    lifecycle = finding_lifecycle(ledger, rule, key, now)
    return next((f for f in lifecycle.findings if f.rule == rule), None)


def _runs(connection: Connection) -> list[RecordedRun]:
    counted: dict[str, Counter[str]] = defaultdict(Counter)
    per_rule = select(findings.c.run_id, findings.c.rule, func.count().label("n")).group_by(
        findings.c.run_id, findings.c.rule
    )
    for row in connection.execute(per_rule):
        counted[row.run_id][family_of(row.rule)] += int(row.n)
    recorded = [
        RecordedRun(
            run_id=row["run_id"],
            snapshot_id=row["snapshot_id"],
            manifest_sha256=row["manifest_sha256"],
            exported_at=canonical(row["exported_at"]),
            as_of=canonical(row["as_of"]),
            recorded_at=row["recorded_at"],
            rules=stored_rules(row["rules"]),
            findings=sum(counted[row["run_id"]].values()),
            by_family=dict(sorted(counted[row["run_id"]].items())),
        )
        for row in connection.execute(select(runs)).mappings()
    ]
    return sorted(recorded, key=lambda r: (r.exported_at, r.as_of, r.recorded_at, r.run_id))


def _presence(
    connection: Connection, prefix: str | None, key: str | None, with_parts: bool
) -> dict[FindingId, set[str]]:
    """The runs that found each finding."""
    query = select(findings.c.run_id, findings.c.rule, findings.c.key)
    if prefix:
        query = query.where(findings.c.rule.startswith(prefix, autoescape=True))
    if key is not None:
        query = query.where(key_matches(findings.c.key, key, with_parts))
    asked = asked_by_held([] if key is None else [key])
    found: dict[FindingId, set[str]] = defaultdict(set)
    for row in connection.execute(query):
        found[(row.rule, asked.get(row.key, row.key))].add(row.run_id)
    return found


def _life(
    rule: str,
    key: str,
    recorded: Sequence[RecordedRun],
    found_in: set[str],
    decided: Mapping[FindingId, list[Decision]],
    today: date,
) -> FindingLife:
    """Follow one finding through the runs of its rule."""
    ran = [run for run in recorded if rule in run.rules or run.run_id in found_in]
    seen: list[RecordedRun] = []
    resolved_by: RecordedRun | None = None
    began_in = ""
    reopened = False
    for run in ran:
        if run.run_id in found_in:
            if resolved_by is not None:
                reopened, began_in = True, run.run_id
            elif not seen:
                began_in = run.run_id
            resolved_by = None
            seen.append(run)
        elif seen and resolved_by is None:
            resolved_by = run
    history = tuple(decided.get((rule, key), ()))
    exception = active_exception(history, today)
    if resolved_by is not None:
        state = RESOLVED
    elif exception is not None:
        state = EXCEPTED
    elif reopened:
        state = REOPENED
    elif len(seen) == 1 and seen[0] is ran[-1]:
        state = NEW
    else:
        state = OPEN
    return FindingLife(
        rule=rule,
        key=key,
        state=state,
        seen_in=tuple(run.run_id for run in seen),
        first_seen=seen[0].exported_at,
        last_seen=seen[-1].exported_at,
        resolved_in=resolved_by.exported_at if resolved_by else None,
        resolved_by=resolved_by.run_id if resolved_by else None,
        began_in=began_in,
        exception=exception,
        decisions=history,
    )
