"""Finds the formula cells of an XLSX sheet, and those saved without a computed value.

Spreadsheets are read by the values their formulas last computed (calamine reads those
only). A workbook written by a program rather than Excel or LibreOffice (openpyxl, for one)
may hold formulas that were never computed: such a cell reads as empty, although it is not.
The sheet's XML is scanned, streaming, so that the import can refuse those cells by name.
"""

from __future__ import annotations

import html
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

_SHEET = re.compile(rb"<(?:\w+:)?sheet\b[^>]*>")
_RELATION = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")
_ATTRIBUTE = re.compile(rb'([\w:]+)\s*=\s*"([^"]*)"')
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_CELL_START = re.compile(rb"<(?:\w+:)?c\s[^>]*>")
_CELL_END = re.compile(rb"</(?:\w+:)?c>")
_REFERENCE = re.compile(rb"^([A-Z]{1,3})([0-9]+)$")
_FORMULA_TEXT = re.compile(rb"<(?:\w+:)?f\b[^>]*>(.*?)</(?:\w+:)?f>", re.DOTALL)
_VALUE = re.compile(rb"<(?:\w+:)?v\b[^>/]*>(.*?)</(?:\w+:)?v>", re.DOTALL)
# Cell types whose cached value is text: an empty one is a computed empty string.
_TEXT_TYPES = (b"str", b"inlineStr", b"s")
_SHOWN = 5
_BLOCK = 1 << 20


@dataclass
class Formulas:
    """The formula cells of one sheet."""

    #: Formula cells that hold a computed value.
    computed: int = 0
    #: A few of those, by reference (A1 style), for the report.
    examples: list[str] = field(default_factory=list)
    #: Formula cells without a computed value: 1-based row → [(0-based column, formula)].
    uncomputed: dict[int, list[tuple[int, str]]] = field(default_factory=dict)


def _attributes(tag: bytes) -> dict[bytes, bytes]:
    return {name.split(b":")[-1]: value for name, value in _ATTRIBUTE.findall(tag)}


def _column(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - ord("A") + 1
    return number - 1


def _sheet_part(archive: zipfile.ZipFile, sheet: str | None) -> str | None:
    """The archive path of the named sheet (the first sheet when ``sheet`` is None)."""
    try:
        workbook = archive.read("xl/workbook.xml")
        relations = archive.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return None
    targets = {}
    for tag in _RELATION.findall(relations):
        attrs = _attributes(tag)
        targets[attrs.get(b"Id", b"")] = attrs.get(b"Target", b"").decode("utf-8", "replace")
    for tag in _SHEET.findall(workbook):
        attrs = _attributes(tag)
        name = html.unescape(attrs.get(b"name", b"").decode("utf-8", "replace"))
        if sheet is None or name == sheet:
            target = targets.get(attrs.get(b"id", b""))
            if not target:
                return None
            return target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
    return None


def _cell_start(text: bytes, before: int) -> int:
    """Where the ``<c …>`` tag enclosing position ``before`` starts (-1 if none)."""
    plain = text.rfind(b"<c ", 0, before)
    prefixed = text.rfind(b":c ", 0, before)  # <x:c …> in a namespaced sheet
    if prefixed > plain:
        opening = text.rfind(b"<", 0, prefixed)
        if opening >= 0 and text[opening + 1 : prefixed].isalnum():
            return opening
    return plain


def _cells(archive: zipfile.ZipFile, part: str) -> list[bytes]:
    """Every ``<c>…</c>`` element that holds a formula (the sheet read in blocks)."""
    found: list[bytes] = []
    carry = b""
    with archive.open(part) as handle:
        while True:
            block = handle.read(_BLOCK)
            text = carry + block
            if block:
                # Only whole cells are searched; the rest waits for the next block.
                ends = list(_CELL_END.finditer(text))
                cut = ends[-1].end() if ends else 0
                text, carry = text[:cut], text[cut:]
            for match in _FORMULA.finditer(text):
                start = _cell_start(text, match.start())
                end = _CELL_END.search(text, match.end())
                if start >= 0 and end:
                    found.append(text[start : end.end()])
            if not block:
                return found


def scan_formulas(path: Path, sheet: str | None) -> Formulas:
    """The formula cells of an XLSX sheet (nothing, for a file that is not one)."""
    result = Formulas()
    try:
        with zipfile.ZipFile(path) as archive:
            part = _sheet_part(archive, sheet)
            if part is None or part not in archive.namelist():
                return result
            cells = _cells(archive, part)
    except (zipfile.BadZipFile, OSError, KeyError):
        return result
    for cell in cells:
        attrs = _attributes(_CELL_START.match(cell).group(0))  # type: ignore[union-attr]
        reference = _REFERENCE.match(attrs.get(b"r", b""))
        if reference is None:
            continue
        value = _VALUE.search(cell)
        if (value and value.group(1).strip()) or (value and attrs.get(b"t") in _TEXT_TYPES):
            result.computed += 1
            if len(result.examples) < _SHOWN:
                result.examples.append(reference.group(0).decode())
            continue
        formula = _FORMULA_TEXT.search(cell)
        text = "=" + html.unescape(formula.group(1).decode("utf-8", "replace")) if formula else ""
        row, column = int(reference.group(2)), _column(reference.group(1))
        result.uncomputed.setdefault(row, []).append((column, text or "(a formula)"))
    return result
