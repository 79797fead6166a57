"""Small-cell suppression for reports that leave the centre.

Primary suppression hides every count from 1 to ``threshold - 1`` (shown "<11" at the
default 11, as CTDC publishes). Complementary (secondary) suppression then hides more
cells, shown "x", until no hidden cell can be worked out from the totals: every line of
the table (a row and its total, a column and its total) that hides one cell hides at
least two, and an audit solves, for every hidden cell, the smallest and the largest value
it could take given the visible cells, the totals and what the marks say (a "<11" is 1 to
10, an "x" at least 11); a cell whose two bounds meet is disclosed, and one more cell of
its lines is hidden. The tables are sums along rows and columns (a bipartite network), so
these linear-programme bounds are whole numbers: the exact range an attacker can infer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.linalg import null_space
from scipy.optimize import linprog

#: Counts under this are hidden in shared reports (CTDC's threshold).
DEFAULT_THRESHOLD = 11

Cell = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Line:
    """Cells that add up to a total cell (a row, or a column, with its total)."""

    members: tuple[Cell, ...]
    total: Cell


@dataclass(frozen=True, slots=True)
class Suppression:
    """Which cells a shared table hides: primary ("<11") and complementary ("x")."""

    primary: frozenset[Cell]
    secondary: frozenset[Cell]
    threshold: int

    @property
    def hidden(self) -> frozenset[Cell]:
        """Every hidden cell."""
        return self.primary | self.secondary

    def shown(self, cell: Cell, value: int) -> str:
        """What the shared table prints in a cell."""
        if cell in self.primary:
            return f"<{self.threshold}"
        if cell in self.secondary:
            return "x"
        return f"{value:,}"


def grid_lines(rows: int, cols: int, *, total_col: bool, total_row: bool) -> list[Line]:
    """The lines of a rows x cols grid whose last column and/or last row hold totals."""
    lines: list[Line] = []
    inner_cols = cols - 1 if total_col else cols
    inner_rows = rows - 1 if total_row else rows
    if total_col:
        for r in range(rows):
            lines.append(Line(tuple((r, c) for c in range(inner_cols)), (r, cols - 1)))
    if total_row:
        for c in range(cols):
            lines.append(Line(tuple((r, c) for r in range(inner_rows)), (rows - 1, c)))
    return lines


def _bounds(value: int, cell: Cell, primary: frozenset[Cell], threshold: int) -> tuple[int, Any]:
    if cell in primary:
        return (1, threshold - 1)
    return (threshold, None) if value >= threshold else (0, None)


def _components(hidden: set[Cell], lines: Sequence[Line]) -> list[list[Cell]]:
    """Hidden cells grouped by the lines that tie them together: each group is solved
    alone (a line only ever holds cells of one group)."""
    parent = {cell: cell for cell in hidden}

    def root(cell: Cell) -> Cell:
        while parent[cell] != cell:
            parent[cell] = parent[parent[cell]]
            cell = parent[cell]
        return cell

    for line in lines:
        inside = [c for c in (*line.members, line.total) if c in parent]
        for other in inside[1:]:
            parent[root(other)] = root(inside[0])
    groups: dict[Cell, list[Cell]] = {}
    for cell in sorted(hidden):
        groups.setdefault(root(cell), []).append(cell)
    return list(groups.values())


def _solve(
    grid: Sequence[Sequence[int]],
    lines: Sequence[Line],
    group: list[Cell],
    primary: frozenset[Cell],
    threshold: int,
) -> list[tuple[Cell, float, float]]:
    index = {cell: i for i, cell in enumerate(group)}
    rows: list[np.ndarray] = []
    rhs: list[float] = []
    for line in lines:
        cells = [*line.members, line.total]
        if not any(c in index for c in cells):
            continue
        row = np.zeros(len(group))
        known = 0.0
        for cell, sign in [*((m, 1.0) for m in line.members), (line.total, -1.0)]:
            if cell in index:
                row[index[cell]] += sign
            else:
                known += sign * grid[cell[0]][cell[1]]
        rows.append(row)
        rhs.append(-known)
    bounds = [_bounds(grid[c[0]][c[1]], c, primary, threshold) for c in group]
    a_eq = np.array(rows) if rows else np.zeros((0, len(group)))
    b_eq = np.array(rhs) if rows else np.zeros(0)
    # First the cheap proof: the true values are a solution; a cell strictly inside its
    # bounds moves when the kernel of the lines, with the cells at a bound held still,
    # moves it. The lines form a totally unimodular system, so such a kernel then holds a
    # +-1 circuit through the cell: another whole-number table fits every visible figure.
    at_bound = [i for i, c in enumerate(group) if grid[c[0]][c[1]] in (bounds[i][0], bounds[i][1])]
    held = np.zeros((len(at_bound), len(group)))
    for k, i in enumerate(at_bound):
        held[k, i] = 1.0
    kernel = null_space(np.vstack([a_eq, held])) if len(group) else np.zeros((0, 0))
    moving = np.abs(kernel).max(axis=1) > 1e-9 if kernel.size else np.zeros(len(group), bool)
    out = []
    for i, cell in enumerate(group):
        if moving[i]:
            continue
        # Not proved free: the exact bounds from two linear programmes.
        goal = np.zeros(len(group))
        goal[i] = 1.0
        options = {"A_eq": a_eq if rows else None, "b_eq": b_eq if rows else None}
        # A cell at one of its bounds needs only the other side: can it move away from it?
        value = float(grid[cell[0]][cell[1]])
        lo = hi = value
        if value != bounds[i][0]:
            low = linprog(goal, bounds=bounds, method="highs", **options)
            lo = low.fun if low.status == 0 else -np.inf
        if value != bounds[i][1]:
            high = linprog(-goal, bounds=bounds, method="highs", **options)
            hi = -high.fun if high.status == 0 else np.inf  # 3: unbounded above
        if hi - lo < 0.5:
            out.append((cell, float(lo), float(hi)))
    return out


def exposed(
    grid: Sequence[Sequence[int]],
    lines: Sequence[Line],
    primary: frozenset[Cell],
    secondary: frozenset[Cell],
    threshold: int,
    *,
    solved: dict[frozenset[Cell], list[tuple[Cell, float, float]]] | None = None,
) -> list[tuple[Cell, float, float]]:
    """The hidden cells whose value the visible figures fix: (cell, low, high), low == high.

    ``solved`` caches the answer per group of cells between calls on the same grid.
    """
    solved = {} if solved is None else solved
    out: list[tuple[Cell, float, float]] = []
    for group in _components(set(primary | secondary), lines):
        key = frozenset(group)
        if key not in solved:
            mine = [line for line in lines if any(c in key for c in (*line.members, line.total))]
            solved[key] = _solve(grid, mine, group, primary, threshold)
        out += solved[key]
    return sorted(out)


def _complement(
    grid: Sequence[Sequence[int]], candidates: Sequence[Cell], hidden: set[Cell]
) -> Cell | None:
    """The smallest visible non-zero cell among the candidates, or None.

    Never a zero: a reader knows a hidden cell that is not "<11" is at least the threshold
    or zero, and the audit models it as at least the threshold, which a zero would break.
    """
    free = [c for c in candidates if c not in hidden and grid[c[0]][c[1]] > 0]
    return min(free, key=lambda c: (grid[c[0]][c[1]], c)) if free else None


def suppress(
    grid: Sequence[Sequence[int]], lines: Sequence[Line], threshold: int = DEFAULT_THRESHOLD
) -> Suppression:
    """Choose the cells to hide so that no count under ``threshold`` shows or can be derived."""
    if threshold < 2:
        raise ValueError("the threshold must be at least 2")
    cells = [(r, c) for r, row in enumerate(grid) for c in range(len(row))]
    primary = frozenset(cell for cell in cells if 0 < grid[cell[0]][cell[1]] < threshold)
    hidden: set[Cell] = set(primary)
    solved: dict[frozenset[Cell], list[tuple[Cell, float, float]]] = {}
    while True:
        changed = True
        while changed:
            changed = False
            for line in lines:
                members = [*line.members, line.total]
                if sum(1 for m in members if m in hidden) == 1:
                    extra = _complement(grid, members, hidden)
                    if extra is not None:
                        hidden.add(extra)
                        changed = True
        leaks = exposed(grid, lines, primary, frozenset(hidden - primary), threshold, solved=solved)
        if not leaks:
            return Suppression(primary, frozenset(hidden - primary), threshold)
        cell = leaks[0][0]
        near = [
            m
            for line in lines
            for m in (*line.members, line.total)
            if cell in line.members or cell == line.total
        ]
        extra = _complement(grid, near, hidden) or _complement(grid, cells, hidden)
        if extra is None:  # everything is hidden already: nothing more can leak
            return Suppression(primary, frozenset(hidden - primary), threshold)
        hidden.add(extra)
