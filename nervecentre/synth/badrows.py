"""Deliberately bad register rows: each kind is one realistic clerical mistake.

A bad row is a copy of the row before it with one thing broken, so the importer must
refuse it for exactly that reason. Positions depend only on the seed and the number of
rows, never on the data.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from nervecentre.synth._random import rng_for
from nervecentre.synth.columns import COLUMN

#: The mistakes, in the order they are used (then again from the start).
KINDS: tuple[str, ...] = (
    "impossible_date",
    "unknown_station",
    "unknown_section",
    "invalid_phone",
    "missing_fir_no",
    "year_mismatch",
    "duplicate",
    "bad_status",
    "bad_age",
)
_DEMOGRAPHICS = re.compile(r"\(([MFT]?)(?:/[^()]*)?\)")


def _col(name: str) -> int:
    return COLUMN[name]


class BadRowPlan:
    """Where the bad rows go (after which record, by 0-based index) and what each breaks."""

    def __init__(self, count: int, seed: int, expected_rows: int | None) -> None:
        rng = rng_for(seed, "bad-rows")
        kinds = [KINDS[k % len(KINDS)] for k in range(count)]
        if expected_rows:
            spots = sorted(rng.choices(range(expected_rows), k=count))
        else:
            spots, at = [], -1
            for _ in kinds:
                at += rng.randint(1, 10)
                spots.append(at)
        self._after: dict[int, list[str]] = {}
        for spot, kind in zip(spots, kinds, strict=True):
            self._after.setdefault(spot, []).append(kind)

    def after(self, index: int) -> list[str]:
        """The bad rows to write after record ``index`` (each only once)."""
        return self._after.pop(index, []) if self._after else []

    def leftover(self) -> list[str]:
        """Bad rows whose place was past the last record: they go at the end."""
        out = [kind for spot in sorted(self._after) for kind in self._after[spot]]
        self._after.clear()
        return out

    @staticmethod
    def make(kind: str, cells: Sequence[str], serial: int) -> tuple[list[str], str, str]:
        """A broken copy of ``cells`` (the row just written): (row, column, reason)."""
        row = list(cells)
        if kind == "duplicate":
            return row, "FIR No", f"duplicate of row {int(cells[_col('Sr No')]) + 1}"
        row[_col("Sr No")] = str(serial)
        year = int(cells[_col("Year")])
        if kind == "impossible_date":
            row[_col("FIR Date")] = f"31/02/{year}"
            return row, "FIR Date", f"31/02/{year} is not a date"
        if kind == "unknown_station":
            row[_col("Police Station")] = "Gotham Nagar"
            return row, "Police Station", "no police station called Gotham Nagar"
        if kind == "unknown_section":
            code = "BNS" if "BNS" in cells[_col("Sections")] else "IPC"
            row[_col("Sections")] = f"{code} 9999"
            return row, "Sections", f"{code} 9999 is not a section"
        if kind == "invalid_phone":
            entries = cells[_col("Accused")].split("; ")
            entries[0] = entries[0].partition(" - ")[0] + " - 98765"
            row[_col("Accused")] = "; ".join(entries)
            return row, "Accused", "98765 is too short to be a phone number"
        if kind == "missing_fir_no":
            row[_col("FIR No")] = ""
            return row, "FIR No", "FIR number is missing"
        if kind == "year_mismatch":
            number = cells[_col("FIR No")].partition("/")[0]
            row[_col("FIR No")] = f"{number}/{year - 1}"
            row[_col("Year")] = str(year - 1)
            return row, "Year", f"Year {year - 1} disagrees with the FIR date in {year}"
        if kind == "bad_status":
            row[_col("Status")] = "Pending??"
            return row, "Status", "'Pending??' is not a known status"
        if kind == "bad_age":
            column = "Victims" if cells[_col("Victims")] else "Accused"
            entries = cells[_col(column)].split("; ")
            first, sep, rest = entries[0].partition(" - ")
            found = _DEMOGRAPHICS.search(first)
            sex = found.group(1) if found and found.group(1) else "F"
            if found:
                first = first[: found.start()] + f"({sex}/abc)" + first[found.end() :]
            else:
                name, bracket, roles = first.partition(" [")
                first = f"{name} ({sex}/abc)" + (bracket + roles if bracket else "")
            entries[0] = first + sep + rest
            row[_col(column)] = "; ".join(entries)
            return row, column, "age 'abc' is not a number"
        raise ValueError(f"unknown bad-row kind {kind!r}")
