"""The hash chain's arithmetic: the one serialisation it hashes, and an entry's hash.

Kept apart from the writer (:mod:`.audit`) so that checking a chain needs nothing else.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from nervecentre.errors import InvalidValue

GENESIS = "0" * 64
HASH_VERSION = 1
_AT_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | PurePath):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    raise TypeError(f"{type(value).__name__} cannot go into an audit entry")


def canonical_json(value: Any) -> str:
    """Sorted-keys, compact JSON: the one serialisation the chain hashes."""
    try:
        return json.dumps(
            value,
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
            allow_nan=False,
            default=_json_default,
        )
    except (TypeError, ValueError) as exc:
        raise InvalidValue(f"audit detail is not JSON-serialisable: {exc}") from None


def entry_hash(
    *,
    id: int,
    at: datetime,
    actor: str,
    action: str,
    target_type: str,
    target_id: str,
    detail: str,
    ip: str | None,
    prev_hash: str,
) -> str:
    """SHA-256 of one entry's fields and its predecessor's hash, as hex."""
    payload = {
        "v": HASH_VERSION,
        "id": id,
        "at": at.strftime(_AT_FORMAT),
        "actor": actor,
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
        "detail": detail,
        "ip": ip,
        "prev_hash": prev_hash,
    }
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The ``{"before": …, "after": …}`` detail of a change, with only the fields that changed."""
    keys = [k for k in {**before, **after} if before.get(k) != after.get(k)]
    return {
        "before": {k: before.get(k) for k in keys},
        "after": {k: after.get(k) for k in keys},
    }
