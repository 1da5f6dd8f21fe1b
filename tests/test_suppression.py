"""Small-cell suppression: primary "<10", secondary "[c]" wherever a total is shown."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from insight_workbench.analyst.suppression import SECONDARY, suppress, with_totals

M = 10


@pytest.mark.parametrize(
    ("value", "shown"),
    [(0, 0), (1, "<10"), (9, "<10"), (10, 10), (11, 11), (1234, 1234)],
)
def test_primary_suppression_boundaries(value, shown):
    frame = pd.DataFrame({"group": ["a"], "users": [value]})
    assert suppress(frame, ["users"], min_cell=M)["users"].tolist() == [shown]


def test_marker_follows_the_policy_minimum():
    frame = pd.DataFrame({"users": [4, 5]})
    assert suppress(frame, ["users"], min_cell=5)["users"].tolist() == ["<5", 5]


def test_linked_columns_are_hidden_where_people_are_few():
    frame = pd.DataFrame(
        {"g": ["a", "b"], "users": [3, 40], "events": [500, 900], "share": [0.4, 0.6]}
    )
    shown = suppress(frame, ["users"], min_cell=M, linked_columns=["events", "share"])
    assert shown.to_dict("list") == {
        "g": ["a", "b"],
        "users": ["<10", 40],
        "events": [SECONDARY, 900],
        "share": [SECONDARY, 0.6],
    }


def test_linked_figures_adding_up_to_a_total_shown_elsewhere_hide_a_complement():
    """The logins of a "<10" row are hidden; the headline shows all the logins, so the
    smallest other row's go too: the total less what is shown is about 12 + 3 people."""
    frame = pd.DataFrame(
        {
            "os": ["Windows", "macOS", "Linux", "Other"],
            "users": [80, 20, 12, 3],
            "logins": [599, 134, 53, 11],
        }
    )
    shown = suppress(frame, ["users"], min_cell=M, linked_columns=["logins"], linked_total=True)
    assert shown["users"].tolist() == [80, 20, 12, "<10"]
    assert shown["logins"].tolist() == [599, 134, SECONDARY, SECONDARY]
    enough = frame.assign(users=[80, 20, 12, 15])  # nothing hidden: nothing more to hide
    kept = suppress(enough, ["users"], min_cell=M, linked_columns=["logins"], linked_total=True)
    assert kept["logins"].tolist() == [599, 134, 53, 11]


def test_a_label_beside_a_small_count_is_not_shown():
    frame = pd.DataFrame(
        {
            "event_type": ["page_view", "export", "map_view"],
            "users": [40, 3, 0],
            "events": [9, 8, 0],
        }
    )
    shown = suppress(
        frame, ["users"], min_cell=M, linked_columns=["events"], labels={"event_type": "other"}
    )
    assert shown.to_dict("list") == {
        "event_type": ["page_view", "other", "map_view"],  # a zero is shown, and its label
        "users": [40, "<10", 0],
        "events": [9, SECONDARY, 0],
    }
    chart = suppress(frame, ["users"], min_cell=M, labels={"event_type": "other"}, as_text=False)
    assert chart["event_type"].tolist() == ["page_view", "other", "map_view"]


def test_numeric_display_leaves_hidden_cells_empty():
    frame = pd.DataFrame({"users": [3, 40], "events": [5, 50]})
    shown = suppress(frame, ["users"], min_cell=M, linked_columns=["events"], as_text=False)
    assert np.isnan(shown["users"][0])
    assert shown["users"][1] == 40
    assert np.isnan(shown["events"][0])
    assert shown["events"][1] == 50


def test_without_totals_nothing_else_is_hidden():
    frame = pd.DataFrame({"users": [3, 40, 50]})
    assert suppress(frame, ["users"], min_cell=M)["users"].tolist() == ["<10", 40, 50]


def test_a_total_row_forces_a_second_hidden_cell():
    frame = with_totals(pd.DataFrame({"g": ["a", "b", "c"], "users": [3, 40, 12]}), "g", ["users"])
    shown = suppress(frame, ["users"], min_cell=M, total_row=True)
    # the smallest other cell goes, not the total, so 55 - 40 = 15 = a + c stays ambiguous
    assert shown["users"].tolist() == ["<10", 40, SECONDARY, 55]
    assert shown["g"].tolist() == ["a", "b", "c", "Total"]


