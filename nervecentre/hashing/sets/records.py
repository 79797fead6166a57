"""One hash-set entry as read from a file, the checks every reader shares, and the report."""

from __future__ import annotations

import binascii
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

MAX_ID_LENGTH = 64
MAX_DESCRIPTION = 4000
MAX_PHOTODNA = 4096
MAX_SHOWN = 20
HEX_LENGTHS = {"md5": 32, "sha1": 40, "sha256": 64, "pdq": 64}
# Identity of an entry without an id: its strongest hash (PDQ last: near-duplicates differ).
IDENTITY_ORDER = ("sha256", "sha1", "md5", "pdq")
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f", ""}


class EntryError(ValueError):
    """One entry is malformed; the reader rejects it and goes on."""


@dataclass(slots=True)
class HashRecord:
    """A validated entry: lowercase hex hashes, its identity key, and where it was read."""

    position: int
    key: str
    external_id: str | None = None
    category: int | None = None
    md5: str | None = None
    sha1: str | None = None
    sha256: str | None = None
    pdq: str | None = None
    photodna: str | None = None
    precategorized: bool | None = None
    description: str | None = None
    extra: str | None = None
    removed: bool = False

    def row(self) -> tuple[Any, ...]:
        """The values in staging-table column order."""
        return (
            self.position,
            self.key,
            self.external_id,
            self.category,
            self.md5,
            self.sha1,
            self.sha256,
            self.pdq,
            self.photodna,
            self.precategorized,
            self.description,
            self.extra,
            self.removed,
        )


def clean_hex(value: object, algorithm: str) -> str | None:
    """Lowercase hex of the right length for ``algorithm``, None when empty."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise EntryError(f"{algorithm.upper()} must be a hex string, not {_kind(value)}")
    length = HEX_LENGTHS[algorithm]
    text = value.lower() if len(value) == length else value.strip().lower()
    if not text:
        return None
    if len(text) != length:
        raise EntryError(
            f"{algorithm.upper()} must have {length} hex digits, not {len(text)}: {_show(text)}"
        )
    try:
        # fromhex skips spaces between byte pairs: a short result means there were some.
        if len(bytes.fromhex(text)) * 2 != length:
            raise ValueError
    except ValueError:
        raise EntryError(f"{algorithm.upper()} is not hexadecimal: {_show(text)}") from None
    return text


def clean_category(value: object) -> int | None:
    """A category number (int or digits); None when absent."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise EntryError(f"Category must be a whole number, not {value!r}")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if not text.isdigit():
            raise EntryError(f"Category must be a whole number, not {_show(text)!r}")
        number = int(text)
    else:
        raise EntryError(f"Category must be a whole number, not {_kind(value)}")
    if not 0 <= number < 2**31:
        raise EntryError(f"Category {number} is out of range")
    return number


def clean_bool(value: object, name: str) -> bool | None:
    """true/false, also written as a string or 0/1; None when absent."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return None if not text else False
    raise EntryError(f"{name} must be true or false, not {_show(str(value))!r}")


def clean_id(value: object, name: str) -> str | None:
    """An entry id (MediaID or CSV id) as text; None when absent."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise EntryError(f"{name} must be a number or text, not {_kind(value)}")
    text = str(value).strip()
    if len(text) > MAX_ID_LENGTH:
        raise EntryError(f"{name} is longer than {MAX_ID_LENGTH} characters")
    _check_text(text, name)
    return text or None


def clean_text(value: object, name: str) -> str | None:
    """Free text (a description or comment), trimmed; None when empty."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise EntryError(f"{name} must be text, not {_kind(value)}")
    text = value.strip()
    if len(text) > MAX_DESCRIPTION:
        raise EntryError(f"{name} is longer than {MAX_DESCRIPTION} characters")
    _check_text(text, name)
    return text or None


def _check_text(text: str, name: str) -> None:
    # PostgreSQL text cannot hold NUL: refuse it everywhere so that both databases agree.
    if "\x00" in text:
        raise EntryError(f"{name} contains a NUL character")


def clean_photodna(value: object) -> str | None:
    """A PhotoDNA signature as distributed (base64); kept, never computed."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise EntryError(f"PhotoDNA must be a base64 string, not {_kind(value)}")
    text = value.strip()
    if not text:
        return None
    if len(text) > MAX_PHOTODNA:
        raise EntryError(f"PhotoDNA is longer than {MAX_PHOTODNA} characters")
    try:
        binascii.a2b_base64(text, strict_mode=True)
    except binascii.Error:
        raise EntryError(f"PhotoDNA is not base64: {_show(text)}") from None
    return text


def identity(record: HashRecord) -> str:
    """The entry's key within its set: its id, else its strongest hash."""
    if record.external_id is not None:
        return "id:" + record.external_id
    for algorithm in IDENTITY_ORDER:
        value = getattr(record, algorithm)
        if value is not None:
            return f"{algorithm}:{value}"
    raise EntryError("no id and no MD5, SHA-1, SHA-256 or PDQ hash to identify the entry")


def finish(record: HashRecord) -> HashRecord:
    """Set the identity key after checking that the entry carries something to match."""
    if not record.removed and not (
        record.md5 or record.sha1 or record.sha256 or record.pdq or record.photodna
    ):
        raise EntryError("no hash (MD5, SHA-1, SHA-256, PDQ or PhotoDNA)")
    record.key = identity(record)
    return record


def _kind(value: object) -> str:
    names = {dict: "an object", list: "a list", bool: "true/false", int: "a number"}
    return names.get(type(value), "a number" if isinstance(value, float) else "a value")


def _show(text: str, limit: int = 40) -> str:
    if not text.isprintable():
        text = text.encode("unicode_escape").decode("ascii")
    return text if len(text) <= limit else text[:limit] + "…"


@dataclass(frozen=True, slots=True)
class Rejection:
    """One refused entry: its position in the file (entry number or CSV line) and why."""

    position: int
    reason: str

    def __str__(self) -> str:
        return f"entry {self.position}: {self.reason}"


@dataclass
class ImportReport:
    """What an import read, changed and refused; ``rejections`` holds the first few reasons."""

    hashset: str
    version: int
    format: str
    format_version: str = ""
    file_sha256: str = ""
    entries_read: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    removals_unknown: int = 0
    rejected: int = 0
    entries_now: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def reject(self, position: int, reason: str) -> None:
        """Count a refused entry, keeping the reason of the first few."""
        self.rejected += 1
        if len(self.rejections) < MAX_SHOWN:
            self.rejections.append(Rejection(position, reason))

    def to_dict(self) -> dict[str, Any]:
        """Plain data, for JSON output."""
        data = {k: v for k, v in vars(self).items() if k != "rejections"}
        data["rejections"] = [str(r) for r in self.rejections]
        return data


class Warnings:
    """Counts repeated warnings (e.g. one unknown category on 10,000 entries) into one line."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def add(self, message: str) -> None:
        """Note one occurrence of a warning."""
        self.counts[message] += 1

    def lines(self) -> list[str]:
        """One line per distinct warning, with its count when repeated."""
        return [m if n == 1 else f"{m} ({n:,} entries)" for m, n in self.counts.items()]
