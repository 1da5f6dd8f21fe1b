"""What is used and how people arrive: features, browsers, operating systems, referrers."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from insight_workbench.analyst.database import AnalystData
from insight_workbench.analyst.usage.common import logins, ratio, run, show, window

OTHER_DOMAINS = "(other)"
NO_REFERRER = "(none)"


def feature_usage(
    data: AnalystData, as_of: datetime | None = None, *, days: int = 30, product: str | None = None
) -> pd.DataFrame:
    """Usage events in the period: product, event_type, users, events."""
    p = window(data, as_of, days, product)
    sql = """
        SELECT product, event_type, count(DISTINCT user_pseudonym) AS users, count(*) AS events
        FROM usage_events
        WHERE ts > $start AND ts <= $as_of
          AND (CAST($product AS VARCHAR) IS NULL OR product = $product)
        GROUP BY ALL ORDER BY product, events DESC, event_type"""
    return show(data, run(data, sql, **p), ["users"], linked_columns=["events"])


def _client_share(
    data: AnalystData, column: str, as_of: datetime | None, days: int, product: str | None
) -> pd.DataFrame:
    p = window(data, as_of, days, product)
    sql = f"""
        SELECT {column}, count(DISTINCT user_pseudonym) AS users, count(*) AS logins
        FROM ({logins(product)}) GROUP BY ALL ORDER BY logins DESC, {column}"""
    frame = run(data, sql, **p)
    frame["share_of_logins"] = ratio(
        frame["logins"], pd.Series([frame["logins"].sum()] * len(frame)), 3
    )
    return show(data, frame, ["users"], linked_columns=["logins", "share_of_logins"])


def browser_share(
    data: AnalystData, as_of: datetime | None = None, *, days: int = 30, product: str | None = None
) -> pd.DataFrame:
    """Successful logins by browser family: browser_family, users, logins, share_of_logins."""
    return _client_share(data, "browser_family", as_of, days, product)


def os_share(
    data: AnalystData, as_of: datetime | None = None, *, days: int = 30, product: str | None = None
) -> pd.DataFrame:
    """Successful logins by operating system family: os_family, users, logins, share."""
    return _client_share(data, "os_family", as_of, days, product)


def referrer_domains(
    data: AnalystData,
    as_of: datetime | None = None,
    *,
    days: int = 30,
    product: str | None = None,
    top: int = 20,
) -> pd.DataFrame:
    """Where successful logins came from: referrer_domain, users, logins. A domain used
    by fewer than `min_cell` people, or beyond the `top` most used, is pooled into
    "(other)": a rare domain's very name could point at a person."""
    p = window(data, as_of, days, product)
    sql = f"""
        WITH l AS (SELECT user_pseudonym, coalesce(referrer_domain, $none) AS domain
                   FROM ({logins(product)})),
        ranked AS (
            SELECT domain, count(DISTINCT user_pseudonym) AS users,
                   row_number() OVER (ORDER BY count(DISTINCT user_pseudonym) DESC, count(*) DESC,
                                      domain) AS position
            FROM l GROUP BY domain),
        named AS (
            SELECT l.user_pseudonym, CASE WHEN r.users >= $min_cell AND r.position <= $top
                                          THEN r.domain ELSE $other END AS referrer_domain
            FROM l JOIN ranked r USING (domain))
        SELECT referrer_domain, count(DISTINCT user_pseudonym) AS users, count(*) AS logins
        FROM named GROUP BY referrer_domain
        ORDER BY referrer_domain = $other, users DESC, referrer_domain"""
    frame = run(
        data, sql, none=NO_REFERRER, other=OTHER_DOMAINS, min_cell=data.min_cell, top=top, **p
    )
    return show(data, frame, ["users"], linked_columns=["logins"])
