"""A report written out: PDF or XLSX bytes, or a file whose suffix names the format."""

from __future__ import annotations

from pathlib import Path

from nervecentre.errors import InvalidValue
from nervecentre.reports.pdf import pdf_bytes
from nervecentre.reports.report import FORMATS, Report
from nervecentre.reports.xlsx import xlsx_bytes


def write(report: Report, path: Path) -> str:
    """Write the report to ``path`` in the format its suffix names; returns the format."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise InvalidValue(
            f"cannot tell the format from {path.name!r}: name the file .pdf or .xlsx",
            kind="output",
            value=str(path),
        )
    data = render(report, suffix[1:])
    path.write_bytes(data)
    return suffix[1:]


def render(report: Report, fmt: str) -> bytes:
    """The report as PDF or XLSX bytes."""
    if fmt == "pdf":
        return pdf_bytes(report)
    if fmt == "xlsx":
        return xlsx_bytes(report)
    raise InvalidValue(f"unknown format {fmt!r}; pdf or xlsx", kind="format", value=fmt)
