"""Builds small registers in the demo layout for import tests."""

from __future__ import annotations

import csv
import re
import zipfile
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from openpyxl import Workbook

HEADERS = [
    "Sr No", "District", "Police Station", "Unit", "FIR No", "Year", "FIR Date", "FIR Time",
    "Info Received", "Info Mode", "Occurrence From", "Occurrence To", "Place of Occurrence",
    "Sections", "Crime Head", "Status", "IO", "Brief Facts", "Accused", "Victims",
    "Complainant", "Witnesses", "Arrests", "Rescue", "Route", "Identifiers", "Related FIRs",
    "Next Hearing", "Verdict Date",
]  # fmt: skip


def row(n: int = 1, **overrides: Any) -> dict[str, Any]:
    """A valid register row for FIR number ``n``; override any column by its header."""
    base: dict[str, Any] = {
        "Sr No": n,
        "District": "Thane Rural",
        "Police Station": "Shahapur",
        "Unit": "",
        "FIR No": f"{n}/2023",
        "Year": 2023,
        "FIR Date": "14/03/2023",
        "FIR Time": "22:15",
        "Info Received": "14/03/2023 21:40",
        "Info Mode": "Written",
        "Occurrence From": "10/03/2023 18:00",
        "Occurrence To": "14/03/2023 20:00",
        "Place of Occurrence": "Lodge near bus stand",
        "Sections": "IPC 370, 370A; ITPA 3, 4, 5",
        "Crime Head": "",
        "Status": "UI",
        "IO": "PSI R. K. Patil",
        "Brief Facts": "Victims were brought from West Bengal with a promise of work.",
        "Accused": f"Mohd. Salim Shaikh @ Salu (M/34) [recruiter] - +91 98765 43{n % 1000:03d}, "
        f"salim{n}@ybl; Ravi Jadhav (M/41) - 0987654{n % 10000:04d}",
        "Victims": "Rina Das (F/16) - 9123456780; Mou Roy (F/19)",
        "Complainant": "PSI Anita More (F)",
        "Witnesses": "",
        "Arrests": "Mohd. Salim Shaikh 15/03/2023 02:30; Ravi Jadhav 16/03/2023 11:00",
        "Rescue": "15/03/2023 01:45 at Hotel Sai Palace, Shahapur",
        "Route": "Kolkata, WB > Pune, MH > Shahapur, MH",
        "Identifiers": "https://classifieds.example.in/ad/42",
        "Related FIRs": "",
        "Next Hearing": "",
        "Verdict Date": "",
    }
    for key, value in overrides.items():
        assert key in base, key
        base[key] = value
    return base


def write_csv(
    path: Path,
    rows: list[dict[str, Any]],
    encoding: str = "utf-8",
    headers: list[str] | None = None,
    delimiter: str = ",",
) -> Path:
    """Write rows as a CSV register."""
    headers = headers or HEADERS
    with path.open("w", encoding=encoding, newline="") as handle:
        out = csv.writer(handle, delimiter=delimiter)
        out.writerow(headers)
        for r in rows:
            out.writerow([r.get(h, "") for h in headers])
    return path


def write_xlsx(
    path: Path,
    rows: list[dict[str, Any]],
    merge: str | None = None,
    headers: list[str] | None = None,
) -> Path:
    """Write rows as an XLSX register (optionally merging a cell range)."""
    headers = headers or HEADERS
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(headers)
    for r in rows:
        ws.append([r.get(h, "") for h in headers])
    if merge:
        ws.merge_cells(merge)
    wb.save(path)
    return path


def cache_formula_values(path: Path, values: dict[str, str]) -> Path:
    """Give formula cells of an XLSX written by openpyxl (which computes nothing) a cached
    value, as Excel or LibreOffice would on saving: cell reference → text value."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    for ref, value in values.items():
        found = re.search(rf'<c r="{ref}"[^>]*>(<f>.*?</f>)(?:<v\s*/>|<v></v>)', sheet)
        assert found, ref
        sheet = sheet.replace(
            found.group(0), f'<c r="{ref}" t="str">{found.group(1)}<v>{escape(value)}</v>'
        )
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path
