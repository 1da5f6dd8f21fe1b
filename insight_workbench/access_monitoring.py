"""Access monitoring tables for the dashboard page and the access review notebook.

The ACC rules judge the rows these functions return (the rules import them), so a
chart and the findings of `check` can never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from insight_workbench.findings import Finding
from insight_workbench.loading.context import SnapshotContext, snapshot_context
from insight_workbench.loading.snapshot import Snapshot
from insight_workbench.policy import Policy
from insight_workbench.sql import frame as sql_frame
from insight_workbench.timeutil import format_utc

if TYPE_CHECKING:  # only the tables below need pandas; the ACC rules run without it
    import pandas as pd

GRAINS = {"day": "D", "hour": "h"}

# Why a user-list view is an ACC-005 finding.
REASONS = {
    "unknown_viewer": "a viewer with no users row",
    "not_group_admin": "a user who is not a group admin",
    "other_organisation": "a group admin of another organisation",
}


# The tables below give times as ISO 8601 UTC text in full precision (`format_utc`): a
# login a millisecond after a closure must not read as at the same second.


def logins_after_closure(ctx: SnapshotContext) -> list[dict[str, Any]]:
    """ACC-001: successful logins with `ts` after the closure of the user's organisation
    (`limit_at`)."""
    return _as_text(ctx.query("acc_001_login_after_closure.sql"), "ts", "limit_at")


def logins_after_deletion(ctx: SnapshotContext) -> list[dict[str, Any]]:
    """ACC-002: successful logins with `ts` after the user's `deleted_at` (`limit_at`)."""
    return _as_text(ctx.query("acc_002_login_after_deletion.sql"), "ts", "limit_at")


def account_bursts(ctx: SnapshotContext) -> list[dict[str, Any]]:
    """ACC-003: per account over the threshold, `subject`, and `failures`, `first_ts`,
    `last_ts` of its densest window."""
    access = ctx.policy.access
    return _bursts(ctx, by_ip=False, threshold=access.failed_logins_per_account)


def ip_bursts(ctx: SnapshotContext) -> list[dict[str, Any]]:
    """ACC-004: per IP over the threshold, `subject` (the IP as written), and `failures`,
    `first_ts`, `last_ts` of its densest window."""
    access = ctx.policy.access
    return _bursts(ctx, by_ip=True, threshold=access.failed_logins_per_ip)


def _bursts(ctx: SnapshotContext, by_ip: bool, threshold: int) -> list[dict[str, Any]]:
    rows = ctx.query(
        "failed_login_bursts.sql",
        by_ip=by_ip,
        threshold=max(threshold, 1),
        window_seconds=ctx.policy.access.window_minutes * 60,
    )
    return _as_text(rows, "first_ts", "last_ts")


def views_by_outsiders(ctx: SnapshotContext) -> list[dict[str, Any]]:
    """ACC-005: views of a user list by anyone but a group admin of that organisation,
    with `reason` one of REASONS."""
    return _as_text(ctx.query("acc_005_user_list_outside_organisation.sql"), "ts")


def _as_text(rows: list[dict[str, Any]], *columns: str) -> list[dict[str, Any]]:
    for row in rows:
        for column in columns:
            row[column] = format_utc(row[column])
    return rows


# The kind of a burst (`burst_windows`), and the kind of record key its subject is:
# ACC-003 names an account by its user id, ACC-004 an IP address.
BURST_KEYS = {"account": "user", "ip": "ip"}
BURST_RULES = {"account": "ACC-003", "ip": "ACC-004"}
VIEW_RULE = "ACC-005"  # a user-list view by anyone but a group admin: `view:<view_id>`


def burst_windows(
    snapshot: Snapshot, policy: Policy, as_of: datetime | None = None
) -> pd.DataFrame:
    """The densest failed-login window of each account (ACC-003) and IP (ACC-004) over
    the threshold: kind (account | ip), subject, failed_logins, first, last."""
    import pandas as pd

    with snapshot_context(snapshot, policy, as_of) as ctx:
        rows = [{"kind": "account", **row} for row in account_bursts(ctx)]
        rows += [{"kind": "ip", **row} for row in ip_bursts(ctx)]  # the kinds of BURST_KEYS
    frame = pd.DataFrame(rows, columns=["kind", "subject", "failures", "first_ts", "last_ts"])
    frame = frame.rename(
        columns={"failures": "failed_logins", "first_ts": "first", "last_ts": "last"}
    )
    return _as_times(frame, "first", "last")


