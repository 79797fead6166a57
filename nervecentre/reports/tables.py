"""Compute the declared tables from case facts: one computation for web, CLI, PDF and XLSX.

A table is a grid of counts (rows x measures), with a Total column when the table
declares one and a Total row when every case falls in one row (not for sections, where a
case charged under two sections counts in both). Each count can keep the ids of the cases
behind it, for drill-down.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from nervecentre.errors import InvalidValue
from nervecentre.reports.definitions import Definitions, Measure, TableDef, definitions
from nervecentre.reports.facts import CaseFact, section_label
from nervecentre.reports.suppress import Suppression, grid_lines, suppress

Names = dict[str, dict[str, str]]


def measure_value(fact: CaseFact, m: Measure) -> int:
    """What one case adds to a measure in the period its facts were read for."""
    if m.when not in fact.when:
        return 0
    if m.status is not None and fact.status not in m.status:
        return 0
    if m.code is not None and fact.code != m.code:
        return 0
    if m.count == "cases":
        return 1
    if m.count == "accused":
        return fact.accused
    if m.count == "arrested":
        return fact.arrested
    total = 0
    for (sex, age, rescued), n in fact.victims.items():
        if m.rescued is not None and rescued != m.rescued:
            continue
        if m.age is not None and age != m.age:
            continue
        if m.sex == "unknown_or_age_unknown":
            if not (sex == "unknown" or (sex in ("female", "male") and age == "unknown")):
                continue
        elif m.sex is not None and sex != m.sex:
            continue
        total += n
    return total


#: Breakdowns by time: a figure sits in the month (year) of what it counts.
TIME = {"month": "%Y-%m", "year": "%Y"}


def row_keys(fact: CaseFact, by: str) -> Iterable[str]:
    """The rows a case counts in when a table is broken down ``by`` a dimension other
    than time (see :data:`TIME`)."""
    if by == "section":
        return sorted(fact.sections) or ["(no section)"]
    value = {
        "district": fact.district,
        "unit": fact.unit,
        "police_station": fact.station,
        "code": fact.code,
        "purpose": fact.purpose,
    }.get(by)
    if value is None:
        raise ValueError(f"unknown breakdown {by!r}")
    return [value]


@dataclass
class Table:
    """A computed table. ``grid`` holds every count, totals included (last column when
    ``total_col``, last row when ``total_row``); ``rates`` one value per row, or None."""

    id: str
    title: str
    by: str
    by_label: str
    row_keys: list[str]
    row_labels: list[str]
    columns: list[tuple[str, str]]
    grid: list[list[int]]
    total_col: bool
    total_row: bool
    rates: list[tuple[str, str]] = field(default_factory=list)
    rate_values: list[list[float | None]] = field(default_factory=list)
    cases: dict[tuple[int, int], list[int]] | None = None
    suppression: Suppression | None = None

    def shown(self, r: int, c: int) -> str:
        """A cell as printed: the count, or its suppression mark in a shared table."""
        value = self.grid[r][c]
        return self.suppression.shown((r, c), value) if self.suppression else f"{value:,}"

    def rate_shown(self, r: int, i: int) -> str:
        """A rate as printed: one decimal, or '—' when undefined or hidden."""
        value = self.rate_values[r][i]
        return "—" if value is None else f"{value:.1f}"

    def value(self, row: str, column: str) -> int:
        """The count in the row with this key (or 'Total') and the column with this id."""
        keys = [*self.row_keys, *(["Total"] if self.total_row else [])]
        ids = [c for c, _ in self.columns]
        return self.grid[keys.index(row)][ids.index(column)]


def _order(by: str, keys: Iterable[str], totals: dict[str, int]) -> list[str]:
    if by in ("year", "month", "code"):
        return sorted(keys)
    return sorted(keys, key=lambda k: (-totals[k], k))


def compute(
    facts: Sequence[CaseFact],
    table: TableDef | str,
    by: str | None = None,
    *,
    names: Names | None = None,
    keep_cases: bool = False,
    defs: Definitions | None = None,
) -> Table:
    """Compute one table over the facts, broken down ``by`` (its own rows when fixed)."""
    defs = defs or definitions()
    spec = defs.table(table) if isinstance(table, str) else table
    dim = spec.rows or by or "district"
    if spec.rows is None and dim not in defs.breakdowns:
        known = ", ".join(defs.breakdowns)
        raise InvalidValue(f"unknown breakdown {dim!r}; one of: {known}", kind="by", value=dim)
    measure_ids = [*spec.columns, *([spec.total] if spec.total else [])]
    measures = [defs.measures[m] for m in measure_ids]
    needed = {*measure_ids}
    for rate_id in spec.rates:
        rate = defs.rates[rate_id]
        needed |= {rate.numerator, *rate.denominator}
    extra = [defs.measures[m] for m in sorted(needed - set(measure_ids))]
    sums: dict[str, list[int]] = {}
    behind: dict[tuple[str, int], list[int]] = {}
    everything = [*measures, *extra]
    for fact in facts:
        values = [measure_value(fact, m) for m in everything]
        if dim in TIME:  # each figure in the month (year) of the date that counts it
            placed = [
                (i, f"{at:{TIME[dim]}}")
                for i, m in enumerate(everything)
                if (at := fact.when.get(m.when)) is not None
            ]
        else:
            keys = list(row_keys(fact, dim))
            placed = [(i, key) for key in keys for i in range(len(everything))]
            for key in keys:  # a row for each place a case of the period is in, zeros too
                sums.setdefault(key, [0] * len(everything))
        for i, key in placed:
            if values[i]:
                acc = sums.setdefault(key, [0] * len(everything))
                acc[i] += values[i]
                if keep_cases:
                    behind.setdefault((key, i), []).append(fact.id)
    if dim == "purpose":  # every purpose is a row, even when none of its cases is in scope
        for purpose in defs.purposes:
            sums.setdefault(purpose.code, [0] * len(everything))
    width = len(measures)
    main = width - 1 if spec.total else 0  # the total, else the first column
    keys = _order(dim, sums, {k: v[main] for k, v in sums.items()})
    grid = [sums[k][:width] for k in keys]
    total_row = dim != "section"
    if total_row:
        grid.append([sum(col) for col in zip(*grid, strict=True)] if grid else [0] * width)
    index = {m.id: i for i, m in enumerate(everything)}
    rate_rows = [sums[k] for k in keys]
    if total_row:
        rate_rows.append(
            [sum(col) for col in zip(*rate_rows, strict=True)]
            if rate_rows
            else [0] * len(everything)
        )
    rate_values = []
    for acc in rate_rows:
        row: list[float | None] = []
        for rate_id in spec.rates:
            rate = defs.rates[rate_id]
            den = sum(acc[index[d]] for d in rate.denominator)
            row.append(100.0 * acc[index[rate.numerator]] / den if den else None)
        rate_values.append(row)
    cases = None
    if keep_cases:
        cases = {}
        for (key, i), ids in behind.items():
            if i < width:
                cases[(keys.index(key), i)] = ids
        if total_row:
            for i in range(width):
                cases[(len(keys), i)] = sorted(
                    {x for k in range(len(keys)) for x in cases.get((k, i), [])}
                )
    label = _labeller(dim, names or {}, defs)
    return Table(
        spec.id,
        spec.title,
        dim,
        "Section" if dim == "section" else "Purpose" if dim == "purpose" else defs.breakdowns[dim],
        keys,
        [label(k) for k in keys],
        [(m.id, m.label) for m in measures],
        grid,
        bool(spec.total),
        total_row,
        [(r, defs.rates[r].label) for r in spec.rates],
        rate_values,
        cases,
    )


def _labeller(dim: str, names: Names, defs: Definitions) -> Callable[[str], str]:
    if dim == "section":
        return section_label
    if dim == "purpose":
        labels = {p.code: p.label for p in defs.purposes}
        return lambda k: labels.get(k, k)
    if dim == "code":
        codes = {
            "IPC": "IPC (offences before 1 July 2024)",
            "BNS": "BNS",
            "SLL": "Special acts only",
        }
        return lambda k: codes.get(k, k)
    table = names.get("district" if dim == "district" else "unit", {})
    return lambda k: table.get(k, k)


def share(table: Table, threshold: int, suppression: Suppression | None = None) -> Table:
    """The table as it may leave the centre: small cells and their complements hidden
    (``suppression``, chosen with the report's other tables; else for this table alone),
    and rates hidden wherever one of the counts they come from is under the threshold."""
    if suppression is None:
        rows, cols = len(table.grid), len(table.columns)
        lines = grid_lines(rows, cols, total_col=table.total_col, total_row=table.total_row)
        suppression = suppress(table.grid, lines, threshold)
    table.suppression = suppression
    hidden_rows = {r for r, _ in table.suppression.hidden}
    for r, values in enumerate(table.rate_values):
        # A rate's inputs may be outside the grid: keep rates only for rows with no hidden cell
        # and at least the threshold of cases.
        if r in hidden_rows or (table.grid[r][0] < threshold):
            table.rate_values[r] = [None] * len(values)
    table.cases = None
    return table
