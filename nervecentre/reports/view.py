"""What the web pages ask of the reports: one table with its drill-down, the charts, and
the cases behind one figure (audited as report.drilldown)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from nervecentre.cases.models import Case
from nervecentre.errors import InvalidValue
from nervecentre.reports import figures
from nervecentre.reports.charts import Chart
from nervecentre.reports.facts import Scope, load_facts
from nervecentre.reports.report import names, resolve_unit, scope_for
from nervecentre.reports.tables import Table, compute
from nervecentre.security import audit
from nervecentre.security.models import User
from nervecentre.security.roles import require
from nervecentre.store.db import Database

MAX_DRILL = 500


@dataclass
class Analysis:
    """A table (with the cases behind each figure) and the charts of one scope."""

    scope: Scope
    unit_name: str
    table: Table
    charts: list[Chart]


def analyse(
    db: Database,
    user: User,
    kind: str,
    period: str,
    *,
    unit: str | None = None,
    table: str = "crime",
    by: str = "district",
    charts: bool = True,
) -> Analysis:
    """One table over what ``user`` may see, cells keeping their cases, and the charts."""
    require(user, "report.view")
    code, unit_name = resolve_unit(db, unit)
    scope = scope_for(kind, period, code)
    labels = names(db)
    with db.session() as session:
        facts = load_facts(session, user, scope)
        drawn = figures.all_charts(session, user, scope, facts) if charts else []
    return Analysis(
        scope, unit_name, compute(facts, table, by, names=labels, keep_cases=True), drawn
    )


@dataclass(frozen=True)
class CaseLine:
    """A case behind a figure."""

    id: int
    key: str
    status: str


def drill(
    db: Database,
    user: User,
    analysis: Analysis,
    row: int,
    col: int,
    *,
    ip: str | None = None,
) -> list[CaseLine]:
    """The cases behind one cell of the table (all of them visible to ``user``)."""
    cases = analysis.table.cases or {}
    rows = len(analysis.table.grid)
    if not (0 <= row < rows and 0 <= col < len(analysis.table.columns)):
        raise InvalidValue("no such cell in the table", kind="cell")
    ids = cases.get((row, col), [])[:MAX_DRILL]
    with db.session() as session:
        found = session.execute(
            select(Case.id, Case.case_key, Case.status)
            .where(Case.id.in_(ids))
            .order_by(Case.fir_at)
        ).all()
    audit.record(
        db,
        user,
        "report.drilldown",
        "report",
        analysis.table.id,
        {
            "by": analysis.table.by,
            "period": analysis.scope.label,
            "row": row,
            "column": analysis.table.columns[col][0],
            "case_count": len(found),
        },
        ip=ip,
    )
    return [CaseLine(*r) for r in found]
