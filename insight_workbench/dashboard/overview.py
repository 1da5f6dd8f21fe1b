"""Overview: findings by family and severity, what is overdue, what falls due, load status."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pandas as pd

from insight_workbench.dashboard import audit, session
from insight_workbench.dashboard.session import Workbench
from insight_workbench.deadlines.schedule import Schedule, full_schedule
from insight_workbench.findings import SEVERITIES, Finding, plural
from insight_workbench.markdown_text import escape_markdown
from insight_workbench.rules import family_label

HORIZONS = (7, 30, 90)
# Findings about something already done (a request answered late): not outstanding.
ANSWERED = {"SAR-002"}
# Findings whose date fell due though they carry no `due` (the command line's contract
# gives one to RET and SAR findings only): the evidence names it.
DUE_IN_EVIDENCE = {"TPP-002": "next_review"}
DUE_NOW = "due now"  # an organisation due at the as-of instant itself


def finding_counts(wb: Workbench) -> pd.DataFrame:
    """Findings per family and severity (counts only: shown to every role). The app
    judges the snapshot here, so here it records the run in the ledger: at the export's
    own moment only. A view at another `as_of` is a what-if (the page view is logged);
    recorded, it would stand in the findings' history as the export's latest state."""
    result = session.check_result(wb)
    if wb.as_of == wb.exported_at:
        audit.record_judged(wb, result)
    rows = [(family_label(f.rule), f.severity) for f in result.findings]
    frame = pd.DataFrame(rows, columns=["family", "severity"])
    counts = frame.groupby(["family", "severity"]).size().reset_index(name="findings")
    order = {name: i for i, name in enumerate(SEVERITIES)}
    return counts.sort_values(
        ["family", "severity"], key=lambda s: s.map(order) if s.name == "severity" else s
    ).reset_index(drop=True)


def due_counts(wb: Workbench) -> dict[int, int]:
    """How many items fall due within 7, 30 and 90 days (counts only): the schedule's,
    with the organisations due at the as-of instant itself (not yet overdue)."""
    schedule = session.shared(_schedule, wb)
    return {days: len(schedule.within(days)) for days in HORIZONS}


def _schedule(wb: Workbench) -> Schedule:
    """Everything falling due after `as_of`, the organisations due at it included: built
    once, then cut to each horizon. Reduced to counts for any role but the DPO's."""
    return full_schedule(wb.snapshot_for_counts(), wb.policy, wb.as_of, due_now=True)


def overdue(wb: Workbench) -> pd.DataFrame:
    """Findings still outstanding past their due date (a processor's review too), longest
    overdue first. DPO only. A finding judged at the export (RET-003: a completed erasure
    whose data is held) is overdue only once `as_of` is past its due date: viewed at an
    earlier `as_of`, it is not yet."""
    zone = _clock(wb)
    dated = [(f, _due(f)) for f in session.dpo_findings(wb) if f.rule not in ANSWERED]
    rows = [
        {
            "rule": f.rule,
            "key": f.key,
            "severity": f.severity,
            "due": due,
            "days_overdue": days_between(due, wb.as_of, zone),
            "message": f.message,
        }
        for f, due in dated
        if due and _past(due, wb.as_of, zone)
    ]
    frame = pd.DataFrame(
        rows, columns=["rule", "key", "severity", "due", "days_overdue", "message"]
    )
    return frame.sort_values(
        ["days_overdue", "rule", "key"], ascending=[False, True, True], ignore_index=True
    )


def triage_said(late: pd.DataFrame) -> str:
    """How many overdue findings nobody deals with yet: neither assigned to an owner nor
    under an exception (`late` carries `owner` and `excepted_until`)."""
    excepted = late["excepted_until"].notna()
    unowned = late["owner"].isna() & ~excepted
    return (
        f"{plural(len(late), 'finding')} overdue: {int(unowned.sum())} neither assigned "
        f"to an owner nor under an exception, {int(excepted.sum())} under an exception."
    )


