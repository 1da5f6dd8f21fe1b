"""Access monitoring (DPO): failed-login bursts, logins after closure or deletion, and
user-list views by anyone not a group admin of the organisation, all from the ACC rules' queries."""

from __future__ import annotations

import pandas as pd

from insight_workbench import access_monitoring as access
from insight_workbench.dashboard import audit, records, session
from insight_workbench.dashboard.session import Workbench

LONDON = "Europe/London"


def failed_over_time(wb: Workbench, grain: str) -> pd.DataFrame:
    windows = bursts(wb)  # found once for the page's list and this chart
    return access.failed_logins_over_time(wb.snapshot, wb.policy, grain, wb.as_of, windows=windows)


def bursts(wb: Workbench) -> pd.DataFrame:
    """The burst windows, found once per view: the page lists them and marks them on
    the failed logins over time. DPO only; never changed by a caller."""
    return session.shared(_burst_windows, wb)


def _burst_windows(wb: Workbench) -> pd.DataFrame:
    return access.burst_windows(wb.snapshot, wb.policy, wb.as_of)


def late_logins(wb: Workbench) -> pd.DataFrame:
    """From the check every page shares (ACC-001 and ACC-002), not a second scan of the
    log. DPO only."""
    return access.late_logins(session.dpo_findings(wb))


def outside_views(wb: Workbench) -> pd.DataFrame:
    return access.views_outside_organisation(wb.snapshot, wb.policy, wb.as_of)


def record(wb: Workbench, kind: str, ident: str) -> pd.DataFrame:
    return access.record_facts(wb.snapshot, wb.policy, kind, ident)


def own_facts(wb: Workbench, sources: dict[str, records.Source]) -> list[str]:
    """For the address's account, login, view or IP address that no section of the page
    names (a record without a finding, a user linked from an organisation's record): its
    own facts in `sources`, so that its link leads to the record rather than to "check
    the link". The keys shown, for the audit trail (an address is never logged)."""
    for kind, (_, column) in access.RECORD_FACTS.items():  # its parameter names its column
        ident = records.selected(kind)
        if ident is None:
            continue
        listed, named_by = sources[kind]
        if not records.focus(listed, **{kind: named_by}).empty:
            return []
        facts = session.cached(record, wb, kind, ident)
        sources[kind] = (facts, column)
        return [] if kind == "ip" else audit.keys(kind, facts[column])
    return []


def shown_keys(bursts: pd.DataFrame, late: pd.DataFrame, views: pd.DataFrame) -> list[str]:
    """The records the page shows, for the audit trail: accounts, logins and views
    (an IP burst is named by the page alone: an address is never logged)."""
    accounts = bursts.loc[bursts["kind"] == "account", "subject"]
    pairs = [
        (access.BURST_KEYS["account"], accounts),
        ("login", late["login_id"]),
        ("user", late["user_id"]),
        ("view", views["view_id"]),
        ("user", views["viewer_user_id"]),
    ]
    return sorted({f"{kind}:{v}" for kind, values in pairs for v in values.dropna()})


def burst_prefixes(bursts: pd.DataFrame) -> list[str]:
    """The kind of each burst's key, row by row: an account's burst opens its user's
    record, an IP's its address's."""
    return [f"{access.BURST_KEYS[kind]}:" for kind in bursts["kind"]]


def with_decisions(
    bursts: pd.DataFrame, late: pd.DataFrame, views: pd.DataFrame, decided: records.Decided
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The three tables with each finding's exception and owner: a burst is ACC-003's
    (`user:`) or ACC-004's (`ip:`), a late login ACC-001's or ACC-002's, a view ACC-005's."""
    subjects = zip(burst_prefixes(bursts), bursts["subject"], strict=True)
    burst_keys = [f"{prefix}{subject}" for prefix, subject in subjects]
    burst_rules = [access.BURST_RULES[kind] for kind in bursts["kind"]]
    view_keys = [f"view:{view_id}" for view_id in views["view_id"]]
    return (
        records.decisions_beside(bursts, decided, burst_rules, burst_keys),
        records.with_decisions(late, decided, "login_id", "login:"),
        records.decisions_beside(views, decided, [access.VIEW_RULE] * len(views), view_keys),
    )


def burst_sources(bursts: pd.DataFrame) -> dict[str, records.Source]:
    """The facts of a `user:` or `ip:` record panel: the bursts of that kind."""
    kinds = access.BURST_KEYS.items()
    return {key: (bursts[bursts["kind"] == kind], "subject") for kind, key in kinds}


def burst_focus(bursts: pd.DataFrame) -> pd.DataFrame:
    """The bursts narrowed to the address's `user:` or `ip:` record: an account id and an
    IP address may read alike, so each key keeps only the bursts of its own kind."""
    for kind, key in access.BURST_KEYS.items():
        if records.selected(key) is not None:
            return records.focus(bursts[bursts["kind"] == kind], **{key: "subject"})
    return records.focus(bursts)  # every burst, or none for a record of another kind


def periods_of(failed: pd.DataFrame, grain: str) -> list[str]:
    """The periods the failed-login chart draws, as its selection names them: UTC days
    (`2026-11-03`), or hours of the day in London time (`0` to `23`)."""
    moments = pd.to_datetime(failed["period"], utc=True)
    if grain == "hour":
        return sorted({str(h) for h in moments.dt.tz_convert(LONDON).dt.hour}, key=int)
    return sorted({d.strftime("%Y-%m-%d") for d in moments})


def bursts_in(
    bursts: pd.DataFrame, chosen: list[str], grain: str, periods: list[str]
) -> tuple[pd.DataFrame, list[str]]:
    """The bursts whose window touches one of the `chosen` periods (a day in UTC, an hour
    of the day in London time), and the chosen periods the chart has (others are
    ignored; none left means every burst)."""
    kept = [p for p in chosen if p in periods]
    if not kept or bursts.empty:
        return bursts, kept
    touched = [
        _touched(first, last, grain)
        for first, last in zip(bursts["first"], bursts["last"], strict=True)
    ]
    hit = [bool(set(kept) & periods_touched) for periods_touched in touched]
    return bursts[hit], kept


def _touched(first: pd.Timestamp, last: pd.Timestamp, grain: str) -> set[str]:
    if grain == "hour":
        span = pd.date_range(first.floor("h"), last.floor("h"), freq="h").tz_convert(LONDON)
        return {str(moment.hour) for moment in span}
    span = pd.date_range(first.floor("D"), last.floor("D"), freq="D")
    return {moment.strftime("%Y-%m-%d") for moment in span}


def no_bursts_said(everything: bool) -> str:
    if everything:
        return "No account or IP reached the burst threshold."
    return "No burst touches the periods selected on the chart."
