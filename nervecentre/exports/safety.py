"""Keeps exported spreadsheets inert: text that a spreadsheet would run as a formula is quoted."""

from __future__ import annotations

# A cell starting with one of these is evaluated by Excel/LibreOffice ("CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise(value: object) -> object:
    """Prefix an apostrophe to text a spreadsheet would treat as a formula; others unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value
