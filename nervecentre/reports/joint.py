"""Small-cell suppression over every table of one shared report at once.

A report's tables share margins: the same count appears in two tables (cases registered
by district in the crime and the disposal tables), every table with a Total row ends in the
same grand total of a measure, and police stations nest in districts (a station's count is
its district's count less its sister stations'). Suppressing each table alone would let a
reader recover a hidden cell from another table. Here the tables are stacked into one grid
and those relations added as lines (an equality is a line of one member), so that the
audit of :mod:`nervecentre.reports.suppress` proves no hidden cell of any table can be
worked out from everything the report shows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from nervecentre.reports.suppress import Cell, Line, Suppression, grid_lines, suppress
from nervecentre.reports.tables import Table, share

#: Breakdowns whose rows nest in another breakdown's rows, by the facts' mapping.
NESTS = {"police_station": "district"}


def _cells(tables: Sequence[Table], offsets: list[int]) -> dict[tuple[str, str, str], list[Cell]]:
    """Every cell by (breakdown, row key or 'Total', measure id)."""
    found: dict[tuple[str, str, str], list[Cell]] = {}
    for table, off in zip(tables, offsets, strict=True):
        keys = [*table.row_keys, *(["Total"] if table.total_row else [])]
        for r, key in enumerate(keys):
            for c, (measure, _) in enumerate(table.columns):
                dim = "*" if key == "Total" else table.by  # a Total is the same in every table
                found.setdefault((dim, key, measure), []).append((off + r, c))
    return found


def joint_lines(
    tables: Sequence[Table], offsets: list[int], parents: Mapping[str, Mapping[str, str]]
) -> list[Line]:
    """Each table's own lines, shifted to its rows, and the lines between tables.

    ``parents``: for a nesting breakdown (police_station), each row key's parent row key
    (its district)."""
    lines: list[Line] = []
    for table, off in zip(tables, offsets, strict=True):
        own = grid_lines(
            len(table.grid),
            len(table.columns),
            total_col=table.total_col,
            total_row=table.total_row,
        )
        for line in own:
            members = tuple((off + r, c) for r, c in line.members)
            lines.append(Line(members, (off + line.total[0], line.total[1])))
    cells = _cells(tables, offsets)
    for same in cells.values():  # the same figure in two tables: x = y
        lines += [Line((same[0],), other) for other in same[1:]]
    for child, parent in NESTS.items():
        mapping = parents.get(child, {})
        groups: dict[tuple[str, str], list[Cell]] = {}
        for (dim, key, measure), where in cells.items():
            if dim == child and key in mapping:
                groups.setdefault((mapping[key], measure), []).append(where[0])
        for (up, measure), kids in groups.items():
            total = cells.get((parent, up, measure))
            if total:
                lines.append(Line(tuple(sorted(kids)), total[0]))
    return lines


def suppress_jointly(
    tables: Sequence[Table], threshold: int, parents: Mapping[str, Mapping[str, str]]
) -> list[Suppression]:
    """One suppression per table, chosen over all of them together."""
    offsets, grid, at = [], [], 0
    width = max((len(t.columns) for t in tables), default=0)
    for table in tables:
        offsets.append(at)
        at += len(table.grid)
        grid += [list(row) + [0] * (width - len(row)) for row in table.grid]  # zeros: never hidden
    joint = suppress(grid, joint_lines(tables, offsets, parents), threshold)
    out = []
    for table, off in zip(tables, offsets, strict=True):
        rows = range(off, off + len(table.grid))

        def mine(cells: frozenset[Cell], rows: range = rows, off: int = off) -> frozenset[Cell]:
            return frozenset((r - off, c) for r, c in cells if r in rows)

        out.append(Suppression(mine(joint.primary), mine(joint.secondary), threshold))
    return out


def share_all(
    tables: Sequence[Table], threshold: int, parents: Mapping[str, Mapping[str, str]]
) -> list[Table]:
    """The report's tables as they may leave the centre, suppressed together."""
    chosen = suppress_jointly(tables, threshold, parents)
    return [share(t, threshold, s) for t, s in zip(tables, chosen, strict=True)]
