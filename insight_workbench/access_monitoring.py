"""Access monitoring tables for the dashboard page and the access review notebook.

Everything here is computed by the ACC rules' own queries (imported, not copied),
so a chart and the findings of `check` can never disagree.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import pandas as pd

import insight_workbench.rules.acc_001_login_after_closure as acc_001
import insight_workbench.rules.acc_002_login_after_deletion as acc_002
import insight_workbench.rules.acc_003_account_failed_login_burst as acc_003
import insight_workbench.rules.acc_004_ip_failed_login_burst as acc_004
import insight_workbench.rules.acc_005_user_list_outside_organisation as acc_005
from insight_workbench.loading.snapshot import Snapshot
from insight_workbench.policy import Policy
from insight_workbench.rules.base import RuleContext

GRAINS = {"day": "D", "hour": "h"}

FAILED_BY_PERIOD = """
SELECT date_trunc($grain, ts) AS period,
       count(*) AS failed_logins,
       count(DISTINCT user_id) AS accounts,
       count(DISTINCT ip) AS ips
FROM logins
WHERE NOT success
GROUP BY period
ORDER BY period
"""


@contextmanager
def _context(snapshot: Snapshot, policy: Policy, as_of: datetime | None) -> Iterator[RuleContext]:
    cursor = snapshot.cursor()
    try:
        yield RuleContext(snapshot, cursor, policy, as_of or snapshot.manifest.exported_at)
    finally:
        cursor.close()


def burst_windows(
    snapshot: Snapshot, policy: Policy, as_of: datetime | None = None
) -> pd.DataFrame:
    """The densest failed-login window of each account (ACC-003) and IP (ACC-004) over
    the threshold: kind (account | ip), subject, failed_logins, first, last."""
    with _context(snapshot, policy, as_of) as ctx:
        rows = [{"kind": "account", **row} for row in acc_003.bursts(ctx)]
        rows += [{"kind": "ip", **row} for row in acc_004.bursts(ctx)]
    frame = pd.DataFrame(rows, columns=["kind", "subject", "failures", "first_ts", "last_ts"])
    frame = frame.rename(
        columns={"failures": "failed_logins", "first_ts": "first", "last_ts": "last"}
    )
    return _as_times(frame, "first", "last")


def _as_times(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """The rules give times as ISO 8601 UTC text; tables and charts want timestamps."""
    for column in columns:
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def failed_logins_over_time(
    snapshot: Snapshot, policy: Policy, grain: str = "day", as_of: datetime | None = None
) -> pd.DataFrame:
    """Failed logins per day or hour (UTC): period, failed_logins, accounts, ips, and
    bursts (how many ACC-003/ACC-004 burst windows touch the period) with in_burst."""
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {', '.join(GRAINS)}")
    with _context(snapshot, policy, as_of) as ctx:
        result = ctx.cursor.execute(FAILED_BY_PERIOD, {"grain": grain})
        names = [d[0] for d in result.description or []]
        counts = _as_times(pd.DataFrame(result.fetchall(), columns=names), "period")
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


def logins_after_closure_or_deletion(
    snapshot: Snapshot, policy: Policy, as_of: datetime | None = None
) -> pd.DataFrame:
    """Successful logins after the organisation closed (ACC-001) or the account was
    deleted (ACC-002): rule, login_id, user_id, org_id, ts, limit, limit_at."""
    with _context(snapshot, policy, as_of) as ctx:
        rows: list[dict[str, Any]] = [
            {"rule": "ACC-001", "limit": "organisation closed", **row}
            for row in acc_001.logins(ctx)
        ]
        rows += [
            {"rule": "ACC-002", "limit": "account deleted", **row} for row in acc_002.logins(ctx)
        ]
    columns = ["rule", "login_id", "user_id", "org_id", "ts", "limit", "limit_at"]
    return _as_times(pd.DataFrame(rows, columns=columns), "ts", "limit_at")


def views_outside_organisation(
    snapshot: Snapshot, policy: Policy, as_of: datetime | None = None
) -> pd.DataFrame:
    """User-list views by anyone but a group admin of that organisation (ACC-005):
    view_id, ts, viewer_user_id, org_id, viewer_org_id, viewer_role, reason."""
    with _context(snapshot, policy, as_of) as ctx:
        rows = acc_005.views(ctx)
    columns = ["view_id", "ts", "viewer_user_id", "org_id", "viewer_org_id", "viewer_role"]
    frame = pd.DataFrame(rows, columns=[*columns, "reason"])
    frame["reason"] = frame["reason"].map(acc_005.REASONS)
    return _as_times(frame, "ts")
