"""What is used and how people arrive: features, browsers, operating systems, referrers."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from insight_workbench.analyst.database import AnalystData
from insight_workbench.analyst.usage.common import logins, pooled, ratio, run, show, window
from insight_workbench.analyst.vocabulary import OTHER, OTHER_FAMILY
from insight_workbench.sql import read_sql


def feature_usage(
    data: AnalystData, as_of: datetime | None = None, *, days: int = 30, product: str | None = None
) -> pd.DataFrame:
    """Usage events in the period: product, event_type, users, events. An event type
    fewer than `min_cell` people used in a product is counted under "other"."""
    p = window(data, as_of, days, product)
    events = pooled(read_sql("usage_events.sql"), "event_type", ["product"])
    frame = run(
        data,
        "usage_feature_usage.sql",
        {"pooled": events},
        other=OTHER,
        min_cell=data.min_cell,
        **p,
    )
    return show(data, frame, ["users"], linked_columns=["events"], labels={"event_type": OTHER})


def _client_share(
    data: AnalystData, column: str, as_of: datetime | None, days: int, product: str | None
) -> pd.DataFrame:
    p = window(data, as_of, days, product)
    fragments = {"column": column, "pooled": pooled(logins(product), column)}
    frame = run(
        data, "usage_client_share.sql", fragments, other=OTHER_FAMILY, min_cell=data.min_cell, **p
    )
    frame["share_of_logins"] = ratio(
        frame["logins"], pd.Series([frame["logins"].sum()] * len(frame)), 3
    )
    return show(
        data,
        frame,
        ["users"],
        linked_columns=["logins", "share_of_logins"],
        labels={column: OTHER_FAMILY},
        linked_total=True,  # the logins add up to the headline's logins in the period
    )


def browser_share(
    data: AnalystData, as_of: datetime | None = None, *, days: int = 30, product: str | None = None
) -> pd.DataFrame:
    """Successful logins by browser family: browser_family, users, logins, share_of_logins.
    A family fewer than `min_cell` people used is counted under "Other"."""
    return _client_share(data, "browser_family", as_of, days, product)


def os_share(
    data: AnalystData, as_of: datetime | None = None, *, days: int = 30, product: str | None = None
) -> pd.DataFrame:
    """Successful logins by operating system family: os_family, users, logins, share.
    A family fewer than `min_cell` people used is counted under "Other"."""
    return _client_share(data, "os_family", as_of, days, product)


def referrer_domains(
    data: AnalystData,
    as_of: datetime | None = None,
    *,
    days: int = 30,
    product: str | None = None,
    top: int = 20,
) -> pd.DataFrame:
    """Where successful logins came from: referrer_domain ("direct" without a referrer),
    users, logins. A domain used by fewer than `min_cell` people, or beyond the `top`
    most used, is pooled into "other": a rare domain's very name could point at a person."""
    p = window(data, as_of, days, product)
    fragments = {"logins": logins(product)}
    frame = run(
        data,
        "usage_referrer_domains.sql",
        fragments,
        other=OTHER,
        min_cell=data.min_cell,
        top=top,
        **p,
    )
    return show(
        data,
        frame,
        ["users"],
        linked_columns=["logins"],
        labels={"referrer_domain": OTHER},
        linked_total=True,  # every login is in some row: they add up to the headline's
    )
