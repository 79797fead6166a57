"""Small-cell suppression: nothing under the threshold shows, nothing hidden can be derived.

The check here is independent of the one inside ``suppress``: an integer programme (MILP)
per hidden cell, under what a reader of the shared table knows.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from nervecentre.reports.suppress import Suppression, grid_lines, suppress

T = 11


def _with_totals(inner: list[list[int]]) -> list[list[int]]:
    rows = [[*row, sum(row)] for row in inner]
    return [*rows, [sum(col) for col in zip(*rows, strict=True)]]


def _range(grid: list[list[int]], s: Suppression, cell: tuple[int, int]) -> tuple[int, int]:
    """The smallest and largest whole value a reader can give a hidden cell."""
    hidden = sorted(s.hidden)
    index = {c: i for i, c in enumerate(hidden)}
    rows, lo, hi = [], [], []
    for line in grid_lines(len(grid), len(grid[0]), total_col=True, total_row=True):
        coef = np.zeros(len(hidden))
        known = 0
        for c, sign in [*((m, 1) for m in line.members), (line.total, -1)]:
            if c in index:
                coef[index[c]] += sign
            else:
                known += sign * grid[c[0]][c[1]]
        if coef.any():
            rows.append(coef)
            lo.append(-known)
            hi.append(-known)
    low = [1 if c in s.primary else T for c in hidden]
    high = [T - 1 if c in s.primary else np.inf for c in hidden]
    truth = np.array([grid[r][c] for r, c in hidden], dtype=float)
    if rows:
        assert np.allclose(np.array(rows) @ truth, lo)  # the true table fits, as it must
    cons = [LinearConstraint(np.array(rows), lo, hi)] if rows else []
    goal = np.zeros(len(hidden))
    goal[index[cell]] = 1
    found = []
    for sign in (1, -1):
        res = milp(sign * goal, constraints=cons, integrality=np.ones(len(hidden)),
                   bounds=Bounds(low, high))  # fmt: skip
        # The true table is a solution, so HiGHS's "infeasible or unbounded" (4) means
        # unbounded, as 3 does: a large hidden cell with no total above it.
        assert res.status in (0, 3, 4), res.message
        found.append(sign * res.fun if res.status == 0 else -np.inf * sign)
    return int(found[0]), found[1]


def _check(inner: list[list[int]]) -> Suppression:
    grid = _with_totals(inner)
    lines = grid_lines(len(grid), len(grid[0]), total_col=True, total_row=True)
    s = suppress(grid, lines, T)
    for r, row in enumerate(grid):
        for c, v in enumerate(row):
            if 0 < v < T:
                assert (r, c) in s.primary, "a small count is visible"
                assert s.shown((r, c), v) == "<11"
            elif (r, c) not in s.hidden:
                assert s.shown((r, c), v) == f"{v:,}"
    assert all(grid[r][c] >= T for r, c in s.secondary)  # an "x" is never a zero
    for cell in s.hidden:
        low, high = _range(grid, s, cell)
        assert low < high, f"hidden cell {cell} is fixed at {low} by the totals"
    for line in lines:  # the simple rule too: no line hides exactly one cell
        assert sum(c in s.hidden for c in (*line.members, line.total)) != 1
    return s


def test_a_single_small_cell_takes_complements_in_its_row_and_column() -> None:
    s = _check([[5, 20, 30], [40, 12, 30], [25, 25, 25]])
    assert s.primary == {(0, 0)}
    assert len(s.secondary) >= 3  # one more in its row, its column and to close the square


def test_nothing_small_means_nothing_hidden() -> None:
    s = _check([[15, 20], [40, 0]])  # zero is not a small count
    assert not s.hidden


def test_a_small_total_is_hidden_too() -> None:
    s = _check([[3, 0], [0, 40]])
    assert (0, 2) in s.primary  # the row total, 3


def test_a_row_of_one_small_cell_and_zeros() -> None:
    _check([[4, 0, 0], [30, 30, 30], [15, 12, 11]])


def test_a_cell_fixed_through_a_zero_gets_a_non_zero_complement() -> None:
    # Once row 2 hides 1 and 11, the visible 12 and the bounds fix the 1 of row 1: the
    # only visible cell of its lines is a zero, so the complement comes from elsewhere.
    s = _check([[0, 9], [1, 2], [1, 11]])
    assert (0, 0) not in s.hidden


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 5).flatmap(
        lambda cols: st.lists(
            st.lists(st.sampled_from([0, 1, 2, 5, 9, 10, 11, 12, 15, 30, 80]), min_size=cols,
                     max_size=cols),
            min_size=1, max_size=6,
        )
    )
)  # fmt: skip
def test_no_hidden_cell_can_be_recovered_from_the_totals(inner: list[list[int]]) -> None:
    _check(inner)
