"""Reading an expiry typed as a number of days, as the CLI's ``--days`` takes it."""

from __future__ import annotations

from datetime import datetime, timedelta

from nervecentre.errors import InvalidValue
from nervecentre.store.base import utcnow

MAX_DAYS = 3650


def days(text: str, *, kind: str = "days") -> int | None:
    """A whole number of days from 1 to MAX_DAYS (None when empty); InvalidValue otherwise."""
    text = text.strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_DAYS:
        raise InvalidValue(f"give a whole number of days from 1 to {MAX_DAYS}", kind=kind)
    return int(text)


def expiry(text: str, *, kind: str = "days") -> datetime | None:
    """That many days from now (empty: never)."""
    count = days(text, kind=kind)
    return None if count is None else utcnow() + timedelta(days=count)
