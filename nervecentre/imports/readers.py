"""Reads register rows from CSV, XLSX, XLS or ODS files, streaming, with typed cells.

Cells come back as ``str``, ``int``, ``float``, ``date``, ``datetime`` or ``time`` (never
formulas: spreadsheets are read by their cached values). Problems with the file as a whole
(empty, binary, wrong encoding, missing columns) raise :class:`InputFileError`.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import IO, Any

from python_calamine import CalamineError, CalamineWorkbook

from nervecentre.errors import InputFileError
from nervecentre.imports.mapping import Mapping

Cell = str | int | float | date | datetime | time | None
_HEADER_SCAN_ROWS = 10
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
_FORMULA = re.compile(rb'<c r="([A-Z]+[0-9]+)"[^>]*>\s*<f[ >]')
csv.field_size_limit(16 * 1024 * 1024)


def _norm_header(text: object) -> str:
    return " ".join(str(text or "").replace("\n", " ").split()).casefold()


@dataclass
class Register:
    """An open register: the field → column positions, and a stream of numbered rows."""

    path: Path
    columns: dict[str, int]
    headers: list[str]
    header_row: int
    rows: Iterator[tuple[int, list[Cell]]]
    warnings: list[str] = field(default_factory=list)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    total_rows: int | None = None


def _match_columns(headers: list[Any], mapping: Mapping) -> dict[str, int]:
    position = {_norm_header(h): i for i, h in reversed(list(enumerate(headers))) if h}
    found = {}
    for spec in mapping.columns:
        for name in spec.headers:
            if _norm_header(name) in position:
                found[spec.field] = position[_norm_header(name)]
                break
    return found


def _pick_header(
    first_rows: list[list[Any]], mapping: Mapping, path: Path
) -> tuple[int, dict[str, int]]:
    best = max(
        range(len(first_rows)),
        key=lambda i: len(_match_columns(first_rows[i], mapping)),
        default=-1,
    )
    columns = _match_columns(first_rows[best], mapping) if best >= 0 else {}
    missing = [s for s in mapping.columns if s.required and s.field not in columns]
    if missing:
        wanted = "; ".join(" or ".join(repr(h) for h in s.headers) for s in missing)
        seen = ", ".join(repr(str(h)) for h in (first_rows[best] if best >= 0 else []) if h)
        raise InputFileError(
            f"{path.name}: required columns not found: {wanted}. "
            f"Header row has: {seen or 'nothing'}. Is this the right file and mapping "
            f"({mapping.name!r})?"
        )
    return best, columns


def _clean_cell(value: Any) -> Cell:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    if isinstance(value, timedelta):
        return (datetime.min + value).time()
    if value == "":
        return None
    return value  # type: ignore[no-any-return]


def _formula_cells(path: Path, limit: int = 5) -> list[str]:
    # calamine reads cached results only; scan the sheet XML so the report can say which
    # cells held formulas (their computed values were imported, the formulas were not).
    cells: list[str] = []
    try:
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                if name.startswith("xl/worksheets/sheet") and name.endswith(".xml"):
                    with archive.open(name) as handle:
                        for chunk in iter(lambda: handle.read(1 << 20), b""):
                            cells.extend(m.decode() for m in _FORMULA.findall(chunk))
                            if len(cells) >= limit:
                                return cells[:limit]
    except (zipfile.BadZipFile, OSError):
        return cells
    return cells


def _open_workbook(path: Path, mapping: Mapping) -> Register:
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        names = workbook.sheet_names
        if mapping.sheet and mapping.sheet not in names:
            raise InputFileError(f"{path.name}: no sheet named {mapping.sheet!r} (has {names})")
        sheet = workbook.get_sheet_by_name(mapping.sheet or names[0])
        raw_rows = sheet.iter_rows()
        first = [list(r) for _, r in zip(range(_HEADER_SCAN_ROWS), raw_rows, strict=False)]
    except CalamineError as exc:
        raise InputFileError(f"{path.name}: not a readable spreadsheet ({exc})") from None
    if not first or not any(any(c not in ("", None) for c in r) for r in first):
        raise InputFileError(f"{path.name}: the spreadsheet is empty")
    header_at, columns = _pick_header(first, mapping, path)
    register = Register(
        path=path,
        columns=columns,
        headers=[str(h) for h in first[header_at]],
        header_row=header_at + 1,
        rows=iter(()),
        total_rows=max(sheet.total_height - header_at - 1, 0),
    )
    merged = sheet.merged_cell_ranges or []
    register.merged = [(r0 + 1, c0, r1 + 1, c1) for (r0, c0), (r1, c1) in merged]
    if merged:
        register.warnings.append(
            f"{len(merged)} merged cell range(s): only the first cell of a merged range holds "
            "a value, so rows inside one may be rejected for missing values"
        )
    formulas = _formula_cells(path) if path.suffix.lower() in (".xlsx", ".xlsm") else []
    if formulas:
        register.warnings.append(
            "cells with formulas were imported as their last computed values "
            f"(e.g. {', '.join(formulas)})"
        )

    def rows() -> Iterator[tuple[int, list[Cell]]]:
        for number, row in enumerate(first, start=1):
            if number > header_at + 1:
                yield number, [_clean_cell(c) for c in row]
        for number, row in enumerate(raw_rows, start=len(first) + 1):
            yield number, [_clean_cell(c) for c in row]

    register.rows = rows()
    return register


def _text_stream(path: Path, encoding: str) -> IO[str]:
    with path.open("rb") as probe:
        head = probe.read(65536)
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputFileError(f"{path.name}: this is a binary file, not a CSV register")
    try:
        head.decode(encoding)
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the probe's end
            raise InputFileError(
                f"{path.name}: not valid {encoding} text (byte 0x{head[exc.start]:02x} at "
                f"offset {exc.start}); save it as UTF-8, or pass --encoding (e.g. cp1252)"
            ) from None
    except LookupError:
        raise InputFileError(f"unknown text encoding {encoding!r}") from None
    return io.TextIOWrapper(path.open("rb"), encoding=encoding, newline="", errors="strict")


def _open_csv(path: Path, mapping: Mapping, encoding: str) -> Register:
    stream = _text_stream(path, encoding)
    reader = csv.reader(stream)
    try:
        first = [row for _, row in zip(range(_HEADER_SCAN_ROWS), reader, strict=False)]
    except (UnicodeDecodeError, csv.Error) as exc:
        stream.close()
        raise InputFileError(f"{path.name}: unreadable CSV ({exc})") from None
    if not any(any(c.strip() for c in r) for r in first):
        stream.close()
        raise InputFileError(f"{path.name}: the file is empty")
    header_at, columns = _pick_header([list(r) for r in first], mapping, path)

    def rows() -> Iterator[tuple[int, list[Cell]]]:
        number = len(first)
        try:
            for at, row in enumerate(first, start=1):
                if at > header_at + 1:
                    yield at, [c or None for c in row]
            for number, row in enumerate(reader, start=len(first) + 1):
                yield number, [c or None for c in row]
        except UnicodeDecodeError as exc:
            raise InputFileError(
                f"{path.name}: not valid {encoding} text after row {number} ({exc.reason}); "
                "save it as UTF-8, or pass --encoding (e.g. cp1252)"
            ) from None
        except csv.Error as exc:
            raise InputFileError(f"{path.name}: malformed CSV near row {number}: {exc}") from None
        finally:
            stream.close()

    return Register(
        path=path,
        columns=columns,
        headers=list(first[header_at]),
        header_row=header_at + 1,
        rows=rows(),
    )


def open_register(path: Path, mapping: Mapping, *, encoding: str | None = None) -> Register:
    """Open a CSV or spreadsheet register and locate the mapped columns."""
    if not path.is_file():
        raise InputFileError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise InputFileError(f"{path.name}: the file is empty (0 bytes)")
    with path.open("rb") as probe:
        magic = probe.read(4)
    suffix = path.suffix.lower()
    if magic in (_ZIP_MAGIC, _OLE_MAGIC) or suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        if magic not in (_ZIP_MAGIC, _OLE_MAGIC):
            raise InputFileError(f"{path.name}: named like a spreadsheet but it is not one")
        return _open_workbook(path, mapping)
    return _open_csv(path, mapping, encoding or mapping.encoding)
