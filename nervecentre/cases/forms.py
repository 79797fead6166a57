"""Form fields for the editing functions: parse one submitted string, or say what is wrong.

A :class:`Form` holds the fields one form sent and collects every problem, so that a page
can show them all next to their fields; the ``*_field`` factories make the parsers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta, timezone
from typing import Any

from nervecentre.cases import vocab
from nervecentre.errors import InvalidValue
from nervecentre.types.text import check_text

# Registers record local time; India has one zone and no daylight saving.
IST = timezone(timedelta(hours=5, minutes=30), "IST")
EARLIEST_YEAR = 1950
_DATETIME_FORMATS = (
    "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d",
)  # fmt: skip
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")


class FormErrors(InvalidValue):
    """Several fields of one form are wrong; ``errors`` maps each field to its message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors: dict[str, str] = dict(errors)
        super().__init__(
            f"{len(self.errors)} fields need correcting: " + "; ".join(self.errors.values()),
            kind=next(iter(self.errors), None),
        )


class Form:
    """The submitted fields of one form, and the problems found in them so far."""

    def __init__(self, data: Mapping[str, object], fields: Iterable[str]) -> None:
        allowed = tuple(fields)
        self.values: dict[str, str] = {}
        self.errors: dict[str, str] = {}
        for key, raw in data.items():
            if key in allowed:
                self.values[key] = "" if raw is None else str(raw).strip()
                # Every field of every form (and API body): one check for control characters.
                try:
                    check_text(self.values[key], key.replace("_", " ").capitalize())
                except InvalidValue as exc:
                    self.errors[key] = str(exc)
            else:
                # A renamed or misspelt field must fail loudly, never be dropped silently.
                self.errors[key] = f"{key!r} is not a field here (expected: {', '.join(allowed)})"

    def __contains__(self, key: object) -> bool:
        return key in self.values

    def apply(self, key: str, parse: Callable[[str], Any], into: dict[str, Any]) -> None:
        """``into[key] = parse(value)`` if the field was sent and is not wrong already; a parse
        error is recorded."""
        if key in self.values and key not in self.errors:
            try:
                into[key] = parse(self.values[key])
            except InvalidValue as exc:
                self.errors[key] = str(exc)

    def error(self, key: str, message: str) -> None:
        """Record a problem with a field (the first one found is kept)."""
        self.errors.setdefault(key, message)

    def ok(self, *keys: str) -> bool:
        """Whether none of these fields has a problem so far."""
        return not any(k in self.errors for k in keys)

    def check(self) -> None:
        """Raise InvalidValue for one problem, FormErrors for several."""
        if len(self.errors) == 1:
            (key, message), *_ = self.errors.items()
            raise InvalidValue(message, kind=key)
        if self.errors:
            raise FormErrors(self.errors)


def local_now() -> datetime:
    """Now as registers record it: Indian Standard Time, without a zone."""
    return datetime.now(IST).replace(tzinfo=None)


def text_field(label: str, limit: int, *, required: bool = False) -> Callable[[str], str]:
    """A parser for free text: kept verbatim (escaping is the template's job), but bounded."""

    def parse(raw: str) -> str:
        if required and not raw:
            raise InvalidValue(f"{label} is required")
        if len(raw) > limit:
            raise InvalidValue(f"{label} is {len(raw):,} characters long (at most {limit:,})")
        return check_text(raw, label)

    return parse


def datetime_field(
    label: str, *, required: bool = False, future: bool = False
) -> Callable[[str], datetime | None]:
    """A parser for 'YYYY-MM-DDTHH:MM' or 'YYYY-MM-DD HH:MM' (a bare date means midnight)."""

    def parse(raw: str) -> datetime | None:
        if not raw:
            if required:
                raise InvalidValue(f"{label} is required")
            return None
        for fmt in _DATETIME_FORMATS:
            try:
                when = datetime.strptime(raw, fmt)
                break
            except ValueError:
                continue
        else:
            raise InvalidValue(
                f"{label} {raw[:40]!r} is not a date and time (expected e.g. 2024-03-14 22:15)"
            )
        if when.year < EARLIEST_YEAR:
            raise InvalidValue(f"{label} is before {EARLIEST_YEAR}")
        if not future and when > local_now():
            raise InvalidValue(f"{label} is in the future")
        return when

    return parse


def date_field(label: str) -> Callable[[str], date | None]:
    """A parser for a past date, 'YYYY-MM-DD' or 'DD/MM/YYYY'."""

    def parse(raw: str) -> date | None:
        if not raw:
            return None
        for fmt in _DATE_FORMATS:
            try:
                day = datetime.strptime(raw, fmt).date()
                break
            except ValueError:
                continue
        else:
            raise InvalidValue(f"{label} {raw[:40]!r} is not a date (expected e.g. 2007-05-21)")
        if day.year < 1900 or day > local_now().date():
            raise InvalidValue(f"{label} {day:%d/%m/%Y} is out of range (1900 to today)")
        return day

    return parse


def code_field(
    vocabulary: str, label: str, *, required: bool = False
) -> Callable[[str], str | None]:
    """A parser for one code of a controlled vocabulary."""

    def parse(raw: str) -> str | None:
        if not raw:
            if required:
                raise InvalidValue(f"{label} is required")
            return None
        return vocab.check(vocabulary, raw.casefold().replace(" ", "_"))

    return parse


def codes_field(vocabulary: str) -> Callable[[str], list[str]]:
    """A parser for comma-separated codes of a vocabulary, deduplicated in order."""

    def parse(raw: str) -> list[str]:
        codes = [vocab.check(vocabulary, p.strip().casefold()) for p in raw.split(",")]
        return list(dict.fromkeys(c for c in codes if c))

    return parse


def int_field(label: str, low: int, high: int) -> Callable[[str], int | None]:
    """A parser for a whole number in a range."""

    def parse(raw: str) -> int | None:
        if not raw:
            return None
        if not raw.isdigit() or not low <= int(raw) <= high:
            raise InvalidValue(f"{label} {raw[:20]!r} is not a whole number from {low} to {high}")
        return int(raw)

    return parse


def form_value(value: object) -> str:
    """A stored value as a form shows it."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S" if value.second else "%Y-%m-%dT%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)


# --- cases -------------------------------------------------------------------------------