def _as_times(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """The rules give times as ISO 8601 UTC text; tables and charts want timestamps."""
    import pandas as pd

    for column in columns:
        frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
    return frame


def failed_logins_over_time(
    snapshot: Snapshot,
    policy: Policy,
    grain: str = "day",
    as_of: datetime | None = None,
    *,
    windows: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Failed logins per day or hour (UTC): period, failed_logins, accounts, ips, and
    bursts (how many ACC-003/ACC-004 burst windows touch the period) with in_burst.
    `windows`: the `burst_windows` of the same snapshot, policy and `as_of` when the
    caller has them already."""
    import pandas as pd

    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {', '.join(GRAINS)}")
    with snapshot_context(snapshot, policy, as_of) as ctx:
        found = sql_frame(ctx.cursor, "failed_logins_by_period.sql", grain=grain)
        counts = _as_times(found, "period")
    if windows is None:
        windows = burst_windows(snapshot, policy, as_of)
    touched: dict[pd.Timestamp, int] = {}
    for first, last in zip(windows["first"], windows["last"], strict=True):
        # A window lasts minutes: it touches one period, or two across a boundary.
        span = pd.date_range(
            pd.Timestamp(first).floor(GRAINS[grain]),
            pd.Timestamp(last).floor(GRAINS[grain]),
            freq=GRAINS[grain],
        )
        for period in span:
            touched[period] = touched.get(period, 0) + 1
    counts["bursts"] = [touched.get(period, 0) for period in counts["period"]]
    counts["in_burst"] = counts["bursts"] > 0
    return counts


# The rules that judge a successful login late, what each login came after, and the
# evidence field naming that moment.
LATE_LOGIN_RULES = {
    "ACC-001": ("organisation closed", "closed_at"),
    "ACC-002": ("account deleted", "deleted_at"),
}


def logins_after_closure_or_deletion(
    snapshot: Snapshot, policy: Policy, as_of: datetime | None = None
) -> pd.DataFrame:
    """Successful logins after the organisation closed (ACC-001) or the account was
    deleted (ACC-002): rule, login_id, user_id, org_id, ts, limit, limit_at."""
    with snapshot_context(snapshot, policy, as_of) as ctx:
        rows = [{"rule": "ACC-001", **row} for row in logins_after_closure(ctx)]
        rows += [{"rule": "ACC-002", **row} for row in logins_after_deletion(ctx)]
    return _late_logins_table(rows)


def late_logins(findings: Iterable[Finding]) -> pd.DataFrame:
    """The table of `logins_after_closure_or_deletion` read from a check's ACC-001 and
    ACC-002 findings, which carry the same facts (the app has run every rule already: the
    log is not scanned again). Other rules' findings are passed over."""
    rows = [
        {
            "rule": f.rule,
            "login_id": f.key.removeprefix("login:"),
            "user_id": f.evidence["user_id"],
            "org_id": f.evidence["org_id"],
            "ts": f.evidence["ts"],
            "limit_at": f.evidence[LATE_LOGIN_RULES[f.rule][1]],
        }
        for f in findings
        if f.rule in LATE_LOGIN_RULES
    ]
    return _late_logins_table(rows)


def _late_logins_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    import pandas as pd

    limits = [LATE_LOGIN_RULES[row["rule"]][0] for row in rows]
    columns = ["rule", "login_id", "user_id", "org_id", "ts", "limit_at"]
    frame = pd.DataFrame(rows, columns=columns)
    frame.insert(5, "limit", pd.Series(limits, dtype=object, index=frame.index))
    return _as_times(frame, "ts", "limit_at")


def views_outside_organisation(
    snapshot: Snapshot, policy: Policy, as_of: datetime | None = None
) -> pd.DataFrame:
    """User-list views by anyone but a group admin of that organisation (ACC-005):
    view_id, ts, viewer_user_id, org_id, viewer_org_id, viewer_role, reason."""
    import pandas as pd

    with snapshot_context(snapshot, policy, as_of) as ctx:
        rows = views_by_outsiders(ctx)
    columns = ["view_id", "ts", "viewer_user_id", "org_id", "viewer_org_id", "viewer_role"]
    frame = pd.DataFrame(rows, columns=[*columns, "reason"])
    frame["reason"] = frame["reason"].map(REASONS)
    return _as_times(frame, "ts")


# The record panel's facts of an account, a login, a user-list view or an IP address no
# rule names: the SQL file of each kind (as its key names it), and the parameter it takes.
RECORD_FACTS = {
    "user": ("access_account.sql", "user_id"),
    "login": ("access_login.sql", "login_id"),
    "view": ("access_view.sql", "view_id"),
    "ip": ("access_ip.sql", "ip"),
}


def record_facts(snapshot: Snapshot, policy: Policy, kind: str, ident: str) -> pd.DataFrame:
    """The row of one account, login, view or IP address (`kind`) for its record where no
    rule names it (an account linked from an organisation's record: its organisation,
    role, when it was made and deleted, its logins), so that its link leads to it; no
    row for an id the snapshot does not hold."""
    sql_file, parameter = RECORD_FACTS[kind]
    with snapshot_context(snapshot, policy) as ctx:
        return sql_frame(ctx.cursor, sql_file, None, **{parameter: ident})
