"""Reads register rows from CSV, XLSX, XLS or ODS files, streaming, with typed cells.

Cells come back as ``str``, ``int``, ``float``, ``date``, ``datetime`` or ``time`` (never
formulas: spreadsheets are read by their cached values; a formula saved without one is
listed in :attr:`Register.uncomputed`). A CSV's encoding is told by its byte-order mark
(UTF-8, UTF-16) and its delimiter (``,`` ``;`` tab ``|``) by which one makes the mapping's
columns appear. A rejects file written by an earlier import is read back as the rows it
holds, without the quotes that kept it inert in a spreadsheet. Problems with the file as a
whole (empty, binary, wrong encoding, missing columns) raise :class:`InputFileError`.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import IO, Any

from python_calamine import CalamineError, CalamineWorkbook

from nervecentre.errors import InputFileError
from nervecentre.exports.safety import restore
from nervecentre.imports.columns import ColumnTally, IgnoredColumn, match_columns
from nervecentre.imports.formulas import scan_formulas
from nervecentre.imports.mapping import Mapping
from nervecentre.security.archives import check_archive

Cell = str | int | float | date | datetime | time | None
_HEADER_SCAN_ROWS = 10
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
_DELIMITERS = (",", ";", "\t", "|")
#: The first columns of a rejects file (:func:`nervecentre.imports.run.write_rejects`).
REJECTS_COLUMNS = ("row", "problems")
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
csv.field_size_limit(16 * 1024 * 1024)


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
    #: Columns the mapping does not read, with the cells counted as the rows stream past.
    tally: ColumnTally = field(default_factory=lambda: ColumnTally(width=0))
    #: Leading columns that are the import's own (a rejects file's row and problems).
    own_columns: int = 0
    #: Formula cells saved without a computed value: row → [(column, formula)].
    uncomputed: dict[int, list[tuple[int, str]]] = field(default_factory=dict)

    @property
    def ignored(self) -> list[IgnoredColumn]:
        """The columns not imported (complete once the rows have been read)."""
        return self.tally.ignored()


def _is_rejects(header: list[Any]) -> bool:
    return tuple(str(h) for h in header[: len(REJECTS_COLUMNS)]) == REJECTS_COLUMNS


def _pick_header(
    first_rows: list[list[Any]], mapping: Mapping, path: Path
) -> tuple[int, dict[str, int]]:
    best = max(
        range(len(first_rows)),
        key=lambda i: len(match_columns(first_rows[i], mapping)),
        default=-1,
    )
    columns = match_columns(first_rows[best], mapping) if best >= 0 else {}
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


def _prepare(register: Register, header: list[Any], mapping: Mapping) -> None:
    """The column tally and, for a rejects file, its own leading columns."""
    register.own_columns = len(REJECTS_COLUMNS) if _is_rejects(header) else 0
    register.tally = ColumnTally.of(header, register.columns, mapping, register.own_columns)


def _restored(row: list[Cell]) -> list[Cell]:
    return [restore(c) if type(c) is str else c for c in row]


def _clean_cell(value: Any) -> Cell:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    if isinstance(value, timedelta):
        return (datetime.min + value).time()
    if value == "":
        return None
    return value  # type: ignore[no-any-return]


def _open_workbook(path: Path, mapping: Mapping) -> Register:
    check_archive(path, path.name)  # XLSX and ODS are ZIP archives: no bombs
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
    _prepare(register, first[header_at], mapping)
    merged = sheet.merged_cell_ranges or []
    register.merged = [(r0 + 1, c0, r1 + 1, c1) for (r0, c0), (r1, c1) in merged]
    if merged:
        register.warnings.append(
            f"{len(merged)} merged cell range(s): only the first cell of a merged range holds "
            "a value, so rows inside one may be rejected for missing values"
        )
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        formulas = scan_formulas(path, mapping.sheet)
        register.uncomputed = formulas.uncomputed
        if formulas.computed:
            register.warnings.append(
                f"{formulas.computed:,} cell(s) with formulas were imported as their last "
                f"computed values (e.g. {', '.join(formulas.examples)})"
            )
    tally, own = register.tally, register.own_columns

    def rows() -> Iterator[tuple[int, list[Cell]]]:
        for number, raw in enumerate(first, start=1):
            if number > header_at + 1:
                row = [_clean_cell(c) for c in raw]
                tally.count(row)
                yield number, _restored(row) if own else row
        for number, raw in enumerate(raw_rows, start=len(first) + 1):
            row = [_clean_cell(c) for c in raw]
            tally.count(row)
            yield number, _restored(row) if own else row

    register.rows = rows()
    return register


def _encoding(path: Path, head: bytes, wanted: str) -> str:
    """The text encoding of a CSV: its byte-order mark's, UTF-16 told by its zero bytes, or
    ``wanted``. Raises for a binary file."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    if b"\x00" not in head:
        return wanted
    sample = head[: len(head) // 2 * 2]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    # Text in UTF-16 without a mark: nearly every other byte is zero (ASCII-range text), and
    # what it decodes to has no control characters but tabs and line breaks.
    guess = "utf-16-le" if odd > even else "utf-16-be"
    if max(even, odd) > 0.3 * len(sample) / 2 and min(even, odd) < max(even, odd) / 10:
        text = sample.decode(guess, errors="replace")
        if not any(ord(c) < 32 and c not in "\t\r\n" for c in text):
            return guess
    raise InputFileError(f"{path.name}: this is a binary file, not a CSV register")


def _text_stream(path: Path, encoding: str) -> tuple[IO[str], str, str]:
    """The decoded file, its encoding, and the first part of its text (to sniff)."""
    with path.open("rb") as probe:
        head = probe.read(65536)
    encoding = _encoding(path, head, encoding)
    try:
        text = head.decode(encoding)
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the probe's end
            raise InputFileError(
                f"{path.name}: not valid {encoding} text (byte 0x{head[exc.start]:02x} at "
                f"offset {exc.start}); save it as UTF-8, or pass --encoding (e.g. cp1252)"
            ) from None
        text = head[: exc.start].decode(encoding)
    except LookupError:
        raise InputFileError(f"unknown text encoding {encoding!r}") from None
    stream = io.TextIOWrapper(path.open("rb"), encoding=encoding, newline="", errors="strict")
    return stream, encoding, text.removeprefix("\ufeff")


def _delimiter(sample: str, mapping: Mapping) -> str:
    """The delimiter under which the most of the mapping's columns are found (ties: comma)."""
    scores = []
    for delimiter in _DELIMITERS:
        try:
            rows = list(csv.reader(io.StringIO(sample), delimiter=delimiter))[:_HEADER_SCAN_ROWS]
        except csv.Error:
            continue
        found = max((len(match_columns(r, mapping)) for r in rows), default=0)
        scores.append((found, -_DELIMITERS.index(delimiter), delimiter))
    return max(scores)[2] if scores else ","


def _count_lines(path: Path) -> int:
    """Lines in a file (a last line without its line break counts), for progress totals."""
    lines, last = 0, b"\n"
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            lines += block.count(b"\n")
            last = block[-1:]
    return lines + (last != b"\n")


def _open_csv(path: Path, mapping: Mapping, encoding: str) -> Register:
    stream, encoding, sample = _text_stream(path, encoding)
    reader = csv.reader(stream, delimiter=_delimiter(sample, mapping))
    try:
        first = [row for _, row in zip(range(_HEADER_SCAN_ROWS), reader, strict=False)]
    except (UnicodeDecodeError, csv.Error) as exc:
        stream.close()
        raise InputFileError(f"{path.name}: unreadable CSV ({exc})") from None
    if not any(any(c.strip() for c in r) for r in first):
        stream.close()
        raise InputFileError(f"{path.name}: the file is empty")
    try:
        header_at, columns = _pick_header([list(r) for r in first], mapping, path)
    except InputFileError:
        stream.close()
        raise
    register = Register(
        path=path,
        columns=columns,
        headers=list(first[header_at]),
        header_row=header_at + 1,
        rows=iter(()),
        # An upper bound: a cell may hold line breaks, and blank lines are skipped.
        total_rows=max(_count_lines(path) - header_at - 1, 0),
    )
    _prepare(register, first[header_at], mapping)
    tally, own = register.tally, register.own_columns

    def rows() -> Iterator[tuple[int, list[Cell]]]:
        number = len(first)
        try:
            for at, raw in enumerate(first, start=1):
                if at > header_at + 1:
                    row: list[Cell] = [c or None for c in raw]
                    tally.count(row)
                    yield at, _restored(row) if own else row
            for number, raw in enumerate(reader, start=len(first) + 1):
                row = [c or None for c in raw]
                tally.count(row)
                yield number, _restored(row) if own else row
        except UnicodeDecodeError as exc:
            raise InputFileError(
                f"{path.name}: not valid {encoding} text after row {number} ({exc.reason}); "
                "save it as UTF-8, or pass --encoding (e.g. cp1252)"
            ) from None
        except csv.Error as exc:
            raise InputFileError(f"{path.name}: malformed CSV near row {number}: {exc}") from None
        finally:
            stream.close()

    register.rows = rows()
    return register


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
