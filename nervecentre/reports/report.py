"""Monthly and annual reports: the tables and charts of a period, for a unit or all.

``build_report`` computes; ``pdf.write_pdf`` and ``xlsx.write_xlsx`` only lay it out, so
the web, the CLI and every format show the same figures. Reports never name a person:
tables count, and drill-down lists cases, not people.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select

from nervecentre import places
from nervecentre.cases.models import District, Unit
from nervecentre.errors import InvalidValue, NotFound
from nervecentre.reports import figures
from nervecentre.reports.charts import Chart
from nervecentre.reports.facts import Scope, load_facts, month_scope, year_scope
from nervecentre.reports.joint import share_all
from nervecentre.reports.suppress import DEFAULT_THRESHOLD
from nervecentre.reports.tables import Names, Table, compute
from nervecentre.security import audit
from nervecentre.security.models import User
from nervecentre.security.roles import require
from nervecentre.store.db import Database

#: (table id, breakdown) of each report, in order.
ANNUAL = (("crime", "district"), ("crime", "police_station"), ("crime", "month"),
          ("crime", "code"), ("disposal", "district"), ("disposal", "police_station"),
          ("victims", "district"), ("rescued", "district"), ("purpose", None),
          ("sections", None))  # fmt: skip
MONTHLY = (("crime", "police_station"), ("disposal", "police_station"),
           ("victims", "police_station"), ("rescued", "police_station"), ("purpose", None),
           ("sections", None))  # fmt: skip
FORMATS = (".pdf", ".xlsx")


@dataclass
class Report:
    """A computed report: its cover facts, tables and charts."""

    kind: str  # annual or monthly
    scope: Scope
    unit_name: str
    made_by: str
    made_at: datetime
    shared: bool
    threshold: int
    cases: int
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)

    @property
    def title(self) -> str:
        """'Annual report 2025 — Thane Rural AHTU'."""
        return f"{self.kind.capitalize()} report {self.scope.label} — {self.unit_name}"


def names(db: Database) -> Names:
    """District and unit names by code, for row labels."""
    with db.session() as session:
        return {
            "district": {k: v for k, v in session.execute(select(District.code, District.name))},
            "unit": {k: v for k, v in session.execute(select(Unit.code, Unit.name))},
        }


def resolve_unit(db: Database, unit: str | None) -> tuple[str | None, str]:
    """(code, name) of a unit given by code or name; (None, 'all units') for none."""
    if not unit:
        return None, "All units"
    with db.session() as session:
        found = session.get(Unit, unit.strip().upper())
        if found is not None:
            return found.code, found.name
    try:
        ref = places.unit(unit)
    except (InvalidValue, NotFound) as exc:
        raise InvalidValue(str(exc), kind="unit", value=unit) from None
    return ref.code, ref.name


def scope_for(kind: str, period: str | int, unit: str | None) -> Scope:
    """The scope of an annual (period = year) or monthly (period = YYYY-MM) report."""
    if kind == "annual":
        try:
            year = int(period)
        except ValueError:
            raise InvalidValue(f"year {period!r} is not a number", kind="year") from None
        return year_scope(year, unit)
    if kind == "monthly":
        return month_scope(str(period), unit)
    raise InvalidValue(f"unknown report {kind!r}; annual or monthly", kind="report")


def build_report(
    db: Database,
    user: User | None,
    kind: str,
    period: str | int,
    *,
    unit: str | None = None,
    shared: bool = False,
    threshold: int = DEFAULT_THRESHOLD,
    actor: str | None = None,
    charts: bool = True,
) -> Report:
    """Compute a report over what ``user`` may see (everything for None, the installation).

    ``shared``: the version that leaves the centre (needs report.share): small cells and
    their complements hidden, charts drawn only from what the tables show.
    """
    if user is not None:
        require(user, "report.view")
        if shared:
            require(user, "report.share")
    if threshold < 2:
        raise InvalidValue("the suppression threshold must be at least 2", kind="threshold")
    code, unit_name = resolve_unit(db, unit)
    scope = scope_for(kind, period, code)
    labels = names(db)
    with db.session() as session:
        facts = load_facts(session, user, scope)
        drawn = figures.all_charts(session, user, scope, facts) if charts and not shared else []
    plan = ANNUAL if kind == "annual" else MONTHLY
    tables = [compute(facts, table, by, names=labels) for table, by in plan]
    if shared:
        stations = {"police_station": {f.station: f.district for f in facts}}
        tables = share_all(tables, threshold, stations)
        drawn = shared_charts(tables, scope) if charts else []
    report = Report(
        kind,
        scope,
        unit_name,
        actor or (user.username if user else "installation"),
        datetime.now(UTC),
        shared,
        threshold,
        sum(1 for f in facts if "registered" in f.when),
        tables,
        drawn,
    )
    return report


def _visible(table: Table, r: int, c: int) -> int:
    """A cell's count if the shared table shows it, else 0 (drawn empty)."""
    hidden = table.suppression.hidden if table.suppression else frozenset()
    return 0 if (r, c) in hidden else table.grid[r][c]


def shared_charts(tables: list[Table], scope: Scope) -> list[Chart]:
    """Charts for the shared version, drawn only from what its suppressed tables show.

    A chart of its own data (rescues by date, routes, ageing) would show exact small
    counts, so only the monthly cases and the top sections are drawn, from the cells the
    tables show; a hidden cell is drawn empty, and the description says how many.
    """
    out: list[Chart] = []
    month = next((t for t in tables if t.id == "crime" and t.by == "month"), None)
    if month is not None:
        rows: list[list[str | int]] = [
            [key, _visible(month, r, 0)] for r, key in enumerate(month.row_keys)
        ]
        hidden = sum(
            1 for r in range(len(month.row_keys)) if month.grid[r][0] and not _visible(month, r, 0)
        )
        threshold = month.suppression.threshold if month.suppression else DEFAULT_THRESHOLD
        desc = (
            f"Cases registered (FIR date) per month of {scope.label}. Bars whose count the "
            f"table hides (<{threshold} or x) are drawn empty: {hidden}."
        )
        out.append(
            Chart("monthly", "Cases registered per month", desc, "bars",
                  ["Month", "Cases registered"], rows)
        )  # fmt: skip
    sections = next((t for t in tables if t.id == "sections"), None)
    if sections is not None:
        last = len(sections.columns) - 1
        shown = [
            (sections.row_labels[r], _visible(sections, r, last))
            for r in range(len(sections.row_keys))
        ]
        ranked = sorted((x for x in shown if x[1]), key=lambda x: (-x[1], x[0]))[:10]
        desc = (
            "Cases charged under each section, IPC and its BNS equivalent together; sections "
            "whose count the table hides are left out."
        )
        out.append(
            Chart("sections", "Top sections", desc, "hbar", ["Section", "Cases"],
                  [[a, b] for a, b in ranked])
        )  # fmt: skip
    return out


def record(
    db: Database, report: Report, fmt: str, actor: str | User, *, ip: str | None = None
) -> None:
    """Audit the making of a report file (report.generate)."""
    audit.record(
        db,
        actor,
        "report.generate",
        "report",
        f"{report.kind}:{report.scope.label}",
        {
            "kind": report.kind,
            "period": report.scope.label,
            "unit": report.scope.unit or "",
            "format": fmt,
            "shared": report.shared,
            "threshold": report.threshold,
            "case_count": report.cases,
        },
        ip=ip,
    )
