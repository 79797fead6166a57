"""The data of the dashboard charts, over the same scope and need-to-know as the tables."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from nervecentre.cases.models import Case, Event, EventParticipant, RouteStop
from nervecentre.reports.charts import Chart
from nervecentre.reports.facts import CaseFact, Scope, scope_conditions, section_label
from nervecentre.security.models import User

AGE_BUCKETS = ((91, "< 3 months"), (183, "3–6 months"), (365, "6–12 months"),
               (730, "1–2 years"), (1095, "2–3 years"), (10**6, "3 years +"))  # fmt: skip
TOP = 10


def _months(scope: Scope) -> list[str]:
    out: list[str] = []
    y, m = scope.start.year, scope.start.month
    while datetime(y, m, 1) < scope.end and len(out) < 240:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def monthly(session: Session, user: User | None, scope: Scope, facts: Sequence[CaseFact]) -> Chart:
    """Cases registered and people rescued per month (rescues by the rescue's own date)."""
    where = scope_conditions(session, user, scope)
    cases = Counter(f"{f.fir_at:%Y-%m}" for f in facts if "registered" in f.when)
    seen = [w for w in where[:1]] + ([Case.unit_code == scope.unit] if scope.unit else [])
    query = (
        select(Event.occurred_at, func.count(distinct(EventParticipant.person_id)))
        .join(Case, Case.id == Event.case_id)
        .join(EventParticipant, EventParticipant.event_id == Event.id)
        .where(
            *seen,
            Event.kind == "rescue",
            Event.occurred_at >= scope.start,
            Event.occurred_at < scope.end,
        )
        .group_by(Event.id, Event.occurred_at)
    )
    rescued: Counter[str] = Counter()
    for at, n in session.execute(query):
        rescued[f"{at:%Y-%m}"] += n
    rows: list[list[str | int]] = [[m, cases[m], rescued[m]] for m in _months(scope)]
    return Chart(
        "monthly",
        "Cases registered and people rescued per month",
        f"Bars per month of {scope.label}: cases registered (FIR date) and people "
        f"rescued (rescue date); {sum(cases.values()):,} cases, "
        f"{sum(rescued.values()):,} rescued in all.",
        "bars",
        ["Month", "Cases registered", "People rescued"],
        rows,
    )


def _place(place: str, state: str) -> str:
    return f"{place}, {state}" if state and place else place or state or "?"


def routes(session: Session, user: User | None, scope: Scope) -> Chart:
    """Source → destination flows of the cases in scope (first source, last destination)."""
    where = [*scope_conditions(session, user, scope), Case.fir_at >= scope.start]
    query = (
        select(RouteStop.case_id, RouteStop.seq, RouteStop.stage, RouteStop.place, RouteStop.state)
        .where(
            RouteStop.case_id.in_(select(Case.id).where(*where)),
            RouteStop.stage.in_(("source", "destination")),
        )
        .order_by(RouteStop.case_id, RouteStop.seq)
    )
    ends: dict[int, dict[str, str]] = {}
    for case_id, _seq, stage, place, state in session.execute(query):
        found = ends.setdefault(case_id, {})
        if stage == "source":
            found.setdefault("source", _place(place, state))
        else:
            found["destination"] = _place(place, state)
    pairs = Counter((e["source"], e["destination"]) for e in ends.values() if len(e) == 2)
    ranked = sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP]  # ties by name
    rows: list[list[str | int]] = [[s, d, n] for (s, d), n in ranked]
    rest = sum(pairs.values()) - sum(int(r[2]) for r in rows)
    desc = (
        f"Flows from source to destination of the {sum(pairs.values()):,} cases with both "
        f"on their route; the {len(rows)} largest shown"
        + (f", {rest:,} cases in smaller flows." if rest else ".")
    )
    return Chart(
        "routes",
        "Trafficking routes: source → destination",
        desc,
        "flows",
        ["Source", "Destination", "Cases"],
        rows,
    )


def ageing(facts: Sequence[CaseFact], scope: Scope, now: datetime | None = None) -> Chart:
    """Pending cases by how long since their FIR, at the end of the period (or now)."""
    as_of = min(scope.end, now or datetime.now())
    counts: dict[str, Counter[str]] = {label: Counter() for _, label in AGE_BUCKETS}
    for fact in facts:
        if "pending_investigation" in fact.when:
            stage = "investigation"
        elif "pending_trial" in fact.when:
            stage = "trial"
        else:
            continue
        days = (as_of - fact.fir_at).days
        label = next(lab for limit, lab in AGE_BUCKETS if days < limit)
        counts[label][stage] += 1
    rows: list[list[str | int]] = [
        [label, c["investigation"], c["trial"]] for label, c in counts.items()
    ]
    if not any(r[1] or r[2] for r in rows):
        rows = []
    return Chart(
        "ageing",
        "Pendency ageing",
        f"Cases pending at the end of {scope.label}, by "
        f"time since the FIR on {as_of:%d %b %Y}: pending investigation and pending "
        "trial, stacked.",
        "stacked",
        ["Age", "Pending investigation", "Pending trial"],
        rows,
    )


def top_sections(facts: Sequence[CaseFact]) -> Chart:
    """The sections most cases are charged under (IPC and BNS equivalents together)."""
    counts: Counter[str] = Counter(s for f in facts if "registered" in f.when for s in f.sections)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP]  # ties by name
    rows: list[list[str | int]] = [[section_label(s), n] for s, n in ranked]
    return Chart(
        "sections",
        "Top sections",
        "Cases charged under each section, IPC and its "
        f"BNS equivalent counted together; the {len(rows)} most frequent.",
        "hbar",
        ["Section", "Cases"],
        rows,
    )


def all_charts(
    session: Session, user: User | None, scope: Scope, facts: Sequence[CaseFact]
) -> list[Chart]:
    """Every dashboard chart, in page order."""
    return [
        monthly(session, user, scope, facts),
        routes(session, user, scope),
        ageing(facts, scope),
        top_sections(facts),
    ]
