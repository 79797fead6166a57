"""The XLSX layout of a report (openpyxl): a cover sheet, one sheet per table, charts."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.drawing.image import Image
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from nervecentre.reports import charts
from nervecentre.reports.report import Report
from nervecentre.reports.tables import Table

_BOLD = Font(bold=True)
_HEAD = PatternFill("solid", fgColor="E8EEF3")


def _sheet_name(index: int, table: Table) -> str:
    return f"{index:02d} {table.id} by {table.by}"[:31]


def _cell_value(table: Table, r: int, c: int) -> int | str:
    """Numbers stay numbers (so they add up in a spreadsheet); hidden cells are text."""
    shown = table.shown(r, c)
    return (
        table.grid[r][c]
        if table.suppression is None or (r, c) not in table.suppression.hidden
        else shown
    )


def xlsx_bytes(report: Report) -> bytes:
    """The whole report as an XLSX workbook."""
    book = Workbook()
    cover = book.active
    assert cover is not None
    cover.title = "Cover"
    cover["A1"] = f"{report.kind.capitalize()} report"
    cover["A1"].font = Font(bold=True, size=16)
    rows = [
        ("Period", report.scope.label),
        ("Unit", report.unit_name),
        ("Cases in scope", report.cases),
        ("Made by", report.made_by),
        ("Made at (UTC)", f"{report.made_at:%Y-%m-%d %H:%M}"),
        (
            "Version",
            f"for sharing: counts under {report.threshold} hidden"
            if report.shared
            else "internal: exact counts, not for release",
        ),
        (
            "Note",
            "Figures count what happened in the period, as NCRB does: cases registered "
            "(FIR date), charge-sheeted, closed or decided, people arrested and rescued in "
            "it; pending cases at its end. No person is named.",
        ),
    ]
    for i, (key, value) in enumerate(rows, start=3):
        cover.cell(i, 1, key).font = _BOLD
        cover.cell(i, 2, value)
    cover.column_dimensions["A"].width = 18
    cover.column_dimensions["B"].width = 90
    for index, table in enumerate(report.tables, start=1):
        sheet = book.create_sheet(_sheet_name(index, table))
        sheet["A1"] = f"{table.title} — by {table.by_label.lower()}"
        sheet["A1"].font = Font(bold=True, size=12)
        header = [
            table.by_label,
            *(label for _, label in table.columns),
            *(label for _, label in table.rates),
        ]
        for c, text in enumerate(header, start=1):
            cell = sheet.cell(3, c, text)
            cell.font, cell.fill = _BOLD, _HEAD
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        labels = [*table.row_labels, *(["Total"] if table.total_row else [])]
        for r, label in enumerate(labels):
            sheet.cell(4 + r, 1, label)
            for c in range(len(table.columns)):
                sheet.cell(4 + r, 2 + c, _cell_value(table, r, c))
            for i in range(len(table.rates)):
                value = table.rate_values[r][i]
                sheet.cell(
                    4 + r, 2 + len(table.columns) + i, round(value, 1) if value is not None else "—"
                )
            if table.total_row and r == len(labels) - 1:
                for c in range(1, len(header) + 1):
                    sheet.cell(4 + r, c).font = _BOLD
        if table.suppression is not None and table.suppression.hidden:
            sheet.cell(
                5 + len(labels),
                1,
                f"<{table.suppression.threshold}: a count from 1 to "
                f"{table.suppression.threshold - 1}; x: hidden so that such counts "
                "cannot be worked out from the totals.",
            )
        sheet.column_dimensions["A"].width = 48
        for c in range(2, len(header) + 1):
            sheet.column_dimensions[get_column_letter(c)].width = 16
        sheet.freeze_panes = "B4"
    if report.charts:
        sheet = book.create_sheet("Charts")
        row = 1
        for chart in report.charts:
            sheet.cell(row, 1, chart.title).font = _BOLD
            sheet.cell(row + 1, 1, chart.desc)
            image = Image(io.BytesIO(charts.png(chart, dpi=90)))
            sheet.add_image(image, f"A{row + 2}")
            row += 2 + int(image.height / 20) + 2
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
