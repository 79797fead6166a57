"""The case list: a query run over the cases a user may see, one page of rows and the total.

:func:`search_cases` runs a :class:`CaseQuery` (read by :func:`parse_query`) always inside
the user's need-to-know, and audits it; free text goes through :mod:`.fulltext`. The
user's visibility is read once per search into literal lists (:func:`visibility`), so that
the database tests index entries, not subqueries per case. On SQLite, which cannot
estimate how many cases a filter keeps, the search also chooses the plan: from the user's
units, or walking the FIR-date index when the matches are dense enough.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from time import monotonic
from typing import Any

import numpy as np
from sqlalchemy import BindParameter, ColumnElement, bindparam, func, or_, select
from sqlalchemy.orm import Session

from nervecentre import law
from nervecentre.cases import vocab
from nervecentre.cases.models import Case, Charge, District, Unit
from nervecentre.errors import InvalidValue
from nervecentre.search.case_index import Snapshot, index_for, seconds
from nervecentre.search.fulltext import (
    MAX_TEXT,
    clean_text,
    no_index,
    refresh_index,
    text_filter,
)
from nervecentre.search.fulltext import refresh as refresh_text
from nervecentre.search.query import (
    MAX_PAGE,
    MAX_PER_PAGE,
    SORTS,
    CasePage,
    CaseQuery,
    CaseRow,
    parse_query,
    section_keys,
    sort_columns,
)
from nervecentre.security import audit
from nervecentre.security.access import visibility
from nervecentre.security.models import User
from nervecentre.security.roles import can
from nervecentre.store.db import Database
from nervecentre.store.generations import one_snapshot

__all__ = [
    "MAX_PAGE",
    "MAX_PER_PAGE",
    "MAX_TEXT",
    "SORTS",
    "CasePage",
    "CaseQuery",
    "CaseRow",
    "no_index",
    "parse_query",
    "refresh_index",
    "search_cases",
    "visible_conditions",
]

# Below this many charges, a section filter is the place to start looking.
_FEW_CHARGES = 20_000

# Core columns: statements over them skip the ORM's per-statement work.
_CASES = Case.__table__
_C = _CASES.c
_ALL_CASES = _CASES.alias("all_cases")
_CHARGES = Charge.__table__.c
_STATION = Unit.__table__.alias("station")
_DISTRICTS = District.__table__
_IDS: BindParameter[int] = bindparam("ids", expanding=True)
# Charges per (database, section key), for choosing plans: (valid until, count).
_COUNTED: dict[tuple[str, str], tuple[float, int]] = {}
_COUNTED_FOR_S = 60.0
_ROWS = (
    select(
        *(_C.id, _C.case_key, _C.fir_number, _C.fir_year, _C.fir_at),
        *(_C.police_station_code, _STATION.c.name, _C.district_code, _DISTRICTS.c.name),
        *(_C.unit_code, _C.status, _C.crime_heads),
    )
    .join_from(_CASES, _STATION, _STATION.c.code == _C.police_station_code)
    .join(_DISTRICTS, _DISTRICTS.c.code == _C.district_code)
    .where(_C.id.in_(_IDS))
)
_SECTIONS = (
    select(_CHARGES.case_id, _CHARGES.section_key)
    .where(_CHARGES.case_id.in_(_IDS))
    .order_by(_CHARGES.case_id, _CHARGES.id)
)


def _charge_counts(session: Session, keys: list[str]) -> dict[str, int]:
    """Charges per section key, to choose a plan only: a minute old is good enough.

    Counting a common section's charges costs as much as the rest of a search; the rows
    found never depend on these figures, only how they are looked for.
    """
    url, now = session.get_bind().engine.url.render_as_string(), monotonic()
    stale = [k for k in keys if _COUNTED.get((url, k), (0.0, 0))[0] <= now]
    if stale:
        found = session.execute(
            select(_CHARGES.section_key, func.count())
            .where(_CHARGES.section_key.in_(stale))
            .group_by(_CHARGES.section_key)
        )
        counted = dict.fromkeys(stale, 0) | {k: int(n) for k, n in found}
        for key, n in counted.items():
            _COUNTED[(url, key)] = (now + _COUNTED_FOR_S, n)
    return {k: _COUNTED[(url, k)][1] if (url, k) in _COUNTED else 0 for k in keys}


def _unit_bound(user: User) -> bool:
    return can(user, "case.view") and not can(user, "case.view_all")


def visible_conditions(session: Session, user: User) -> list[ColumnElement[bool]]:
    """WHERE clauses on Case that keep exactly what ``visible_cases_filter(user)`` keeps.

    The filter itself makes both databases test every case (its branches are correlated
    subqueries); this reads the user's units, grants and restrictions first, as literal
    lists, so that they start from the unit and primary-key indexes instead.
    """
    return [visibility(session, user).condition()]


def _equal_filters(query: CaseQuery) -> list[tuple[str, str]]:
    """(value, case column) of the filters that ask for one value, where set."""
    pairs = (
        (query.district, "district_code"),
        (query.police_station, "police_station_code"),
        (query.unit, "unit_code"),
        (query.status, "status"),
    )
    return [(value, name) for value, name in pairs if value]


def _fir_bounds(query: CaseQuery) -> tuple[datetime | None, datetime | None]:
    """FIR date-times from (inclusive) and to (exclusive): whole days, ``date_to`` included."""
    start = datetime.combine(query.date_from, time.min) if query.date_from else None
    end = None
    # The calendar's last day has no next one: a bound that far ahead leaves out nothing.
    if query.date_to is not None and query.date_to < date.max:
        end = datetime.combine(query.date_to + timedelta(days=1), time.min)
    return start, end


class _Search:
    """One search's conditions, read and built once, for its total and its page."""

    def __init__(
        self, session: Session, user: User, query: CaseQuery, *, max_cases: int = 0
    ) -> None:
        self.session = session
        self.max_cases = max_cases  # of the in-memory index (0: count in SQL)
        self.query = query
        self.dialect = session.get_bind().dialect.name
        self.sqlite = self.dialect == "sqlite"
        self.text = clean_text(query.text)
        # Whether this search brought the full-text index up to date (its answer is then
        # not kept: this session's writes are not committed yet).
        self.refreshed = bool(self.text and self.sqlite and refresh_text(session))
        self.seen = visibility(session, user)
        # Unit-bound users' cases are found from their units (a few thousand at most), not
        # from a filter's index that may hold most of the registry.
        self.bounded = _unit_bound(user)
        # On SQLite, the filters' indexes are hidden from the planner for those users.
        self.hidden = self.bounded and self.sqlite
        self.keys = sorted(section_keys(query.section)) if query.section else []
        self.charges = 0
        self.text_where: ColumnElement[bool] | None = None
        # The index snapshot the answer came from (None: SQL); it keeps the rows it shows.
        self.snap: Snapshot | None = None

    def _plan_sql(self) -> None:
        """What only the SQL search needs: the text's condition and the sections' charges."""
        self.text_where = text_filter(self.session, self.dialect, self.text, bounded=self.bounded)
        if self.keys:
            # Most charged first, and how many charges they have: they choose the plan.
            counts = _charge_counts(self.session, self.keys)
            self.keys = sorted(counts, key=lambda k: -counts[k])
            self.charges = sum(counts.values())

    def _indexed(self) -> tuple[int, list[int]] | None:
        """The total and page from the in-memory index, when it is exact."""
        index = index_for(self.session)
        # Too many restrictions to list: SQL looks them up (the index does not hold them).
        listed = self.seen.restricted is not None
        snap = index.snapshot(self.session, self.max_cases) if index and listed else None
        if index is None or snap is None:
            return None
        self.snap = snap
        query = self.query
        mask = snap.visible(self.seen).copy()
        for value, name in _equal_filters(query):
            mask &= snap.equal(name, value)
        start, end = _fir_bounds(query)
        if start:
            mask &= snap.fir_at >= seconds(start)
        if end:
            mask &= snap.fir_at < seconds(end)
        if self.keys:
            charged = np.zeros(len(mask), np.bool_)
            for key in self.keys:
                found = index.section(self.session, snap, key)
                if found is None:
                    self.snap = None
                    return None
                charged[found] = True
            mask &= charged
        if self.text:
            mask &= index.matching(self.session, snap, self.text, keep=not self.refreshed)
        total = int(np.count_nonzero(mask))
        offset = (query.page - 1) * query.per_page
        if offset >= total:
            return total, []
        order = index.order(self.session, snap, query.sort.lstrip("-"))
        if order is None:
            self.snap = None
            return None
        descending = query.sort.startswith("-")
        return total, snap.page(mask, order, descending, offset, query.per_page, total)

    def conditions(self, *, walk: bool = False) -> list[ColumnElement[bool]]:
        """Visibility and the query's conditions. ``walk``: the plan walks the FIR-date
        index, so the user's units are hidden from SQLite's planner instead of the filters."""
        query = self.query
        hidden = self.hidden and not walk
        # Hidden on SQLite for unit-bound users, so that it reads their units' index. Unit
        # and status stay visible: that index starts with them. So do a police station and
        # its FIR dates: the station index starts with them, and its unit tells what the
        # user may see.
        dates_hidden = hidden and not query.police_station

        def col(c: Any, hide: bool = hidden) -> Any:
            return no_index(c) if hide else c

        hide_seen = no_index if walk and self.hidden else None
        where: list[ColumnElement[bool]] = [self.seen.condition(hide=hide_seen)]
        for value, name in _equal_filters(query):
            column = _C[name]
            where.append((col(column) if name == "district_code" else column) == value)
        start, end = _fir_bounds(query)
        if start:
            where.append(col(_C.fir_at, dates_hidden) >= start)
        if end:
            where.append(col(_C.fir_at, dates_hidden) < end)
        if self.text_where is not None:
            where.append(self.text_where)
        if self.keys:
            where.append(self._section(len(where) > 1, hidden or walk))
        return where

    def _section(self, others: bool, probe: bool) -> ColumnElement[bool]:
        # Start from the section's charges when they are few or all there is to go by;
        # else probe the charges of the cases the other conditions find, the most
        # charged section first (most cases stop at the first probe).
        if self.charges < _FEW_CHARGES or not (others or probe):
            return _C.id.in_(select(_CHARGES.case_id).where(_CHARGES.section_key.in_(self.keys)))
        return or_(
            *(
                select(_CHARGES.case_id)
                .where(_CHARGES.section_key == k, _CHARGES.case_id == _C.id)
                .exists()
                for k in self.keys
            )
        )

    def order(self, unindexed: bool) -> list[Any]:
        """ORDER BY terms; ``unindexed`` keeps SQLite from walking an index in sort order."""
        sort = self.query.sort
        columns = sort_columns(self.session, sort.lstrip("-"))
        if unindexed:
            columns = [no_index(c) for c in columns]
        columns.append(_C.id)
        return [c.desc() for c in columns] if sort.startswith("-") else columns

    def run(self) -> tuple[int, list[int]]:
        """The total and the ids of the page asked for."""
        indexed = self._indexed()
        if indexed is not None:
            return indexed
        self._plan_sql()
        query = self.query
        offset = (query.page - 1) * query.per_page
        where = self.conditions()
        count = select(func.count()).select_from(_CASES).where(*where)
        if self.text_where is not None:
            # Finding the text's matches is the costly part: do it once, for the page and
            # the total together (a window count), starting from the matches.
            page = (
                select(_C.id, func.count().over())
                .where(*where)
                .order_by(*self.order(self.sqlite))
                .limit(query.per_page)
                .offset(offset)
            )
            found = self.session.execute(page).all()
            ids = [i for i, _ in found]
            total = found[0][1] if found else (self.session.scalar(count) or 0) if offset else 0
            return total, ids
        walk = False
        if self.sqlite and query.sort.lstrip("-") == "fir_at":
            # Walking the FIR-date index until a page is full reads about (offset + limit)
            # * all / total cases: cheap when matches are dense, a scan of everything when
            # they are rare. Then starting from the filters and sorting what they find is
            # better.
            everything = select(func.max(_ALL_CASES.c.id)).scalar_subquery()
            total, most = self.session.execute(count.add_columns(everything)).one()
            walk = (offset + query.per_page) * (most or 0) < total * total
        else:
            total = self.session.scalar(count) or 0
        if offset >= total:
            return total, []
        if walk:
            where = self.conditions(walk=True)
        page_ids = (
            select(_C.id)
            .where(*where)
            .order_by(*self.order(self.sqlite and not walk))
            .limit(query.per_page)
            .offset(offset)
        )
        return total, list(self.session.scalars(page_ids))