def test_a_zero_is_not_chosen_to_protect_a_cell():
    # hiding the zero would leave "<10" + "[c]" = 3 + 0: "[c]" is 0 or >= 10, so "<10" = 3
    frame = with_totals(pd.DataFrame({"g": list("abc"), "users": [3, 0, 20]}), "g", ["users"])
    shown = suppress(frame, ["users"], min_cell=M, total_row=True)
    assert shown["users"].tolist() == ["<10", 0, SECONDARY, 23]


def test_the_total_goes_when_no_cell_is_left_to_hide():
    # "<10" + "[c]" = 11 can only be 1 + 10, and no other cell is left
    frame = with_totals(pd.DataFrame({"g": ["a", "b"], "users": [1, 10]}), "g", ["users"])
    shown = suppress(frame, ["users"], min_cell=M, total_row=True)
    assert shown["users"].tolist() == ["<10", SECONDARY, SECONDARY]


def test_the_complement_must_leave_two_possible_values():
    # 1 + 10 = 11: "<10" + "[c]" = 11 would force "[c]" = 10 and "<10" = 1
    frame = with_totals(pd.DataFrame({"g": list("abc"), "users": [1, 10, 50]}), "g", ["users"])
    shown = suppress(frame, ["users"], min_cell=M, total_row=True)
    assert shown["users"].tolist() == ["<10", SECONDARY, SECONDARY, 61]


def test_a_hidden_cell_is_no_larger_than_those_shown_beside_it():
    """Cells are hidden smallest first, and the docs say so: "[c]" beside a shown 10 is
    at most 10, so "<10", "[c]", 10 and a total of 23 would give "<10" = 3."""
    frame = with_totals(pd.DataFrame({"g": list("abc"), "users": [3, 10, 10]}), "g", ["users"])
    shown = suppress(frame, ["users"], min_cell=M, total_row=True)
    assert shown["users"].tolist() == ["<10", SECONDARY, SECONDARY, 23]


def test_a_hidden_cell_beside_a_shown_one_is_never_read_as_zero():
    """Hidden smallest non-zero first: beside a shown 20, "[c]" is 10 to 20, never 0, so
    "<10", "<10", "[c]", 20 and a total of 32 gave 1, 1 and 10."""
    frame = with_totals(pd.DataFrame({"g": list("abcd"), "users": [1, 1, 10, 20]}), "g", ["users"])
    shown = suppress(frame, ["users"], min_cell=M, total_row=True)
    assert shown["users"].tolist() == ["<10", "<10", SECONDARY, SECONDARY, 32]


def test_a_small_cell_beside_a_shown_total_always_takes_a_hidden_one_with_it():
    """Were a "[c]" hidden only when the "<10" cells alone were unsafe, its presence would
    say they are extreme: `<10, <10, [c], 20` of 37 could only be 1 + 1 (+ 15)."""
    frame = with_totals(pd.DataFrame({"g": list("abc"), "users": [4, 5, 40]}), "g", ["users"])
    shown = suppress(frame, ["users"], min_cell=M, total_row=True)
    assert shown["users"].tolist() == ["<10", "<10", SECONDARY, 49]


def test_a_hidden_cell_is_never_the_only_one_hidden_beside_a_shown_total():
    """P2's dormant 0 shown left P1's dormant the column's 12, and so P1's active 3."""
    frame = pd.DataFrame(
        {"product": ["P1", "P2"], "accounts": [15, 20], "active": [3, 20], "dormant": [12, 0]}
    )
    frame = with_totals(frame, "product", ["accounts", "active", "dormant"])
    shown = suppress(frame, ["active", "dormant"], min_cell=M, row_total="accounts", total_row=True)
    for column in ("accounts", "active", "dormant"):
        cells = shown[column].tolist()
        hidden = [c for c in cells[:-1] if c in ("<10", SECONDARY)]
        assert cells[-1] in ("<10", SECONDARY) or len(hidden) != 1, (column, cells)
    for row in shown.to_dict("records"):
        hidden = [row[c] for c in ("active", "dormant") if row[c] in ("<10", SECONDARY)]
        assert row["accounts"] in ("<10", SECONDARY) or len(hidden) != 1, row


