"""Day first or month first: which way a register's dates run, told by the dates themselves.

``03/04/2023`` is 3 April read day first and 4 March read month first; the mapping says
which way to read, but a register typed elsewhere may run the other way. A date that can
only be read one way (``27/11/2025``, ``11/27/2025``) is evidence of its column's order (or,
for a column without any, of the register's). A date that can be read either way is refused
when the evidence seen so far in the file runs against the mapping's order, and reported
when there was no evidence yet and the file turns out to run the other way, or never says.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from nervecentre.imports import cells
from nervecentre.imports.convert import Problem
from nervecentre.imports.mapping import FIELD_TYPES, Mapping
from nervecentre.imports.readers import Cell

_NAMES = {"d": "day first", "m": "month first"}
_SHOWN = 5


@dataclass
class _Column:
    name: str
    position: int
    header: str
    seen: dict[str, int] = field(default_factory=lambda: {"d": 0, "m": 0})
    #: The first cell read only one way, per order: (row, cell).
    example: dict[str, tuple[int, str]] = field(default_factory=dict)
    #: Cells read either way before any evidence (row, cell), and how many there were.
    unsure: list[tuple[int, str]] = field(default_factory=list)
    unsure_count: int = 0


class DateOrders:
    """Follows the order of a register's numeric dates, row by row."""

    def __init__(self, mapping: Mapping, columns: dict[str, int], headers: dict[str, str]):
        self.expected = cells.formats_order(mapping.date_formats)
        self.columns = [
            _Column(name, position, headers.get(name, name))
            for name, position in columns.items()
            if FIELD_TYPES.get(name) in ("date", "datetime")
        ]
        self.seen = {"d": 0, "m": 0}

    def _evidence(self, column: _Column) -> tuple[str, str]:
        """The order the dates so far say ('' if they don't), and where that shows."""
        counts: dict[str, int]
        for counts, where in ((column.seen, "this column"), (self.seen, "this register")):
            if counts["d"] != counts["m"]:
                return ("d" if counts["d"] > counts["m"] else "m"), where
        return "", ""

    def _example(self, column: _Column, order: str) -> str:
        sources = [column, *self.columns]
        for source in sources:
            if order in source.example:
                row, raw = source.example[order]
                return f"row {row}: {raw}"
        return ""

    def check(self, number: int, row: Sequence[Cell]) -> list[Problem]:
        """Note the row's dates; problems for those read against the evidence so far."""
        if not self.expected:
            return []
        either: list[tuple[_Column, str]] = []
        width, order_of = len(row), cells.day_month_order
        for column in self.columns:
            if column.position >= width:
                continue
            cell = row[column.position]
            if type(cell) is not str:
                continue
            order = order_of(cell[:10])  # the date: its time does not matter, and is cached
            if not order:
                continue
            if order == "?":
                either.append((column, cell.strip()))
                continue
            column.seen[order] += 1
            self.seen[order] += 1
            if order not in column.example:
                column.example[order] = (number, cell.strip())
        if not either:
            return []
        problems = []
        for column, raw in either:
            order, where = self._evidence(column)
            if not order:
                column.unsure_count += 1
                if len(column.unsure) < _SHOWN:
                    column.unsure.append((number, raw))
            elif order != self.expected:
                problems.append(
                    Problem(
                        column.header,
                        raw,
                        f"can be read day first or month first, and the dates of {where} "
                        f"run {_NAMES[order]} ({self._example(column, order)}) while the "
                        f"mapping reads {_NAMES[self.expected]}: write it as YYYY-MM-DD",
                    )
                )
        return problems

    def warnings(self) -> list[str]:
        """What the report should say about dates read either way without evidence."""
        out = []
        for column in self.columns:
            if not column.unsure_count:
                continue
            order, where = self._evidence(column)
            if order == self.expected:
                continue
            rows = ", ".join(f"{n} ({raw})" for n, raw in column.unsure)
            more = column.unsure_count - len(column.unsure)
            rows += f" and {more:,} more" if more > 0 else ""
            read = f"read {_NAMES[self.expected]}, as the mapping says"
            if order:
                example = self._example(column, order)
                why = f"but the dates of {where} run {_NAMES[order]} ({example})"
            else:
                why = "and no date in the register can be read only one way"
            out.append(
                f"{column.header}: {column.unsure_count:,} date(s) that can be read day first or "
                f"month first were {read}, {why}: check rows {rows}"
            )
        return out
