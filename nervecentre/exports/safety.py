"""Keeps exported spreadsheets inert: text that a spreadsheet would run as a formula is quoted.

The quote is an apostrophe, and it can be taken off again exactly: :func:`restore` undoes
:func:`neutralise`, so a file we wrote (a rejects file, an export) can be read back without
the quotes. For that, text that already starts with an apostrophe before a formula
character or another apostrophe is quoted too, so that no value is mistaken for a quoted one.
"""

from __future__ import annotations

# A cell starting with one of these is evaluated by Excel/LibreOffice ("CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
_QUOTE = "'"
# After our quote comes a formula character or, for text that began with a quote, a quote.
_QUOTED_STARTS = (*_FORMULA_STARTS, _QUOTE)


def neutralise(value: object) -> object:
    """Prefix an apostrophe to text a spreadsheet would treat as a formula; others unchanged."""
    if isinstance(value, str) and (
        value.startswith(_FORMULA_STARTS)
        or (value.startswith(_QUOTE) and value[1:].startswith(_QUOTED_STARTS))
    ):
        return _QUOTE + value
    return value


def restore(text: str) -> str:
    """The text :func:`neutralise` was given: its quote taken off (other text unchanged)."""
    if text.startswith(_QUOTE) and text[1:].startswith(_QUOTED_STARTS):
        return text[1:]
    return text
