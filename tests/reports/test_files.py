"""PDF and XLSX reports open, hold the figures, hide small cells when shared, name nobody;
and the CLI's contract."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from typer.testing import CliRunner

from nervecentre.cli.main import app
from nervecentre.reports.render import render, write
from nervecentre.reports.report import build_report
from tests.reports.conftest import Hand


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_pdf_has_cover_tables_totals_and_charts(hand: Hand) -> None:
    report = build_report(hand.db, hand.admin, "annual", 2023)
    text = _pdf_text(render(report, "pdf"))
    assert "Annual report" in text and "2023" in text and "All units" in text
    assert "Cases registered, persons arrested" in text and "Total" in text
    assert "Trafficking routes" in text or "Top sections" in text  # charts' headings
    assert "66.7" in text  # the charge-sheeting rate of 2023
    assert "Accused Person" not in text  # nobody named


def test_xlsx_holds_the_same_figures(hand: Hand) -> None:
    report = build_report(hand.db, hand.admin, "annual", 2023, charts=False)
    book = load_workbook(io.BytesIO(render(report, "xlsx")))
    assert book.sheetnames[0] == "Cover"
    sheet = book[book.sheetnames[1]]  # crime by district
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]
    by_label = {r[0]: r[1:] for r in rows if r[0]}
    assert by_label["Thane Rural"][0] == 2 and by_label["Palghar"][0] == 1
    assert by_label["Total"][:5] == [3, 3, 3, 2, 0]
    values = [str(c.value) for s in book for row in s.iter_rows() for c in row if c.value]
    assert not any("Accused Person" in v for v in values)


def test_shared_versions_show_no_small_count(hand: Hand) -> None:
    report = build_report(hand.db, hand.sup, "annual", 2025, shared=True)
    # Charts only from what the tables show: rescues, routes and ageing are left out.
    assert [c.id for c in report.charts] == ["monthly", "sections"]
    month = next(t for t in report.tables if t.id == "crime" and t.by == "month")
    assert month.suppression is not None
    for r, (key, value) in enumerate(report.charts[0].rows):
        assert value == (0 if (r, 0) in month.suppression.hidden else month.grid[r][0]), key
        assert value == 0 or value >= 11
    text = _pdf_text(render(report, "pdf"))
    assert "<11" in text
    book = load_workbook(io.BytesIO(render(report, "xlsx")))
    for sheet in book.sheetnames[1:]:
        for row in book[sheet].iter_rows(min_row=4):
            for cell in row[1:]:
                if isinstance(cell.value, int):
                    assert cell.value == 0 or cell.value >= 11, (sheet, cell.coordinate)


def test_the_suffix_names_the_format(hand: Hand, tmp_path: Path) -> None:
    report = build_report(hand.db, hand.admin, "monthly", "2023-03", charts=False)
    with pytest.raises(Exception, match=r"\.pdf or \.xlsx"):
        write(report, tmp_path / "report.docx")
    assert not (tmp_path / "report.docx").exists()
    assert write(report, tmp_path / "REPORT.XLSX") == "xlsx"


def _url(hand: Hand) -> str:
    return str(hand.db.engine.url.render_as_string(hide_password=False))


def test_cli_annual_and_monthly(hand: Hand, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "a.pdf"
    result = runner.invoke(
        app, ["report", "annual", "--year", "2023", "-o", str(out), "-d", _url(hand)]
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF") and "3 cases" in result.output
    out = tmp_path / "m.xlsx"
    args = ["report", "monthly", "--month", "2025-03", "--unit", "MH-THR-AHTU", "--share",
            "--as", "sup", "-o", str(out), "-d", _url(hand)]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert load_workbook(out)["Cover"]["B4"].value == "Thane Rural AHTU"


def test_cli_errors_are_clear(hand: Hand, tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["-d", _url(hand)]
    bad = runner.invoke(
        app, ["report", "annual", "--year", "2023", "-o", str(tmp_path / "x.txt"), *base]
    )
    assert bad.exit_code != 0 and ".pdf or .xlsx" in bad.output
    month = runner.invoke(
        app, ["report", "monthly", "--month", "11-2026", "-o", str(tmp_path / "x.pdf"), *base]
    )
    assert month.exit_code != 0 and "YYYY-MM" in month.output
    denied = runner.invoke(app, ["report", "annual", "--year", "2023", "--share", "--as", "inv-s",
                                 "-o", str(tmp_path / "x.pdf"), *base])  # fmt: skip
    assert denied.exit_code != 0 and re.search("report.share|permission", denied.output)
    assert not (tmp_path / "x.pdf").exists()


def test_hostile_place_names_are_drawn_as_text() -> None:
    from nervecentre.reports import charts

    chart = charts.Chart(
        "routes", "Routes <b>", "desc & </desc><script>x</script>", "flows",
        ["Source", "Destination", "Cases"],
        [["$\\frac{1}{0}$ <script>", "Pune, MH", 3], ["--><script>alert(1)</script>", "b", 1]],
    )  # fmt: skip
    svg = charts.svg(chart)
    assert "<script>" not in svg and "&lt;/desc&gt;&lt;script&gt;" in svg
    assert charts.png(chart).startswith(b"\x89PNG")