def _check(query: CaseQuery) -> None:
    if query.sort not in SORTS:
        raise InvalidValue(f"unknown sort {query.sort!r}; one of: {', '.join(SORTS)}", kind="sort")
    if not 1 <= query.per_page <= MAX_PER_PAGE:
        raise InvalidValue(
            f"per_page must be from 1 to {MAX_PER_PAGE}", kind="per_page", value=query.per_page
        )
    if not 1 <= query.page <= MAX_PAGE:
        raise InvalidValue(f"page must be from 1 to {MAX_PAGE}", kind="page", value=query.page)


@lru_cache(maxsize=1024)
def _heads(value: str) -> tuple[str, ...]:
    """Names of the crime heads in a case's comma-separated codes (a code if unknown)."""
    out = []
    for code in filter(None, value.split(",")):
        try:
            out.append(law.crime_head(code).name)
        except InvalidValue:
            out.append(code)
    return tuple(out)


def _rows(session: Session, ids: list[int], snap: Snapshot | None) -> list[CaseRow]:
    """The rows for these ids, in this order, with station and district names and sections.

    Rows of an answer from the case index are kept by its snapshot: they hold only what its
    generation covers, so they are exact for as long as the snapshot is used.
    """
    kept = snap.rows if snap is not None else {}
    missing = [i for i in ids if i not in kept]
    if not missing:
        return [kept[i] for i in ids]
    sections: dict[int, dict[str, None]] = {i: {} for i in missing}
    for case_id, key in session.execute(_SECTIONS, {"ids": missing}).all():
        sections[case_id][key] = None  # in charge order, each key once
    rows: dict[int, CaseRow] = {}
    for row in session.execute(_ROWS, {"ids": missing}).all():
        case_id, case_key, number, year, fir_at, station_code, station = row[:7]
        district_code, district, unit, status, heads = row[7:]
        rows[case_id] = CaseRow(
            case_id, case_key, number, year, fir_at, station_code, station, district_code,
            district, unit, status, vocab.label("case_status", status), list(_heads(heads)),
            list(sections[case_id]),
        )  # fmt: skip
    if snap is not None:
        snap.keep_rows(rows)
    return [kept[i] if i in kept else rows[i] for i in ids]


def search_cases(
    db: Database,
    user: User,
    query: CaseQuery,
    *,
    ip: str | None = None,
    audit_search: bool = True,
) -> CasePage:
    """One page of the cases ``user`` may see that match ``query``, and their total.

    Rows and total both stay inside need-to-know. A query with any filter or text is
    audited (``search``) unless ``audit_search`` is False.
    """
    _check(query)
    with db.session() as session:
        one_snapshot(session)  # PostgreSQL: the counters read once, for every answer
        limit = db.settings.case_index_max_cases
        search = _Search(session, user, query, max_cases=limit)
        total, ids = search.run()
        rows = _rows(session, ids, search.snap)
    if audit_search and query.filtered:
        # After the reads, in the audit's group commit: committed before the page is shown.
        detail = {"query": query.as_params(), "total": total}
        audit.record(db, user, "search", "case", None, detail, ip=ip)
    return CasePage(rows, total, query.page, query.per_page, query)
