"""Suppression across the tables of one shared report: a cell hidden in one table cannot be
worked out from another that shares its margins (the same figure, the grand total, or a
district that holds the police stations of another table).

The reader is modelled independently of the suppression code: the unknowns are the true
counts per police station, every printed cell is a sum of them, and an integer programme
gives each hidden cell's smallest and largest possible value.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from nervecentre.reports.facts import CaseFact
from nervecentre.reports.joint import share_all
from nervecentre.reports.tables import Table, compute, share

T = 11
# District D1 holds S1 (3 cases) and S2 (100); D2 holds S3 (20) and S4 (60).
STATIONS = {"S1": ("D1", 3), "S2": ("D1", 100), "S3": ("D2", 20), "S4": ("D2", 60)}
AT = datetime(2025, 5, 1)


def _facts() -> list[CaseFact]:
    out, n = [], 0
    for station, (district, count) in STATIONS.items():
        for _ in range(count):
            n += 1
            when = {"registered": AT, "pending_investigation": AT}
            out.append(
                CaseFact(n, f"k{n}", AT, district, station, station, "registered", when=when)
            )
    return out


def _tables() -> list[Table]:
    facts = _facts()
    plan = [("crime", "district"), ("crime", "police_station"), ("disposal", "district")]
    return [compute(facts, t, by) for t, by in plan]


def _ranges(tables: list[Table]) -> dict[tuple[int, int, int], tuple[int, int]]:
    """(table, row, column) of each hidden cell -> its (min, max) over every whole-number
    set of station counts that prints the same report."""
    names = list(STATIONS)
    rows, lo, hi, hidden = [], [], [], []
    for t, table in enumerate(tables):
        assert table.suppression is not None
        keys = [*table.row_keys, "Total"]
        for r, key in enumerate(keys):
            for c in range(len(table.columns)):
                if table.grid[r][c] == 0 and (r, c) not in table.suppression.hidden:
                    continue  # a printed zero: every station term is zero, nothing to learn
                if key == "Total":
                    coef = np.ones(len(names))
                elif table.by == "district":
                    coef = np.array([1.0 if STATIONS[s][0] == key else 0.0 for s in names])
                else:
                    coef = np.array([1.0 if s == key else 0.0 for s in names])
                if (r, c) in table.suppression.primary:
                    bounds = (1, T - 1)
                elif (r, c) in table.suppression.secondary:
                    bounds = (T, np.inf)
                else:
                    bounds = (table.grid[r][c], table.grid[r][c])
                rows.append(coef)
                lo.append(bounds[0])
                hi.append(bounds[1])
                if (r, c) in table.suppression.hidden:
                    hidden.append(((t, r, c), coef))
    constraint = LinearConstraint(np.array(rows), lo, hi)
    out = {}
    for cell, coef in hidden:
        found = []
        for sign in (1.0, -1.0):
            res = milp(sign * coef, constraints=constraint, integrality=np.ones(len(names)),
                       bounds=Bounds(0, np.inf))  # fmt: skip
            assert res.status == 0
            found.append(round(sign * res.fun))
        out[cell] = (found[0], found[1])
    return out


def test_suppressing_each_table_alone_leaks_through_the_district_table() -> None:
    tables = [share(t, T) for t in _tables()]
    ranges = _ranges(tables)
    station = tables[1]
    s1 = (1, station.row_keys.index("S1"), 0)
    assert ranges[s1] == (3, 3)  # D1 (103, shown) less S2 (100, shown): the premise holds


def test_suppressing_the_report_together_hides_what_must_be_hidden() -> None:
    stations = {"police_station": {s: d for s, (d, _) in STATIONS.items()}}
    tables = share_all(_tables(), T, stations)
    station = tables[1]
    assert station.suppression is not None
    assert (station.row_keys.index("S1"), 0) in station.suppression.primary
    for cell, (low, high) in _ranges(tables).items():
        assert low < high, cell
    for table in tables:  # no printed count under the threshold anywhere
        assert table.suppression is not None
        for r, row in enumerate(table.grid):
            for c, value in enumerate(row):
                if 0 < value < T:
                    assert (r, c) in table.suppression.primary