def findings_table(wb: Workbench) -> pd.DataFrame:
    """Every finding, as the command line sorts them. DPO only."""
    rows = [
        {
            "rule": f.rule,
            "family": family_label(f.rule),
            "key": f.key,
            "severity": f.severity,
            "due": f.due,
            "message": f.message,
        }
        for f in session.dpo_findings(wb)
    ]
    return pd.DataFrame(rows, columns=["rule", "family", "key", "severity", "due", "message"])


def upcoming(wb: Workbench, days: int) -> pd.DataFrame:
    """What falls due within `days`, soonest first, an organisation due at the as-of
    instant itself first of all (0 days left). DPO only."""
    wb.snapshot  # noqa: B018 (raises PermissionError for any other role)
    items = session.shared(_schedule, wb).within(days)
    zone = _clock(wb)
    rows = [
        {
            "kind": i.kind,
            "key": i.key,
            "state": DUE_NOW if _due_now(i.due, wb.as_of) else "upcoming",
            "due": i.due,
            "days_left": days_left(i.due, wb.as_of, zone),
            "message": i.message,
        }
        for i in items
    ]
    return pd.DataFrame(rows, columns=["kind", "key", "state", "due", "days_left", "message"])


def due_now_said(soon: pd.DataFrame) -> str | None:
    """What the due-within counts hold beyond the schedule: organisations due at the
    as-of moment itself, which are neither overdue (a finding comes after it) nor, for
    the `schedule` command, falling due later."""
    now = int((soon["state"] == DUE_NOW).sum())
    if not now:
        return None
    return (
        f"{plural(now, 'organisation')} due now (at the as-of moment itself) "
        f"{'is' if now == 1 else 'are'} counted as due within each horizon; the "
        "`schedule` command lists only what falls due after it."
    )


def _due_now(due: str, as_of: datetime) -> bool:
    """An instant due at `as_of` itself (a date, a request's or review's, is never)."""
    moment = _read_due(due)
    return moment.tzinfo is not None and moment == as_of


def shown_keys(wb: Workbench) -> list[str]:
    """The keys the DPO's tables may show, for the audit trail: every finding and what
    falls due within the widest horizon. DPO only."""
    due = upcoming(wb, HORIZONS[-1])
    return sorted({*findings_table(wb)["key"], *due["key"]})


def load_status(wb: Workbench) -> pd.DataFrame:
    """Rows in each file, loaded and quarantined (no values: counts only)."""
    rows = [
        {
            "table": x.table,
            "file": x.file or "(absent)",
            "rows_in_file": x.rows_in_file,
            "rows_loaded": x.rows_loaded,
            "rows_rejected": x.rows_rejected,
        }
        for x in wb.loads.values()
    ]
    return pd.DataFrame(
        rows, columns=["table", "file", "rows_in_file", "rows_loaded", "rows_rejected"]
    )


def not_read(wb: Workbench) -> list[tuple[str, str]]:
    """What the load left unread, as `validate` names it (DPO only: file names are the
    export's): files at the top of the snapshot folder that nothing reads, and datasets
    whose header row looks like data; each file and why."""
    from insight_workbench.loading.load_report import not_read as files_not_read
    from insight_workbench.loading.load_report import unread_datasets
    from insight_workbench.loading.raw_tables import shown

    snapshot = wb.snapshot
    found = [(u["file"], u["why"]) for u in unread_datasets(snapshot)]
    found += [(f["file"], f["why"]) for f in files_not_read(snapshot)]
    return [(shown(name), why) for name, why in found]  # control characters escaped


def _due(finding: Finding) -> str | None:
    """A finding's due date: its own, or the one its evidence names (`DUE_IN_EVIDENCE`)."""
    named = DUE_IN_EVIDENCE.get(finding.rule)
    return finding.due or (str(finding.evidence[named]) if named else None)


def _clock(wb: Workbench) -> ZoneInfo:
    """The zone whose dates the deadlines count in (`[subject_requests] timezone`)."""
    return ZoneInfo(wb.policy.subject_requests.timezone)


