"""Reports: a computed NCRB-style table, and the cases behind one of its figures."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from nervecentre.api._common import ERRORS, Who
from nervecentre.reports.view import Analysis, analyse, drill
from nervecentre.web.auth import client_ip, database

router = APIRouter(tags=["reports"], responses=ERRORS)

Year = Annotated[int | None, Query(ge=1900, le=9998, description="The year (YYYY)")]
Month = Annotated[str | None, Query(max_length=7, description="Or a month (YYYY-MM)")]
Unit = Annotated[str | None, Query(max_length=160, description="Owning unit: code or name")]
TableId = Annotated[str, Query(max_length=40, description="crime, disposal, victims, …")]
By = Annotated[str, Query(max_length=40, description="year, month, district, unit, …")]


class Column(BaseModel):
    """A column of counts."""

    id: str
    label: str


class Row(BaseModel):
    """A row: its key (code), its label, its counts and its rates (null when undefined)."""

    key: str
    label: str
    values: list[int]
    rates: list[float | None]


class TableOut(BaseModel):
    """A table over the cases the caller may see, registered in the period."""

    id: str
    title: str
    by: str
    period: str
    unit: str
    columns: list[Column]
    rates: list[Column]
    total_column: bool
    rows: list[Row]
    total: Row | None


class CaseRef(BaseModel):
    """A case behind a figure."""

    id: int
    case_key: str
    status: str


class CasesOut(BaseModel):
    """The cases behind one figure (at most 500)."""

    value: int
    cases: list[CaseRef]


def _analysis(request: Request, who: Who, year: int | None, month: str | None, unit: str | None,
              table: str, by: str) -> Analysis:  # fmt: skip
    kind, period = ("monthly", month) if month else ("annual", str(year or ""))
    return analyse(database(request), who.user, kind, period, unit=unit, table=table, by=by,
                   charts=False)  # fmt: skip


@router.get("/reports/table", response_model=TableOut)
def report_table(
    request: Request, who: Who, year: Year = None, month: Month = None, unit: Unit = None,
    table: TableId = "crime", by: By = "district",
) -> Any:  # fmt: skip
    """One table (crime, disposal, victims, rescued, purpose, sections) for a year or month."""
    a = _analysis(request, who, year, month, unit, table, by)
    t = a.table

    def row(i: int, key: str, label: str) -> Row:
        return Row(key=key, label=label, values=t.grid[i], rates=t.rate_values[i])

    rows = [row(i, k, lab) for i, (k, lab) in enumerate(zip(t.row_keys, t.row_labels, strict=True))]
    return TableOut(
        id=t.id, title=t.title, by=t.by, period=a.scope.label, unit=a.unit_name,
        columns=[Column(id=c, label=lab) for c, lab in t.columns],
        rates=[Column(id=c, label=lab) for c, lab in t.rates], total_column=t.total_col,
        rows=rows, total=row(len(t.row_keys), "Total", "Total") if t.total_row else None,
    )  # fmt: skip


@router.get("/reports/cases", response_model=CasesOut)
def report_cases(
    request: Request, who: Who, row: Annotated[int, Query(ge=0, le=100_000)],
    col: Annotated[int, Query(ge=0, le=100)], year: Year = None, month: Month = None,
    unit: Unit = None, table: TableId = "crime", by: By = "district",
) -> Any:  # fmt: skip
    """The visible cases behind the figure at (row, col) of a table (audited)."""
    a = _analysis(request, who, year, month, unit, table, by)
    lines = drill(database(request), who.user, a, row, col, ip=client_ip(request))
    return CasesOut(
        value=a.table.grid[row][col],
        cases=[CaseRef(id=x.id, case_key=x.key, status=x.status) for x in lines],
    )
