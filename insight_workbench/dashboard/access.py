"""Access monitoring (DPO): failed-login bursts, logins after closure or deletion, and
user-list views outside the viewer's organisation, all from the ACC rules' queries."""

from __future__ import annotations

import pandas as pd

from insight_workbench import access_monitoring as access
from insight_workbench.dashboard.session import Workbench


def failed_over_time(wb: Workbench, grain: str) -> pd.DataFrame:
    return access.failed_logins_over_time(wb.snapshot, wb.policy, grain, wb.as_of)


def bursts(wb: Workbench) -> pd.DataFrame:
    return access.burst_windows(wb.snapshot, wb.policy, wb.as_of)


def late_logins(wb: Workbench) -> pd.DataFrame:
    return access.logins_after_closure_or_deletion(wb.snapshot, wb.policy, wb.as_of)


def outside_views(wb: Workbench) -> pd.DataFrame:
    return access.views_outside_organisation(wb.snapshot, wb.policy, wb.as_of)


def shown_keys(bursts: pd.DataFrame, late: pd.DataFrame, views: pd.DataFrame) -> list[str]:
    """The records the page shows, for the audit trail: accounts, logins and views
    (an IP burst is named by the page alone: an address is never logged)."""
    accounts = bursts.loc[bursts["kind"] == "account", "subject"]
    pairs = [
        ("user", accounts),
        ("login", late["login_id"]),
        ("user", late["user_id"]),
        ("view", views["view_id"]),
        ("user", views["viewer_user_id"]),
    ]
    return sorted({f"{kind}:{v}" for kind, values in pairs for v in values.dropna()})