def test_a_small_cell_is_not_given_back_by_its_row_and_column_read_together():
    """Each line alone was safe, but together: P2's dormant <10 makes its active at least
    12 (of 21); P1's and P2's active are 25 - 12 = 13, so P2's is 12 and P1's is 1."""
    frame = pd.DataFrame(
        {
            "product": ["P1", "P2", "P3"],
            "accounts": [15, 21, 37],
            "active": [1, 12, 12],
            "dormant": [14, 9, 25],
        }
    )
    frame = with_totals(frame, "product", ["accounts", "active", "dormant"])
    shown = suppress(frame, ["active", "dormant"], min_cell=M, row_total="accounts", total_row=True)
    assert (shown.at[0, "active"], shown.at[1, "dormant"]) == ("<10", "<10")
    # Every product's accounts are shown: its active accounts fix its dormant ones.
    assert all(isinstance(a, int | np.integer) for a in shown["accounts"])

    def allowed(cell: object, value: int) -> bool:
        if cell == "<10":
            return 0 < value < M
        return value == 0 or value >= M if cell == SECONDARY else value == cell

    choices = [
        [a for a in range(frame.at[i, "accounts"] + 1)
         if allowed(shown.at[i, "active"], a)
         and allowed(shown.at[i, "dormant"], frame.at[i, "accounts"] - a)]
        for i in range(3)
    ]  # fmt: skip
    readings = [  # every reading of the hidden cells that the shown totals allow
        active
        for active in itertools.product(*choices)
        if sum(active) == frame.at[3, "active"]
        and sum(frame["accounts"][:3]) - sum(active) == frame.at[3, "dormant"]
    ]
    assert len({active[0] for active in readings}) >= 2  # P1's active
    assert len({21 - active[1] for active in readings}) >= 2  # P2's dormant


def _feasible(values, markers, total, cell, m, capped=False):
    """Brute force: the values the hidden `cell` can take, given what the line shows (and,
    `capped`, reading each "[c]" as no larger than a non-zero cell shown beside it, as one
    who knows the order of hiding would: not always true, as another line may have hidden
    it, but a reader may assume it)."""
    shown = sum(v for v, k in zip(values, markers, strict=True) if k == "shown")
    rest = total - shown
    beside = [v for v, k in zip(values, markers, strict=True) if k == "shown" and v]
    capped = capped and bool(beside)  # then a "[c]" is also never 0
    cap = min(beside) if capped else rest
    domains = []
    for index, kind in enumerate(markers):
        if index == cell or kind == "shown":
            continue
        top = min(rest, cap)
        hidden_values = [*([] if capped else [0]), *range(m, top + 1)]
        domains.append(range(1, m) if kind == "primary" else hidden_values)
    sums = {0}
    for domain in domains:
        sums = {s + d for s in sums for d in domain if s + d <= rest}
    return [x for x in range(1, m) if rest - x in sums]


def _lines(frame, columns, total_column):
    rows = len(frame)
    for i in range(rows):
        yield [(i, c) for c in columns], (i, total_column)
    for c in [*columns, total_column]:
        yield [(i, c) for i in range(rows - 1)], (rows - 1, c)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.integers(0, 40), min_size=3, max_size=3), min_size=2, max_size=4))
def test_no_hidden_value_can_be_recovered_from_a_row_or_column_total(cells):
    frame = pd.DataFrame(cells, columns=["x", "y", "z"])
    frame.insert(0, "g", [f"r{i}" for i in range(len(frame))])
    frame["total"] = frame[["x", "y", "z"]].sum(axis=1)
    frame = with_totals(frame, "g", ["x", "y", "z", "total"])
    shown = suppress(frame, ["x", "y", "z"], min_cell=M, row_total="total", total_row=True)
    for line, total in _lines(frame, ["x", "y", "z"], "total"):
        if shown.at[total] in ("<10", SECONDARY):
            continue
        kinds = [
            "primary"
            if shown.at[c] == "<10"
            else "secondary"
            if shown.at[c] == SECONDARY
            else "shown"
            for c in line
        ]
        values = [int(frame.at[c]) for c in line]
        for position, kind in enumerate(kinds):
            if kind == "primary":
                possible = _feasible(values, kinds, int(frame.at[total]), position, M)
                assert values[position] in possible
                assert len(possible) >= 2, (cells, line)
                assumed = _feasible(values, kinds, int(frame.at[total]), position, M, True)
                assert len(assumed) >= 2, (cells, line)
    # shown cells keep their true value; primary markers only on 1..9
    for (i, c), value in np.ndenumerate(frame[["x", "y", "z", "total"]].to_numpy()):
        cell = shown.iloc[i][["x", "y", "z", "total"][c]]
        if cell == "<10":
            assert 0 < value < M
        elif cell != SECONDARY:
            assert cell == value
