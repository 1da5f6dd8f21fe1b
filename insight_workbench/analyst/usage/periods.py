"""Which periods of a usage series had ended by `as_of`: a day, week or month still
under way (the export's own day, where the analyst's `as_of` is its midnight) would be
drawn as a fall to nothing."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from insight_workbench.timeutil import to_utc

PERIOD = {
    "day": pd.DateOffset(days=1),
    "week": pd.DateOffset(days=7),
    "month": pd.DateOffset(months=1),
}


def complete_periods(
    frame: pd.DataFrame, column: str, grain: str, as_of: datetime
) -> tuple[pd.DataFrame, bool]:
    """The rows whose period (starting at `column`, `grain` long) had ended by `as_of`,
    and whether any was left out."""
    starts = pd.to_datetime(frame[column]).dt.tz_localize(None)
    ends = starts + PERIOD[grain]
    cutoff = pd.Timestamp(to_utc(as_of).replace(tzinfo=None))
    keep = (ends <= cutoff).to_numpy()
    return frame[keep], bool((~keep).any())
