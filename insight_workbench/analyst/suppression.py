"""Small-cell suppression for every aggregate shown to an analyst.

Primary suppression: a count of people between 1 and `min_cell` − 1 is shown
as "<10" (for min_cell 10), never its value. Zero is shown: an empty cell says
nothing about any one person, and the workbench's own DEID-004 rule accepts it.

Secondary suppression: where a total is shown, a lone hidden cell could be
recovered by subtracting the shown cells from the total. For every row or
column with a shown total, more cells (the smallest non-zero first) are hidden,
marked "[c]" (the GSS symbol for "confidential"), until each "<10" cell has at
least two values consistent with what is shown, reading "<10" as 1..min_cell−1
and "[c]" as 0 or at least min_cell, or, while a non-zero cell is shown in its
line, from min_cell to that cell's value (the order of hiding is no secret: a reader
may assume so, and assuming it only hides more); if no cell is left to hide, the
total is hidden. A line with a "<10" always hides a "[c]" too (were one hidden only
when needed, its presence would say the "<10" cells are extreme), and never a lone
cell (a lone "[c]" is its total less what is shown). This protects against recovery from
any single row or column total. Where a cell is in two lines (row and column totals
both), a "<10" that their totals pin together takes one more cell with it
(`_pinned_jointly`: bounds narrowed across the lines, ranges only).

Labels: a label that comes from the data (an event type, a browser, a referrer)
says that someone did that thing, so it is shown only beside a count it does not
betray. The usage queries pool every label fewer than `min_cell` people are
behind into its "other" bucket before counting (`usage/common.py: pooled`); here,
as a last guard, a row whose count of people is "<10" shows its bucket, never
its label.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

SECONDARY = "[c]"

Cell = tuple[int, int]


def primary_marker(min_cell: int) -> str:
    return f"<{min_cell}"


def suppress(
    frame: pd.DataFrame,
    count_columns: Sequence[str],
    *,
    min_cell: int,
    linked_columns: Sequence[str] = (),
    row_total: str | None = None,
    total_row: bool = False,
    as_text: bool = True,
    labels: Mapping[str, str] | None = None,
    linked_total: bool = False,
) -> pd.DataFrame:
    """The display frame of `frame`.

    `count_columns` hold counts of people; `linked_columns` hold other figures
    about the same group (events, shares, averages) and are hidden in every row
    where a count is hidden. `row_total` names a count column holding each
    row's total of the other count columns; `total_row` says the last row holds
    the column totals. `as_text=True` puts the markers in the cells (object
    columns); `as_text=False` leaves NaN in hidden cells, for charts. `labels` maps
    each label column taken from the data to its "other" bucket: a row with a "<10"
    count shows the bucket instead of its label. `linked_total` says the linked
    columns add up to a total shown elsewhere (the headline's logins): then the
    linked figures of one more row are hidden with a hidden row's, so that the total
    less the shown rows is about at least `min_cell` people.
    """
    columns = list(dict.fromkeys([*count_columns, *([row_total] if row_total else [])]))
    values = frame[columns].fillna(0).to_numpy(dtype=float)
    primary = (values > 0) & (values < min_cell)
    hidden = primary.copy()
    if min_cell > 2:  # with min_cell 2, "<2" already says 1: nothing more to protect
        _secondary(
            values, primary, hidden, _lines(values.shape, columns, row_total, total_row), min_cell
        )
    shown = frame.copy()
    for j, column in enumerate(columns):
        shown[column] = _cells(frame[column], primary[:, j], hidden[:, j], min_cell, as_text)
    row_hidden = np.asarray(hidden.any(axis=1), dtype=bool)
    if linked_total and linked_columns:
        _hide_a_complement(row_hidden, values, frame[linked_columns[0]], min_cell)
    for column in linked_columns:
        shown[column] = _cells(
            frame[column], np.zeros_like(row_hidden), row_hidden, min_cell, as_text
        )
    few = np.asarray(primary.any(axis=1), dtype=bool)
    for column, other in (labels or {}).items():
        shown[column] = shown[column].astype(object).mask(few, other)
    return shown


def with_totals(
    frame: pd.DataFrame, label_column: str, count_columns: Sequence[str], label: str = "Total"
) -> pd.DataFrame:
    """`frame` with a last row holding the sum of each count column."""
    total = {column: frame[column].sum() for column in count_columns}
    row = pd.DataFrame([{label_column: label, **total}])
    return pd.concat([frame, row], ignore_index=True)


def _cells(
    column: pd.Series, primary: np.ndarray, hidden: np.ndarray, min_cell: int, as_text: bool
) -> pd.Series:
    if not as_text:
        return pd.to_numeric(column, errors="coerce").astype(float).mask(hidden)
    marks = np.where(primary, primary_marker(min_cell), SECONDARY)
    out = column.astype(object).where(~hidden, pd.Series(marks, index=column.index))
    return out.astype(object)


def _hide_a_complement(
    row_hidden: np.ndarray, values: np.ndarray, linked: pd.Series, min_cell: int
) -> None:
    """Hide one more row (the smallest by `linked`) when no hidden row is about
    `min_cell` people or more: the hidden rows' figures then add up to a group that
    large, whatever is subtracted from the total."""
    large = np.asarray((values >= min_cell).any(axis=1), dtype=bool)
    if not row_hidden.any() or (row_hidden & large).any():
        return
    amounts = pd.to_numeric(linked, errors="coerce").fillna(0).to_numpy(dtype=float)
    candidates = [i for i in range(len(row_hidden)) if large[i] and not row_hidden[i]]
    if candidates:
        row_hidden[min(candidates, key=lambda i: amounts[i])] = True


def _lines(
    shape: tuple[int, int], columns: list[str], row_total: str | None, total_row: bool
) -> list[tuple[list[Cell], Cell]]:
    """Each (cells, total) pair whose cells add up to a shown total."""
    rows, width = shape
    lines: list[tuple[list[Cell], Cell]] = []
    if row_total is not None:
        t = columns.index(row_total)
        for i in range(rows):
            lines.append(([(i, j) for j in range(width) if j != t], (i, t)))
    if total_row and rows > 1:
        for j in range(width):
            lines.append(([(i, j) for i in range(rows - 1)], (rows - 1, j)))
    return lines


def _secondary(
    values: np.ndarray,
    primary: np.ndarray,
    hidden: np.ndarray,
    lines: list[tuple[list[Cell], Cell]],
    min_cell: int,
) -> None:
    changed = True
    while changed:  # hiding a cell in one line can expose a lone cell in another
        changed = False
        pinned = _pinned_jointly(values, primary, hidden, lines, min_cell)
        if pinned is not None:  # its lines' totals, read together, give its value
            own = [line for line in lines if pinned in line[0]]
            changed = _hide_one_more(values, hidden, own) or _hide_one_more(values, hidden, lines)
        for cells, total in lines:
            # A "<10" beside a shown total always takes a "[c]" with it: were one hidden
            # only when needed, its presence would say the "<10" cells are extreme.
            needs_one = not hidden[total] and _primaries_alone(primary, hidden, cells)
            while needs_one or not line_is_safe(values, primary, hidden, cells, total, min_cell):
                needs_one = False
                candidates = [c for c in cells if not hidden[c]]
                if candidates:
                    hidden[min(candidates, key=lambda c: (values[c] == 0, values[c]))] = True
                else:
                    hidden[total] = True
                changed = True


def _pinned_jointly(
    values: np.ndarray,
    primary: np.ndarray,
    hidden: np.ndarray,
    lines: list[tuple[list[Cell], Cell]],
    min_cell: int,
) -> Cell | None:
    """A "<min_cell" cell whose value the shown totals of several lines give together,
    though each line alone leaves it open: with accounts 15 = a + b and 21 = c + d in two
    rows, and a + c = 13 in their column, `d` < 10 makes c at least 12, so a is 1. Each
    hidden cell's bounds ("<m": 1 to m−1; "[c]": 0, or m and more) are narrowed by every
    line it is in, from the others' bounds, until nothing changes; a "<m" cell whose
    bounds meet is pinned. None when there is none."""
    members = {cell for cells, total in lines for cell in (*cells, total)}
    low = {c: float(values[c]) for c in members}
    high = dict(low)
    for c in members:
        if hidden[c]:
            low[c], high[c] = (1.0, min_cell - 1.0) if primary[c] else (0.0, np.inf)
    for _ in range(100):  # bounds only narrow; a cap on the rounds, in case they crawl
        before = (dict(low), dict(high))
        for cells, total in lines:
            for c in [*cells, total]:
                if not hidden[c]:
                    continue
                others = [o for o in cells if o != c]
                if c == total:
                    lo, hi = sum(low[o] for o in cells), sum(high[o] for o in cells)
                else:
                    lo = low[total] - sum(high[o] for o in others)
                    hi = high[total] - sum(low[o] for o in others)
                low[c], high[c] = max(low[c], lo), min(high[c], hi)
                if not primary[c]:  # a "[c]" is 0 or at least min_cell
                    low[c] = max(low[c], min_cell) if low[c] > 0 else low[c]
                    high[c] = 0 if high[c] < min_cell else high[c]
        if (low, high) == before:
            break
    return next(
        (c for c in sorted(members) if primary[c] and hidden[c] and low[c] == high[c]), None
    )


def _hide_one_more(
    values: np.ndarray, hidden: np.ndarray, lines: list[tuple[list[Cell], Cell]]
) -> bool:
    """Hide the smallest non-zero cell still shown in these lines, else a shown total;
    False when all are hidden."""
    candidates = [c for cells, _ in lines for c in cells if not hidden[c] and values[c] > 0]
    totals = [total for _, total in lines if not hidden[total]]
    if not candidates and not totals:
        return False
    hidden[min(candidates, key=lambda c: values[c]) if candidates else totals[0]] = True
    return True


def _primaries_alone(primary: np.ndarray, hidden: np.ndarray, cells: Sequence[Cell]) -> bool:
    """The line hides "<10" cells and nothing else."""
    return any(primary[c] for c in cells) and not any(hidden[c] and not primary[c] for c in cells)


def line_is_safe(
    values: np.ndarray,
    primary: np.ndarray,
    hidden: np.ndarray,
    cells: Sequence[Cell],
    total: Cell,
    min_cell: int,
) -> bool:
    """True when no "<min_cell" cell of the line can be pinned to one value from its total.
    Every "<min_cell" cell of a line has the same possible values (the same residual, the
    same other hidden cells), so they are worked out once."""
    if hidden[total]:
        return True
    hidden_cells = [c for c in cells if hidden[c]]
    primaries = sum(1 for c in hidden_cells if primary[c])
    if not primaries:  # a lone "[c]" is its total less what is shown: never alone
        return len(hidden_cells) != 1
    residual = values[total] - sum(values[c] for c in cells if not hidden[c])
    # Cells are hidden smallest non-zero first, and that order is published: while a
    # non-zero cell is shown beside them, each "[c]" is non-zero and no larger than it.
    cap = min((values[c] for c in cells if not hidden[c] and values[c] > 0), default=np.inf)
    secondaries = len(hidden_cells) - primaries
    possible = [
        x
        for x in range(1, min_cell)
        if _reachable(residual - x, primaries - 1, secondaries, min_cell, cap)
    ]
    return len(possible) >= 2


def _reachable(
    amount: float, primaries: int, secondaries: int, min_cell: int, cap: float = np.inf
) -> bool:
    """Whether hidden cells can add up to `amount`: each "<m" cell is 1..m−1, each "[c]"
    cell 0 or at least m; with a finite `cap`, each "[c]" is from m to `cap`."""
    lowest, highest = primaries, primaries * (min_cell - 1)
    nonzero = [secondaries] if cap != np.inf else range(secondaries + 1)
    return any(lowest + n * min_cell <= amount <= highest + n * cap for n in nonzero)
