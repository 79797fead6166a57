"""Which register columns a mapping reads, which it leaves, and what a misnamed one may be.

A column the mapping does not know is never dropped silently: the import reports it, says
how many of its cells hold data, and names the mapped column it most likely is ("did you
mean Victims?"). Headers a mapping lists under ``ignore:`` are known and left quietly.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from nervecentre.imports.mapping import Mapping

# A header this close (difflib ratio) to a missing column's is named as a likely misspelling.
_CLOSE = 0.75
# Words this long sharing their first letters count as the same word ("Victim" ~ "Victims").
_STEM = 5


def norm_header(text: object) -> str:
    """A header as compared: spaces collapsed, line breaks ignored, case folded."""
    return " ".join(str(text or "").replace("\n", " ").split()).casefold()


def column_letter(position: int) -> str:
    """The spreadsheet letter of a 0-based column position (0 → A, 26 → AA)."""
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def match_columns(headers: Sequence[Any], mapping: Mapping) -> dict[str, int]:
    """Field → position of the header row's cell that names it (the first, left to right)."""
    position = {norm_header(h): i for i, h in reversed(list(enumerate(headers))) if h}
    found = {}
    for spec in mapping.columns:
        for name in spec.headers:
            if norm_header(name) in position:
                found[spec.field] = position[norm_header(name)]
                break
    return found


def _same_word(a: str, b: str) -> bool:
    return len(a) >= _STEM and len(b) >= _STEM and a[:_STEM] == b[:_STEM]


def suggest(header: str, mapping: Mapping, found: dict[str, int]) -> str | None:
    """The mapped column ``header`` most likely means, among those the register lacks."""
    wanted = norm_header(header)
    if not wanted:
        return None
    best: tuple[float, str] | None = None
    for spec in mapping.columns:
        if spec.field in found:
            continue
        for name in spec.headers:
            other = norm_header(name)
            score = difflib.SequenceMatcher(None, wanted, other).ratio()
            if score < _CLOSE and not any(
                _same_word(a, b) for a in wanted.split() for b in other.split()
            ):
                continue
            if best is None or score > best[0]:
                best = (score, spec.headers[0])
    return best[1] if best else None


@dataclass
class IgnoredColumn:
    """A column of the register that the import did not read."""

    position: int
    header: str
    suggestion: str | None = None
    #: Data rows with something in this column.
    cells: int = 0

    @property
    def name(self) -> str:
        """How the column is named to the user: its header, or its letter when it has none."""
        if self.header.strip():
            return repr(self.header.strip())
        return f"column {column_letter(self.position)} (no header)"

    @property
    def matters(self) -> bool:
        """Whether data may have been lost: the column holds data, or looks like a mapped one."""
        return bool(self.cells or self.suggestion)

    @property
    def message(self) -> str:
        """One line for the report."""
        held = (
            f"{self.cells:,} row{'s' if self.cells != 1 else ''} hold data there, not imported"
            if self.cells
            else "it is empty"
        )
        hint = f"; did you mean {self.suggestion!r}?" if self.suggestion else ""
        return f"column {self.name} is not in the mapping ({held}){hint}"


@dataclass
class ColumnTally:
    """Counts, row by row, the cells in columns the mapping does not read."""

    width: int
    columns: dict[int, IgnoredColumn] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        headers: Sequence[Any],
        found: dict[str, int],
        mapping: Mapping,
        skip: int = 0,
    ) -> ColumnTally:
        """The tally for a header row; the first ``skip`` columns are the import's own."""
        used = set(found.values())
        known = {norm_header(h) for h in mapping.ignore}
        tally = cls(width=len(headers))
        for i, header in enumerate(headers):
            text = "" if header is None else str(header)
            if i < skip or i in used or (text.strip() and norm_header(text) in known):
                continue
            tally.columns[i] = IgnoredColumn(i, text, suggest(text, mapping, found))
        return tally

    def count(self, row: Sequence[Any]) -> None:
        """Note the cells of one data row that fall in unread columns."""
        for i, column in self.columns.items():
            if i < len(row) and row[i] is not None and row[i] != "":
                column.cells += 1
        # Cells right of the header row's last column: counted above once they are known.
        for i in range(self.width, len(row)):
            if i not in self.columns and row[i] is not None and row[i] != "":
                self.columns[i] = IgnoredColumn(i, "", cells=1)

    def ignored(self) -> list[IgnoredColumn]:
        """The unread columns, left to right."""
        return [self.columns[i] for i in sorted(self.columns)]