def days_between(due: str, as_of: datetime, zone: ZoneInfo) -> int:
    """Whole days from `due` (an ISO date or UTC timestamp) to `as_of`; a date (requests,
    reviews) against the calendar day of `as_of` in `zone`, as the rules count them."""
    moment, now = _comparable(due, as_of, zone)
    return (now - moment).days


def _past(due: str, as_of: datetime, zone: ZoneInfo) -> bool:
    """Whether `as_of` is past `due`: after the instant, or after the whole day."""
    moment, now = _comparable(due, as_of, zone)
    return moment < now


def days_left(due: str, as_of: datetime, zone: ZoneInfo) -> int:
    """Whole days from `as_of` to `due`, rounded down as on the Retention page (2.9 days
    left is 2); a date against the calendar day of `as_of` in `zone`."""
    moment, now = _comparable(due, as_of, zone)
    return (moment - now).days


def _read_due(due: str) -> datetime:
    """A due as written: an ISO date (naive) or a UTC instant."""
    return datetime.fromisoformat(due.replace("Z", "+00:00"))


def _comparable(due: str, as_of: datetime, zone: ZoneInfo) -> tuple[date, date]:
    """`due` and `as_of` as two instants, or two calendar dates when `due` is a date."""
    moment = _read_due(due)
    if moment.tzinfo is None:
        return moment.date(), as_of.astimezone(zone).date()
    return moment, as_of


def since_previous_run(wb: Workbench) -> tuple[str, pd.DataFrame, bool]:
    """What the latest recorded run changed since the one before it, from the ledger
    (which holds every snapshot's runs): a sentence naming the two runs, one row per
    finding that changed or is excepted (a new finding already excepted is one row:
    `new`, in the state `excepted`), and whether the latest run is of the open snapshot.
    Only then do its keys name records of this view: a key links in this snapshot."""
    from insight_workbench.ledger.database import open_ledger
    from insight_workbench.ledger.instants import shown
    from insight_workbench.ledger.lifecycle import finding_lifecycle

    changes = finding_lifecycle(open_ledger()).since_previous()
    columns = ["key", "change", "rule", "state", "first_seen", "runs_seen"]
    if changes.latest is None:
        return "No run is recorded in the ledger yet.", pd.DataFrame(columns=columns), False
    # A sentence for Markdown: the snapshot ids come from the exports, so they are escaped.
    latest_id = escape_markdown(changes.latest.snapshot_id)
    latest = f"{latest_id} (exported {shown(changes.latest.exported_at)})"
    if changes.previous is None:
        said = f"One run is recorded: {latest}."
    else:
        previous_id = escape_markdown(changes.previous.snapshot_id)
        said = f"The latest recorded run, {latest}, against {previous_id}."
    here = changes.latest.manifest_sha256 == wb.manifest_checksum
    if not here:
        said += (
            " It ran on another snapshot than the one open: open that snapshot to follow "
            "its keys to their records."
        )
    listed = {(f.rule, f.key) for f in (*changes.new, *changes.reopened)}
    rows = [
        {
            "key": life.key,
            "change": change,
            "rule": life.rule,
            "state": life.state,
            "first_seen": shown(life.first_seen),
            "runs_seen": life.runs_seen,
        }
        for change, lives in (
            ("new", changes.new),
            ("reopened", changes.reopened),
            ("resolved", changes.resolved),
            ("excepted", [f for f in changes.excepted if (f.rule, f.key) not in listed]),
        )
        for life in lives
    ]
    return said, pd.DataFrame(rows, columns=columns), here


def recorded_trend(wb: Workbench) -> pd.DataFrame:
    """Findings per rule family in each recorded run, oldest first (counts only)."""
    from insight_workbench.ledger.database import open_ledger
    from insight_workbench.ledger.lifecycle import finding_lifecycle

    del wb
    rows = [
        {"exported_at": run["exported_at"], "family": family_label(prefix), "findings": n}
        for run in finding_lifecycle(open_ledger()).trend()
        for prefix, n in run["by_family"].items()
    ]
    frame = pd.DataFrame(rows, columns=["exported_at", "family", "findings"])
    frame["exported_at"] = pd.to_datetime(frame["exported_at"], utc=True)
    return frame
