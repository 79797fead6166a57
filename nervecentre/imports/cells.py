"""Typed readers for single register cells: dates, times, numbers, codes."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from functools import lru_cache

from nervecentre.errors import InvalidValue
from nervecentre.imports.readers import Cell

EARLIEST_YEAR = 1950
# Always read, whatever the mapping says: unambiguous, and how a rejects file writes dates.
ISO_DATE = "%Y-%m-%d"
ISO_TIMES = ("%H:%M", "%H:%M:%S")
_DAY_MONTH = re.compile(r"\s*(\d{1,2})([/.-])(\d{1,2})\2\d{2,4}(?!\d)")
_FIR_NUMBER = re.compile(
    r"^\s*(?:(?:fir|c\.?\s*r\.?|gu\.?\s*r\.?)\s*(?:no\.?)?\s*)?"
    r"([0-9A-Za-z-]{1,20})\s*(?:/\s*(\d{2,4}))?\s*$",
    re.IGNORECASE,
)


def text(cell: Cell) -> str:
    """Any cell as stripped text ('' when empty)."""
    if type(cell) is str:
        return cell.strip()
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        return cell.strftime("%d/%m/%Y %H:%M")
    if isinstance(cell, date):
        return cell.strftime("%d/%m/%Y")
    return str(cell).strip()


def portable(cell: Cell) -> str:
    """A cell as text that reads back as the same value under any mapping (a rejects file's
    cells): spreadsheet dates and times in ISO form, the rest as :func:`text` writes it."""
    if isinstance(cell, datetime):
        return cell.isoformat(" ", "seconds" if cell.second else "minutes")
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, time):
        return cell.isoformat("seconds" if cell.second else "minutes")
    return text(cell)


@lru_cache(maxsize=16384)
def day_month_order(head: str) -> str:
    """How a numeric date at the start of ``head`` can be read: 'd' only day first, 'm' only
    month first, '?' either way (to different dates), '' not such a date or the same both ways."""
    match = _DAY_MONTH.match(head)
    if match is None:
        return ""
    first, second = int(match.group(1)), int(match.group(3))
    if first == second or not (1 <= first <= 31 and 1 <= second <= 31):
        return ""
    if first <= 12 and second <= 12:
        return "?"
    if first <= 12:
        return "m"
    return "d" if second <= 12 else ""


def formats_order(formats: tuple[str, ...]) -> str:
    """'d' when the first numeric day-and-month format puts the day first, 'm' the month,
    '' when there is none."""
    for fmt in formats:
        day, month = fmt.find("%d"), fmt.find("%m")
        if day >= 0 and month >= 0 and not fmt.startswith("%Y"):
            return "d" if day < month else "m"
    return ""


_ORDER_NAMES = {"d": "day first (DD/MM/YYYY)", "m": "month first (MM/DD/YYYY)"}


@lru_cache(maxsize=65536)
def _parse_date(raw: str, formats: tuple[str, ...]) -> date:
    for fmt in (*formats, ISO_DATE):
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    order, expected = day_month_order(raw), formats_order(formats)
    if order in _ORDER_NAMES and expected in _ORDER_NAMES and order != expected:
        raise InvalidValue(
            f"{raw!r} reads only {_ORDER_NAMES[order]}, but this register's dates are "
            f"{_ORDER_NAMES[expected]}: correct it, or write it as YYYY-MM-DD",
            kind="date",
        )
    raise InvalidValue(f"{raw!r} is not a valid date (expected e.g. 14/03/2023)", kind="date")


def _check_year(value: date, today: date) -> date:
    if not value.year >= EARLIEST_YEAR or value > today:
        raise InvalidValue(f"date {value:%d/%m/%Y} is out of range (1950 to today)", kind="date")
    return value


def to_date(cell: Cell, formats: tuple[str, ...], today: date) -> date | None:
    """A date cell (spreadsheet date or text in one of the mapping's formats)."""
    if cell is None or cell == "":
        return None
    if isinstance(cell, datetime):
        return _check_year(cell.date(), today)
    if isinstance(cell, date):
        return _check_year(cell, today)
    return _check_year(_parse_date(text(cell), formats), today)


@lru_cache(maxsize=4096)
def _parse_time(raw: str, formats: tuple[str, ...]) -> time:
    for fmt in (*formats, *ISO_TIMES):
        try:
            return datetime.strptime(raw, fmt).time()
        except ValueError:
            continue
    raise InvalidValue(f"{raw!r} is not a valid time of day (expected e.g. 22:15)", kind="time")


def to_time(cell: Cell, formats: tuple[str, ...]) -> time | None:
    """A time-of-day cell."""
    if cell is None or cell == "":
        return None
    if isinstance(cell, datetime):
        return cell.time()
    if isinstance(cell, time):
        return cell
    return _parse_time(text(cell), formats)


def to_datetime(
    cell: Cell, dates: tuple[str, ...], times: tuple[str, ...], today: date
) -> datetime | None:
    """A 'date [time]' cell; midnight when the time is missing."""
    if cell is None or cell == "":
        return None
    if isinstance(cell, datetime):
        _check_year(cell.date(), today)
        return cell
    if isinstance(cell, date):
        return datetime.combine(_check_year(cell, today), time())
    raw = text(cell)
    day, _, clock = raw.partition(" ")
    when = to_date(day, dates, today)
    assert when is not None
    return datetime.combine(when, to_time(clock.strip(), times) or time())


def to_int(cell: Cell, what: str) -> int | None:
    """A whole-number cell."""
    if cell is None or cell == "":
        return None
    if isinstance(cell, int):
        return cell
    raw = text(cell)
    if not raw.isdigit():
        raise InvalidValue(f"{what} {raw!r} is not a whole number", kind=what)
    return int(raw)


def fir_number(cell: Cell) -> tuple[str, int | None]:
    """The FIR number and the year written after a slash, if any ('0123/2023' → '123', 2023)."""
    raw = text(cell)
    match = _FIR_NUMBER.match(raw)
    if not raw or not match:
        raise InvalidValue(f"{raw!r} is not an FIR number (expected e.g. 123/2023)", kind="fir")
    number = match.group(1).upper().lstrip("0") or "0"
    year = match.group(2)
    if year and len(year) == 2:
        year = "20" + year
    return number, int(year) if year else None
