"""Usage analytics over the analyst's de-identified data (see `analyst.py`).

Every function returns a pandas DataFrame computed in DuckDB, with small counts
of people suppressed (`suppression.py`); `headline_figures` also reads a
snapshot, for the DPO's `usage` command.
"""

from collections.abc import Callable

import pandas as pd

from insight_workbench.analyst.usage.accounts import (
    active_organisations,
    dormant_accounts,
    new_users,
    users_per_organisation,
)
from insight_workbench.analyst.usage.activity import (
    active_users,
    cohort_retention,
    hour_of_week,
    logins_per_user,
    stickiness,
)
from insight_workbench.analyst.usage.features import (
    browser_share,
    feature_usage,
    os_share,
    referrer_domains,
)
from insight_workbench.analyst.usage.headline import analyst_headline, headline_figures

# Every analyst-facing table, by name: (function, one-line title). Views iterate it.
REPORTS: dict[str, tuple[Callable[..., pd.DataFrame], str]] = {
    "active_users": (active_users, "Active users per day, week or month"),
    "stickiness": (stickiness, "Daily / monthly active users (stickiness)"),
    "logins_per_user": (logins_per_user, "Logins per user"),
    "active_organisations": (active_organisations, "Organisations per product and status"),
    "users_per_organisation": (users_per_organisation, "Average users per active organisation"),
    "new_users": (new_users, "New users per month"),
    "dormant_accounts": (dormant_accounts, "Dormant accounts (no login for 90 days)"),
    "feature_usage": (feature_usage, "Feature usage by event type and product"),
    "browser_share": (browser_share, "Browser share"),
    "os_share": (os_share, "Operating system share"),
    "referrer_domains": (referrer_domains, "Referrer domains"),
    "hour_of_week": (hour_of_week, "Logins by hour of week (London time)"),
    "cohort_retention": (cohort_retention, "Monthly cohort retention"),
}

__all__ = [
    "REPORTS",
    "active_organisations",
    "active_users",
    "analyst_headline",
    "browser_share",
    "cohort_retention",
    "dormant_accounts",
    "feature_usage",
    "headline_figures",
    "hour_of_week",
    "logins_per_user",
    "new_users",
    "os_share",
    "referrer_domains",
    "stickiness",
    "users_per_organisation",
]
