"""Date-times as the API writes them: always with their zone, as the JSON export does.

The database keeps naive date-times of two kinds. Times a register records (an FIR, an
offence, an arrest) are Indian Standard Time; times the system stamps (created, updated,
audit entries, custody steps) are UTC. A client cannot tell the two apart without a zone,
so response models annotate each field with one of the two types below: the value stays a
plain ``datetime`` in Python (pages format it as before), and JSON gets ``+05:30`` or ``Z``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Annotated

from pydantic import PlainSerializer, WithJsonSchema

IST = timezone(timedelta(hours=5, minutes=30), "IST")
_DATE_TIME = WithJsonSchema({"type": "string", "format": "date-time"})


def ist_json(value: datetime) -> str:
    """A register time (naive IST) in RFC 3339, e.g. ``2023-03-14T22:15:00+05:30``."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=IST)
    return value.isoformat()


def utc_json(value: datetime) -> str:
    """A system time (naive UTC) in RFC 3339, e.g. ``2026-12-07T08:30:00.250000Z``."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat() + "Z"


#: A time recorded in a register: naive Indian Standard Time; JSON with ``+05:30``.
RegisterTime = Annotated[
    datetime, PlainSerializer(ist_json, return_type=str, when_used="json"), _DATE_TIME
]
#: A time the system stamped: naive UTC; JSON with ``Z``.
SystemTime = Annotated[
    datetime, PlainSerializer(utc_json, return_type=str, when_used="json"), _DATE_TIME
]
