"""The PDF layout of a report (reportlab, BSD): cover, tables with totals, charts."""

from __future__ import annotations

import io
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import (
    Image,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)
from reportlab.platypus import (
    Table as PdfTable,
)

from nervecentre.reports import charts
from nervecentre.reports.report import Report
from nervecentre.reports.tables import Table

_STYLES = getSampleStyleSheet()
_CELL = ParagraphStyle("cell", parent=_STYLES["BodyText"], fontSize=7, leading=8.5)
_HEAD = ParagraphStyle("head", parent=_CELL, fontName="Helvetica-Bold")


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cover(report: Report) -> list[Any]:
    title = f"{report.kind.capitalize()} report"
    lines = [
        ("Period", report.scope.label),
        ("Unit", report.unit_name),
        ("Cases in scope", f"{report.cases:,} registered in the period"),
        ("Made by", report.made_by),
        ("Made at", f"{report.made_at:%d %b %Y %H:%M} UTC"),
        (
            "Version",
            (
                f"for sharing outside the centre: counts under {report.threshold} "
                "shown as <%d, complementary cells as x" % report.threshold
            )
            if report.shared
            else "internal (exact counts; do not release outside the centre)",
        ),
    ]
    out: list[Any] = [
        Spacer(1, 3 * cm),
        Paragraph(_esc(title), _STYLES["Title"]),
        Paragraph(_esc(f"{report.scope.label} — {report.unit_name}"), _STYLES["Heading2"]),
        Spacer(1, cm),
    ]
    table = PdfTable(
        [
            [Paragraph(f"<b>{k}</b>", _STYLES["BodyText"]), Paragraph(_esc(v), _STYLES["BodyText"])]
            for k, v in lines
        ],
        colWidths=[4 * cm, 16 * cm],
    )
    out += [
        table,
        Spacer(1, cm),
        Paragraph(
            "Figures count what happened in the period, as NCRB does: cases registered "
            "(FIR date), charge-sheeted, closed or decided, people arrested and rescued in "
            "it; pending cases at its end. No person is named in this report.",
            _STYLES["BodyText"],
        ),
        PageBreak(),
    ]
    return out


def _table(table: Table) -> list[Any]:
    header = [
        table.by_label,
        *(label for _, label in table.columns),
        *(label for _, label in table.rates),
    ]
    data: list[list[Any]] = [[Paragraph(_esc(h), _HEAD) for h in header]]
    labels = [*table.row_labels, *(["Total"] if table.total_row else [])]
    for r, label in enumerate(labels):
        cells = [
            Paragraph(
                _esc(label),
                _HEAD if label == "Total" and table.total_row and r == len(labels) - 1 else _CELL,
            )
        ]
        cells += [table.shown(r, c) for c in range(len(table.columns))]
        cells += [table.rate_shown(r, i) for i in range(len(table.rates))]
        data.append(cells)
    width = 27 * cm
    first = 7 * cm
    rest = (width - first) / max(1, len(header) - 1)
    pdf = PdfTable(data, colWidths=[first] + [rest] * (len(header) - 1), repeatRows=1)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef3")),
        ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
        ("FONTSIZE", (0, 0), (-1, -1), 7),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    if table.total_row:
        style.append(("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#f3f3f3")))
        style.append(("FONTNAME", (1, -1), (-1, -1), "Helvetica-Bold"))
    if table.total_col:
        style.append(
            ("FONTNAME", (len(table.columns), 1), (len(table.columns), -1), "Helvetica-Bold")
        )
    pdf.setStyle(TableStyle(style))
    title = f"{table.title} — by {table.by_label.lower()}"
    out: list[Any] = [Paragraph(_esc(title), _STYLES["Heading3"]), pdf]
    if table.suppression is not None and table.suppression.hidden:
        out.append(
            Paragraph(
                f"&lt;{table.suppression.threshold}: a count from 1 to "
                f"{table.suppression.threshold - 1}; x: hidden so that such counts cannot be "
                "worked out from the totals.",
                _CELL,
            )
        )
    if not table.total_row:
        out.append(
            Paragraph(
                "A case charged under several sections counts under each: "
                "the rows do not add up to the cases registered.",
                _CELL,
            )
        )
    out.append(Spacer(1, 0.6 * cm))
    return out


def pdf_bytes(report: Report) -> bytes:
    """The whole report as a PDF document."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        title=report.title,
        author="nervecentre",
        subject=f"{report.kind} report",
        leftMargin=1.3 * cm,
        rightMargin=1.3 * cm,
        topMargin=1.2 * cm,
        bottomMargin=1.2 * cm,
    )
    story = _cover(report)
    for table in report.tables:
        story += _table(table)
    if report.charts:
        story.append(PageBreak())
        for chart in report.charts:
            story.append(Paragraph(_esc(chart.title), _STYLES["Heading3"]))
            data, (w, h) = charts.png_sized(chart)
            story.append(Image(io.BytesIO(data), width=w * 0.9 * 72, height=h * 0.9 * 72))
            story.append(Paragraph(_esc(chart.desc), _CELL))
            story.append(Spacer(1, 0.4 * cm))
    if report.shared:
        text = (
            "The version for sharing draws its charts only from what its tables show; charts "
            "of rescues, routes and ageing are left out (they would show exact small counts)."
        )
        story.append(Paragraph(text, _CELL))

    def footer(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.drawString(1.3 * cm, 0.6 * cm, report.title)
        canvas.drawRightString(landscape(A4)[0] - 1.3 * cm, 0.6 * cm, f"page {document.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
