"""The app's charts, shaped so they tell the truth: no unfinished period drawn as a
drop, no run of zeros before the data begins, no ratio over a handful of people,
categories and dates typed as such, and a note whenever something is left out.

Each function takes the frames the library returns and gives a `Chart`: the figure
and the sentences the page writes under it. Nothing here reads a snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pandas as pd
import plotly.graph_objects as go

from insight_workbench import charts
from insight_workbench.analyst.usage.periods import complete_periods

LONDON = "Europe/London"
MAU_WINDOW_DAYS = 30
# Below this many monthly users one person moves the ratio by more than three points:
# the stickiness line is not drawn there.
MIN_MAU = 30


@dataclass(frozen=True)
class Chart:
    figure: go.Figure
    notes: list[str] = field(default_factory=list)


def numbers(values: pd.Series) -> pd.Series:
    """Suppressed cells ("<10", "[c]") as gaps, never as values."""
    return pd.to_numeric(values, errors="coerce")


def from_first_data(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """From the first row with activity on: a suppressed cell ("<10") is activity."""
    values = numbers(frame[column])
    active = (values != 0).to_numpy()  # NaN (suppressed) compares as active
    if not active.any():
        return frame.iloc[0:0]
    return frame.iloc[int(active.argmax()) :]


def mostly_suppressed(frame: pd.DataFrame, column: str) -> bool:
    values = frame[column]
    return len(values) > 0 and numbers(values).isna().mean() > 0.5


def active_users(
    frame: pd.DataFrame, grain: str, as_of: datetime, min_cell: int, weekly: bool
) -> Chart:
    """Active users per period from the first period with activity, the unfinished last
    period left out. `weekly` says the page fell back from days to weeks."""
    notes = []
    if weekly:
        notes.append(
            f"Shown per week: on most days fewer than {min_cell} people were active, and "
            "counts that small are hidden, so a daily line would be mostly gaps."
        )
    frame, partial = complete_periods(frame, "period_start", grain, as_of)
    if partial:
        notes.append(f"The current {grain} has not ended yet and is left out.")
    trimmed = from_first_data(frame, "active_users")
    if len(trimmed) < len(frame) and not trimmed.empty:
        notes.append(f"The chart starts at the first {grain} with activity.")
    gaps = int(numbers(trimmed["active_users"]).isna().sum())
    if gaps:
        notes.append(f"{gaps} {grain}(s) with fewer than {min_cell} people are gaps.")
    shown = trimmed.assign(active_users=numbers(trimmed["active_users"]))
    figure = charts.over_time(
        shown, "period_start", "active_users", f"Active users per {grain}", "People"
    )
    return Chart(figure, notes)


def stickiness(frame: pd.DataFrame, as_of: datetime) -> Chart:
    """DAU / MAU per finished day, once a full 30 days of data lie behind the day and only
    where at least MIN_MAU people were active in the month. The frame's first day already
    has 30 days counted behind it (`usage.stickiness`); when activity starts within the
    frame (a month of nobody first), the days until 30 days after it are left out."""
    frame, partial = complete_periods(frame, "day", "day", as_of)
    mau = numbers(frame["mau"])
    started = (mau != 0).to_numpy()
    if started.any() and not started[0]:
        first = pd.Timestamp(frame["day"].iloc[int(started.argmax())])
        frame = frame[pd.to_datetime(frame["day"]) >= first + timedelta(days=MAU_WINDOW_DAYS - 1)]
        mau = numbers(frame["mau"])
    ratio = numbers(frame["stickiness"]).where(mau >= MIN_MAU)
    notes = [
        f"Drawn from the first day with {MAU_WINDOW_DAYS} days of data behind it, and only "
        f"where at least {MIN_MAU} people were active in the month."
    ]
    if partial:
        notes.append("Today has not ended yet and is left out.")
    figure = charts.over_time(
        frame.assign(stickiness=ratio),
        "day",
        "stickiness",
        "Stickiness (DAU / MAU)",
        "Share of the month's users active that day",
        percent=True,
    )
    return Chart(figure, notes)


def cohort_month(value: object) -> str:
    return pd.Timestamp(value).strftime("%b %Y")  # type: ignore[arg-type]


def cohorts(frame: pd.DataFrame) -> Chart:
    """Retention by cohort month and months since the first login. A cohort of nobody, or
    of too few people to show, is no row (it would be a row of gaps); a suppressed cell
    within a shown cohort is a gap."""
    sizes = numbers(frame["cohort_size"])
    kept = frame[(sizes > 0).to_numpy()]  # a suppressed size (NaN) is no row either
    notes = []
    if len(kept) < len(frame):
        notes.append(
            "A month in which nobody, or too few people to show, logged in for the first "
            "time has no row."
        )
    grid = kept.assign(
        cohort=kept["cohort"].map(cohort_month),
        retention=numbers(kept["retention"]),
    ).pivot_table(
        index="cohort",
        columns="months_since",
        values="retention",
        aggfunc="first",
        sort=False,
        dropna=False,
    )
    figure = charts.category_heatmap(
        grid, "Monthly cohort retention", "Months since the first login", "Cohort", True
    )
    return Chart(figure, notes)


def hour_of_week(frame: pd.DataFrame) -> Chart:
    """Logins by weekday (Mon..Sun) and hour of day, London time."""
    shown = frame.assign(
        weekday=frame["weekday"].map(lambda d: charts.WEEKDAYS[int(d) - 1]),
        hour=frame["hour"].map(lambda h: f"{int(h):02d}:00"),
        logins=numbers(frame["logins"]),
    )
    grid = shown.pivot_table(
        index="weekday", columns="hour", values="logins", aggfunc="first", dropna=False
    ).reindex(list(charts.WEEKDAYS))
    figure = charts.category_heatmap(
        grid, "Logins by day of week and hour (London time)", "Hour", "Day"
    )
    return Chart(figure, [])


def failed_logins(frame: pd.DataFrame, grain: str) -> Chart:
    """Failed logins per day on a date axis, or, for hours, by hour of the day over the
    whole snapshot (months of hourly bars cannot be read)."""
    if grain == "hour":
        burst = charts.burst_words(frame["in_burst"])
        local = pd.to_datetime(frame["period"], utc=True).dt.tz_convert(LONDON)
        summed = (
            frame.assign(hour=local.dt.hour, burst=burst)
            .groupby(["hour", "burst"], as_index=False)
            .agg(failed_logins=("failed_logins", "sum"))
        )
        figure = charts.bars(
            summed,
            "hour",
            "failed_logins",
            "Failed logins per hour of the day (London time)",
            colour="burst",
            colours=charts.BURST_COLOURS,
        )
        figure.update_xaxes(type="linear", dtick=1, range=[-0.5, 23.5], title="Hour of the day")
        note = "Every failed login in the snapshot, added up by the hour of the day it fell in."
        return Chart(figure, [note])
    return Chart(charts.failed_logins_per_day(frame, "Failed logins per day (UTC)"), [])


def class_sizes(frame: pd.DataFrame, dataset: str, k: int) -> Chart:
    figure = charts.pass_fail_bars(
        frame.assign(passes=~frame["below_k"].astype(bool)),
        "class_size",
        "classes",
        "passes",
        k,
        f"Equivalence classes of {dataset} by size",
    )
    figure.update_xaxes(title="Class size (people sharing the same quasi-identifiers)")
    figure.update_yaxes(title="Classes")
    return Chart(figure, [f"A class smaller than k = {k} fails DEID-003."])


def days_left(frame: pd.DataFrame) -> Chart:
    """Open requests, the one with least time left on top, each bar labelled."""
    ranked = frame.sort_values(["days_left", "request_id"], kind="stable")
    text = [
        f"{int(d)} day{'s' if int(d) != 1 else ''} · due {due}"
        for d, due in zip(ranked["days_left"], ranked["due_date"], strict=True)
    ]
    figure = charts.ranked_bars(
        ranked.assign(days_left=ranked["days_left"].astype(float), label=text),
        "request_id",
        "days_left",
        "label",
        "Days left, least first",
        colour="type",
    )
    figure.update_xaxes(title="Days left", rangemode="tozero")
    return Chart(figure, [])


def rows_held(frame: pd.DataFrame) -> Chart:
    """Retention: the rows still held per organisation, stacked by table. The ids are
    categories (`charts.bars`): `0012` and `12` are two organisations, never one position
    on a number line (where their rows would stack into one bar, a click reading `12`)."""
    return Chart(charts.bars(frame, "org_id", "rows", "Rows held per table", "table"), [])


def due_dates(frame: pd.DataFrame, as_of: datetime) -> Chart:
    """Retention: each organisation's due date on a timeline, coloured by its state, with
    a dashed line at `as_of`; a point carries its organisation's id."""
    figure = charts.timeline(
        frame.assign(label=frame["org_id"] + " " + frame["name"]),
        "due_at",
        "label",
        "state",
        "Due dates",
        hover=["kind", "rows_held"],
        custom=["org_id"],
        marked=as_of,
    )
    figure.add_shape(
        type="line",
        x0=as_of,
        x1=as_of,
        y0=0,
        y1=1,
        yref="paper",
        line={"dash": "dash", "color": "grey"},
    )
    figure.add_annotation(
        x=as_of, y=1, yref="paper", text="as of", showarrow=False, yanchor="bottom"
    )
    return Chart(figure, [])
