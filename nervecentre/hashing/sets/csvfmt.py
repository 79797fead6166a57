"""CSV hash lists: a header naming any of id, md5, sha1, sha256, pdq, category, description.

Columns are matched case-insensitively; others are ignored with a warning; a ``removed``
column (true/false) marks removal entries; a list of removals may name only id and removed.
Comma, semicolon and tab separators are accepted.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from nervecentre.errors import InputFileError
from nervecentre.exports.safety import neutralise
from nervecentre.hashing.sets.records import (
    EntryError,
    HashRecord,
    ImportReport,
    Warnings,
    clean_bool,
    clean_category,
    clean_hex,
    clean_id,
    clean_text,
    finish,
)
from nervecentre.hashing.sets.sniff import open_utf8
from nervecentre.hashing.sets.vics import ExportRow

COLUMNS = ("id", "md5", "sha1", "sha256", "pdq", "category", "description")
_ALIASES = {"mediaid": "id", "media_id": "id", "comments": "description", "deleted": "removed"}
_KNOWN = {*COLUMNS, "removed"}
_HASHES = ("md5", "sha1", "sha256", "pdq")
_FORMULA = ("=", "+", "-", "@", "\t", "\r", "\n")


def _delimiter(line: str) -> str:
    counts = {d: line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _header(path: Path, row: list[str], warnings: list[str]) -> dict[str, int]:
    where: dict[str, int] = {}
    ignored = []
    for number, raw in enumerate(row):
        name = raw.strip().lower()
        name = _ALIASES.get(name, name)
        if name not in _KNOWN:
            ignored.append(raw.strip() or f"(column {number + 1})")
        elif name in where:
            raise InputFileError(f"{path}: column {name!r} appears twice in the header")
        else:
            where[name] = number
    removals_only = "id" in where and "removed" in where
    if not removals_only and not any(h in where for h in _HASHES):
        raise InputFileError(
            f"{path}: the header names no hash column; expected at least one of "
            f"{', '.join(_HASHES)} (found: {', '.join(c.strip() for c in row) or 'nothing'})"
        )
    if ignored:
        warnings.append(f"columns ignored: {', '.join(ignored)}")
    return where


def _description(value: str | None) -> str | None:
    # Our own export quotes formula-like text with an apostrophe; undo it on the way back.
    if value and value.startswith("'") and value[1:].startswith(_FORMULA):
        return value[1:]
    return value


def _record(line: int, row: list[str], where: dict[str, int]) -> HashRecord:
    def cell(name: str) -> str | None:
        number = where.get(name)
        if number is None or number >= len(row):
            return None
        return row[number].strip() or None

    record = HashRecord(
        line,
        "",
        external_id=clean_id(cell("id"), "id"),
        category=clean_category(cell("category")),
        md5=clean_hex(cell("md5"), "md5"),
        sha1=clean_hex(cell("sha1"), "sha1"),
        sha256=clean_hex(cell("sha256"), "sha256"),
        pdq=clean_hex(cell("pdq"), "pdq"),
        description=_description(clean_text(cell("description"), "description")),
        removed=bool(clean_bool(cell("removed"), "removed")),
    )
    return finish(record)


def read_csv(path: Path, report: ImportReport, warnings: Warnings) -> Iterator[HashRecord]:
    """Stream the valid rows of a CSV list; bad rows go to the report, a bad file raises."""
    report.format_version = "CSV"
    line = 0
    with open_utf8(path) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", errors="strict", newline="")
        try:
            first = text.readline()
            reader = csv.reader(text, delimiter=_delimiter(first))
            header = next(csv.reader([first], delimiter=reader.dialect.delimiter), [])
            notes: list[str] = []
            where = _header(path, header, notes)
            for note in notes:
                warnings.add(note)
            for row in reader:
                line = reader.line_num + 1
                if not any(cell.strip() for cell in row):
                    continue
                report.entries_read += 1
                try:
                    yield _record(line, row, where)
                except EntryError as exc:
                    report.reject(line, str(exc))
        except UnicodeDecodeError:
            raise InputFileError(
                f"{path}: not UTF-8 text near line {line + 1}; save the file as UTF-8"
            ) from None
        except csv.Error as exc:
            raise InputFileError(f"{path}: unreadable CSV near line {line + 1}: {exc}") from None


def write_csv(rows: Iterable[ExportRow], out: IO[str], *, removed: bool = False) -> int:
    """Write entries as CSV with the standard header; returns the count."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*COLUMNS, "removed"] if removed else COLUMNS)
    count = 0
    for row in rows:
        values = [
            row.external_id,
            row.md5,
            row.sha1,
            row.sha256,
            row.pdq,
            row.category,
            neutralise(row.description),
        ]
        if removed:
            values.append("true" if row.removed_version is not None else "false")
        writer.writerow(["" if v is None else v for v in values])
        count += 1
    return count
