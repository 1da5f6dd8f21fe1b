"""What is used and how people arrive: features, browsers, operating systems, referrers."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from insight_workbench.analyst.database import AnalystData
from insight_workbench.analyst.usage.common import logins, pooled, ratio, run, show, window
from insight_workbench.analyst.vocabulary import OTHER, OTHER_FAMILY

_EVENTS = """
    SELECT user_number, product, event_type FROM usage_events
    WHERE ts > $start AND ts <= $as_of
      AND (CAST($product AS VARCHAR) IS NULL OR product = $product)"""


def feature_usage(
    data: AnalystData, as_of: datetime | None = None, *, days: int = 30, product: str | None = None
) -> pd.DataFrame:
    """Usage events in the period: product, event_type, users, events. An event type
    fewer than `min_cell` people used in a product is counted under "other"."""
    p = window(data, as_of, days, product)
    sql = f"""
        SELECT product, event_type, count(DISTINCT user_number) AS users,
               CAST(sum(n) AS BIGINT) AS events
        FROM ({pooled(_EVENTS, "event_type", ["product"])})
        GROUP BY product, event_type
        ORDER BY product, event_type = $other, events DESC, event_type"""
    frame = run(data, sql, other=OTHER, min_cell=data.min_cell, **p)
    return show(data, frame, ["users"], linked_columns=["events"], labels={"event_type": OTHER})


def _client_share(
    data: AnalystData, column: str, as_of: datetime | None, days: int, product: str | None
) -> pd.DataFrame:
    p = window(data, as_of, days, product)
    sql = f"""
        SELECT {column}, count(DISTINCT user_number) AS users, CAST(sum(n) AS BIGINT) AS logins
        FROM ({pooled(logins(product), column)})
        GROUP BY {column} ORDER BY {column} = $other, logins DESC, {column}"""
    frame = run(data, sql, other=OTHER_FAMILY, min_cell=data.min_cell, **p)
    frame["share_of_logins"] = ratio(
        frame["logins"], pd.Series([frame["logins"].sum()] * len(frame)), 3
    )
    return show(
        data,
        frame,
        ["users"],
        linked_columns=["logins", "share_of_logins"],
        labels={column: OTHER_FAMILY},
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
    sql = f"""
        WITH l AS (SELECT referrer_domain AS domain, user_number, count(*) AS n
                   FROM ({logins(product)}) GROUP BY ALL),
        ranked AS (
            SELECT domain, count(user_number) AS users,
                   row_number() OVER (ORDER BY domain = $other, count(user_number) DESC,
                                      sum(n) DESC, domain) AS position
            FROM l GROUP BY domain),
        named AS (
            SELECT l.user_number, l.n, CASE WHEN r.users >= $min_cell AND r.position <= $top
                                            THEN r.domain ELSE $other END AS referrer_domain
            FROM l JOIN ranked r USING (domain))
        SELECT referrer_domain, count(DISTINCT user_number) AS users,
               CAST(sum(n) AS BIGINT) AS logins
        FROM named GROUP BY referrer_domain
        ORDER BY referrer_domain = $other, users DESC, referrer_domain"""
    frame = run(data, sql, other=OTHER, min_cell=data.min_cell, top=top, **p)
    return show(
        data, frame, ["users"], linked_columns=["logins"], labels={"referrer_domain": OTHER}
    )
