"""The dashboard: headline figures and recent arrests and rescues, over visible cases only.

Every figure is computed inside the user's need-to-know (the same conditions as the case
list), so a chart never counts a case its reader could not open.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from nervecentre import law
from nervecentre.cases import vocab
from nervecentre.cases.models import Case, District, Event, EventParticipant
from nervecentre.errors import InvalidValue
from nervecentre.search.cases import no_index, visible_conditions
from nervecentre.security.access import visible_cases_filter
from nervecentre.security.models import User
from nervecentre.security.roles import require
from nervecentre.store.db import Database
from nervecentre.types.times import RegisterTime

#: Statuses that close a case; every other status counts as open.
CLOSED_STATUSES = ("convicted", "acquitted", "discharged", "final_report")
MAX_MONTHS = 240
MAX_RECENT = 100


@dataclass
class EventRow:
    """A recent arrest or rescue, with the case it belongs to and how many people it involved."""

    event_id: int
    case_id: int
    case_key: str
    kind: str
    at: RegisterTime
    place: str
    people: int


@dataclass
class Dashboard:
    """Headline figures of the cases a user may see."""

    total_cases: int = 0
    open_cases: int = 0
    by_month: list[tuple[str, int]] = field(default_factory=list)
    #: (month, cases registered, people rescued) over the same months as ``by_month``.
    month_pairs: list[tuple[str, int, int]] = field(default_factory=list)
    #: (age since the FIR, pending investigation, pending trial) of the open cases today.
    ageing: list[tuple[str, int, int]] = field(default_factory=list)
    by_district: list[tuple[str, int]] = field(default_factory=list)
    by_crime_head: list[tuple[str, int]] = field(default_factory=list)
    by_status: list[tuple[str, int]] = field(default_factory=list)
    recent_arrests: list[EventRow] = field(default_factory=list)
    recent_rescues: list[EventRow] = field(default_factory=list)

    @property
    def ageing_most(self) -> int:
        """The largest row of the ageing chart (its bars' full length); at least 1."""
        return max((a + b for _, a, b in self.ageing), default=0) or 1


def _ranked(counts: dict[str, int]) -> list[tuple[str, int]]:
    """Largest first; ties by name, so the order never changes between two loads."""
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def _months(newest: tuple[int, int], months: int) -> list[tuple[int, int]]:
    year, month = newest
    out = []
    for _ in range(months):
        out.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def _by_month(
    session: Session, visible: list[ColumnElement[bool]], months: int
) -> list[tuple[str, int]]:
    newest = session.scalar(select(func.max(Case.fir_at)).where(*visible))
    if newest is None:
        return []
    window = _months((newest.year, newest.month), months)
    if session.get_bind().dialect.name == "sqlite":
        month = func.substr(Case.fir_at, 1, 7)  # stored as 'YYYY-MM-DD HH:MM:SS.ffffff'
    else:
        month = func.to_char(Case.fir_at, "YYYY-MM")
    counts: dict[str, int] = dict(
        session.execute(
            select(month, func.count())
            .where(*visible, Case.fir_at >= datetime(*window[0], 1))
            .group_by(month)
        ).all()
    )
    return [(key, counts.get(key, 0)) for key in (f"{y:04d}-{m:02d}" for y, m in window)]


def _rescued_by_month(
    session: Session, visible: list[ColumnElement[bool]], months: list[str]
) -> dict[str, int]:
    """People rescued per month (the rescue's own date) in visible cases."""
    if not months:
        return {}
    first = datetime.strptime(months[0], "%Y-%m")
    query = (
        select(Event.id, Event.occurred_at, func.count(EventParticipant.person_id.distinct()))
        .join(Case, Case.id == Event.case_id)
        .join(EventParticipant, EventParticipant.event_id == Event.id)
        .where(*visible, Event.kind == "rescue", Event.occurred_at >= first)
        .group_by(Event.id, Event.occurred_at)
    )
    out: dict[str, int] = {}
    for _, at, n in session.execute(query):
        out[f"{at:%Y-%m}"] = out.get(f"{at:%Y-%m}", 0) + n
    return out


#: Pendency ageing: (days below which, label); open statuses by stage.
AGE_BUCKETS = ((91, "< 3 months"), (183, "3–6 months"), (365, "6–12 months"),
               (730, "1–2 years"), (1095, "2–3 years"), (10**6, "3 years +"))  # fmt: skip
_STAGES = {"registered": 0, "under_investigation": 0, "charge_sheeted": 1, "trial": 1}


def _ageing(
    session: Session, visible: list[ColumnElement[bool]], now: datetime
) -> list[tuple[str, int, int]]:
    """Open cases by time since the FIR: pending investigation and pending trial."""
    counts = {label: [0, 0] for _, label in AGE_BUCKETS}
    query = select(Case.status, Case.fir_at).where(*visible, Case.status.in_(list(_STAGES)))
    for status, fir_at in session.execute(query):
        days = (now - fir_at).days
        label = next(lab for limit, lab in AGE_BUCKETS if days < limit)
        counts[label][_STAGES[status]] += 1
    rows = [(label, a, b) for label, (a, b) in counts.items()]
    return rows if any(a or b for _, a, b in rows) else []


def _head_name(code: str) -> str:
    try:
        return law.crime_head(code).name
    except InvalidValue:
        return code


def _recent(session: Session, user: User, kind: str, limit: int, walk: bool) -> list[EventRow]:
    """The newest events of a kind in visible cases.

    ``walk``: read the events index newest first until enough are found (cheap when the
    user sees many cases); else start from the visible cases and sort their events.
    """
    when: Any = Event.occurred_at
    what: Any = Event.kind
    visible = [visible_cases_filter(user)] if walk else visible_conditions(session, user)
    if session.get_bind().dialect.name == "sqlite":
        what, when = (no_index(what), when) if walk else (what, no_index(when))
    query = (
        select(Event.id, Case.id, Case.case_key, Event.kind, Event.occurred_at, Event.place)
        .join(Case, Case.id == Event.case_id)
        .where(what == kind, *visible)
        .order_by(when.desc(), Event.id.desc())
        .limit(limit)
    )
    found = session.execute(query).all()
    ids = [row[0] for row in found]
    counts = dict(
        session.execute(
            select(EventParticipant.event_id, func.count())
            .where(EventParticipant.event_id.in_(ids))
            .group_by(EventParticipant.event_id)
        ).all()
    )
    return [EventRow(*row, people=counts.get(row[0], 0)) for row in found]


def dashboard(
    db: Database, user: User, *, months: int = 24, recent: int = 10, now: datetime | None = None
) -> Dashboard:
    """The dashboard of ``user``: counts by month, district, crime head and status, and the
    ``recent`` newest arrests and rescues, all over the cases the user may see."""
    require(user, "report.view")
    if not 1 <= months <= MAX_MONTHS:
        raise InvalidValue(f"months must be from 1 to {MAX_MONTHS}", kind="months", value=months)
    if not 0 <= recent <= MAX_RECENT:
        raise InvalidValue(f"recent must be from 0 to {MAX_RECENT}", kind="recent", value=recent)
    out = Dashboard()
    with db.session() as session:
        visible = visible_conditions(session, user)
        by_status = dict(
            session.execute(
                select(Case.status, func.count()).where(*visible).group_by(Case.status)
            ).all()
        )
        out.total_cases = sum(by_status.values())
        out.open_cases = sum(n for s, n in by_status.items() if s not in CLOSED_STATUSES)
        out.by_status = _ranked({vocab.label("case_status", s): n for s, n in by_status.items()})
        names = dict(session.execute(select(District.code, District.name)).all())
        by_district = session.execute(
            select(Case.district_code, func.count()).where(*visible).group_by(Case.district_code)
        )
        out.by_district = _ranked({names.get(code, code): n for code, n in by_district})
        heads: dict[str, int] = {}
        for value, n in session.execute(
            select(Case.crime_heads, func.count()).where(*visible).group_by(Case.crime_heads)
        ):
            for code in filter(None, value.split(",")):
                name = _head_name(code)
                heads[name] = heads.get(name, 0) + n
        out.by_crime_head = _ranked(heads)
        out.by_month = _by_month(session, visible, months)
        rescued = _rescued_by_month(session, visible, [m for m, _ in out.by_month])
        out.month_pairs = [(m, n, rescued.get(m, 0)) for m, n in out.by_month]
        out.ageing = _ageing(session, visible, now or datetime.now())
        if recent and out.total_cases:
            # Walk the newest events when visible cases are dense enough to fill the list
            # soon: about recent * all / visible events read, against all visible ones.
            everything = session.scalar(select(func.max(Case.id))) or 0
            walk = recent * everything < out.total_cases**2
            out.recent_arrests = _recent(session, user, "arrest", recent, walk)
            out.recent_rescues = _recent(session, user, "rescue", recent, walk)
    return out
