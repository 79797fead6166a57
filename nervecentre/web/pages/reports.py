"""Reports pages: the NCRB-style tables with drill-down, the charts, and report downloads."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from nervecentre.errors import InvalidValue
from nervecentre.reports import charts as chart_svg
from nervecentre.reports.definitions import definitions
from nervecentre.reports.render import render as render_file
from nervecentre.reports.report import build_report, record
from nervecentre.reports.view import analyse, drill
from nervecentre.security.roles import require
from nervecentre.web.auth import Caller, client_ip, database, page_caller
from nervecentre.web.templating import render

router = APIRouter()
Who = Annotated[Caller, Depends(page_caller)]
MEDIA = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _period(request: Request) -> tuple[str, str]:
    """(kind, period) from ?month=YYYY-MM or ?year=YYYY; this year by default."""
    month = request.query_params.get("month", "").strip()
    if month:
        return "monthly", month
    return "annual", request.query_params.get("year", "").strip() or str(date.today().year)


def _choices(request: Request) -> dict[str, str]:
    q = request.query_params
    return {
        "table": q.get("table", "crime"),
        "by": q.get("by", "district"),
        "unit": q.get("unit", "").strip(),
    }


@router.get("/reports")
async def reports_page(request: Request, who: Who) -> Response:
    """A table over the cases the user may see, each figure linking to its cases; charts."""
    require(who.user, "report.view")
    kind, period = _period(request)
    choice = _choices(request)
    analysis = await run_in_threadpool(
        analyse, database(request), who.user, kind, period,
        unit=choice["unit"] or None, table=choice["table"], by=choice["by"],
    )  # fmt: skip
    svgs = [(c, chart_svg.svg(c)) for c in analysis.charts]
    defs = definitions()
    return render(
        request,
        "reports.html",
        {"a": analysis, "kind": kind, "period": period, "choice": choice, "charts": svgs,
         "tables": defs.tables, "breakdowns": defs.breakdowns},
    )  # fmt: skip


@router.get("/reports/cases")
async def drill_page(request: Request, who: Who) -> Response:
    """The cases behind one figure of a table (only cases the user may see; audited)."""
    require(who.user, "report.view")
    kind, period = _period(request)
    choice = _choices(request)
    try:
        row, col = int(request.query_params["row"]), int(request.query_params["col"])
    except (KeyError, ValueError):
        raise InvalidValue("say which figure: row and col", kind="cell") from None
    db = database(request)
    analysis = await run_in_threadpool(
        analyse, db, who.user, kind, period, unit=choice["unit"] or None,
        table=choice["table"], by=choice["by"], charts=False,
    )  # fmt: skip
    lines = await run_in_threadpool(drill, db, who.user, analysis, row, col, ip=client_ip(request))
    table = analysis.table
    labels = [*table.row_labels, "Total"]
    return render(
        request,
        "report_cases.html",
        {"a": analysis, "lines": lines, "row_label": labels[row],
         "col_label": table.columns[col][1], "value": table.grid[row][col]},
    )  # fmt: skip


@router.get("/reports/download")
async def download(request: Request, who: Who) -> Response:
    """The monthly or annual report as PDF or XLSX (export.run; the shared one report.share)."""
    require(who.user, "report.view")
    require(who.user, "export.run")
    kind, period = _period(request)
    fmt = request.query_params.get("format", "pdf")
    if fmt not in MEDIA:
        raise InvalidValue("format must be pdf or xlsx", kind="format", value=fmt)
    shared = request.query_params.get("share") in ("1", "on", "true")
    unit = request.query_params.get("unit", "").strip() or None
    db = database(request)
    report = await run_in_threadpool(
        build_report, db, who.user, kind, period, unit=unit, shared=shared
    )
    data = await run_in_threadpool(render_file, report, fmt)
    await run_in_threadpool(record, db, report, fmt, who.user, ip=client_ip(request))
    name = f"{kind}-{period}{'-' + report.scope.unit if report.scope.unit else ''}"
    name += "-shared" if shared else ""
    return Response(
        data,
        media_type=MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )
