"""The case list's resolved need-to-know (literal lists) keeps what visible_cases_filter keeps,
and its plans on SQLite read the indexes meant for them."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select

from nervecentre.cases.models import Case
from nervecentre.search import cases as search
from nervecentre.search.cases import CaseQuery, parse_query, search_cases
from nervecentre.search.fulltext import no_index
from nervecentre.security import access, grants, users
from nervecentre.security.models import User
from nervecentre.store.base import utcnow
from nervecentre.store.db import Database
from tests.search.test_search import AHTU, BOISAR, SHAHAPUR, Registry, make_registry
from tests.security.conftest import PASSWORD

REASON = "joint probe of the trafficking network"


@pytest.fixture
def reg(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Registry:
    return make_registry(db, tmp_path, monkeypatch)


def _ids(db: Database, where: Any) -> set[int]:
    with db.session() as s:
        return set(s.scalars(select(Case.id).where(where)))


def _grants_and_restrictions(reg: Registry) -> list[User]:
    """Grants of each kind and state, restrictions with and without names; every user."""
    now = utcnow()
    grants.grant_case(reg.db, "test", "inv-a", reg.ids[2], REASON)
    grants.grant_case(
        reg.db, "test", "inv-a", reg.ids[3], REASON, expires_at=now + timedelta(days=2)
    )
    gone = grants.grant_unit(reg.db, "test", "inv-a", BOISAR, REASON)
    grants.revoke_grant(reg.db, "test", gone.id, "probe finished")
    grants.grant_unit(reg.db, "test", "inv-b", AHTU, REASON, expires_at=now + timedelta(days=2))
    grants.restrict_case(reg.db, "test", reg.ids[1], ["inv-b"], "the accused is a colleague")
    grants.restrict_case(reg.db, "test", reg.ids[2], ["sup"], "a witness is at risk")
    users.create_user(reg.db, "lone", PASSWORD, "analyst", actor="test", units=[])
    grants.grant_case(reg.db, "test", "lone", reg.ids[1], REASON)  # restricted: no effect
    grants.grant_case(reg.db, "test", "lone", reg.ids[4], REASON)
    nobody = users.create_user(reg.db, "nobody", PASSWORD, "viewer", actor="test", units=[])
    gone_user = users.create_user(
        reg.db, "gone", PASSWORD, "analyst", actor="test", units=[SHAHAPUR]
    )
    disabled = users.disable_user(reg.db, "gone", actor="test")
    assert gone_user.username == disabled.username
    return [users.get_user(reg.db, n) for n in ("admin", "inv-a", "inv-b", "sup", "lone")] + [
        nobody,
        disabled,
    ]


@pytest.mark.parametrize("listed", [True, False], ids=["listed", "looked-up"])
def test_resolved_visibility_keeps_exactly_what_the_filter_keeps(
    reg: Registry, monkeypatch: pytest.MonkeyPatch, listed: bool
) -> None:
    if not listed:  # as when there are too many restricted cases to list
        monkeypatch.setattr(access, "MAX_LISTED_RESTRICTIONS", 0)
    people = _grants_and_restrictions(reg)
    now = utcnow()
    seen_some = False
    for user in people:
        for when in (now, now + timedelta(days=3)):  # before and after grants expire
            expected = _ids(reg.db, access.visible_cases_filter(user, now=when))
            with reg.db.session() as s:
                resolved = access.visibility(s, user, now=when)
            if not listed and search._unit_bound(user):
                assert resolved.restricted is None, user.username
            assert _ids(reg.db, resolved.condition()) == expected, (user.username, when)
            if reg.db.dialect == "sqlite":
                hidden = resolved.condition(hide=no_index)
                assert _ids(reg.db, hidden) == expected, (user.username, when)
            seen_some = seen_some or bool(expected)
        with reg.db.session() as s:
            count = select(func.count()).select_from(Case).where(access.visible_cases_filter(user))
            total = s.scalar(count)
        assert search_cases(reg.db, user, CaseQuery(), audit_search=False).total == total
    assert seen_some


def test_search_totals_follow_grants_and_restrictions_for_every_filter(reg: Registry) -> None:
    people = _grants_and_restrictions(reg)
    queries = [
        {},
        {"status": "under_investigation"},
        {"district": "MH-THR", "status": "convicted"},
        {"police_station": SHAHAPUR, "date_from": "2023-01-01", "date_to": "2024-12-31"},
        {"section": "BNS 143"},
        {"q": "salim"},
        {"unit": AHTU},
    ]
    for user in people:
        visible = access.visible_cases_filter(user)
        for params in queries:
            query = parse_query({**params, "per_page": "1"})
            everything = search_cases(reg.db, reg.admin, parse_query(params), audit_search=False)
            matching = {r.id for r in everything.rows}
            expected = _ids(reg.db, visible) & matching
            page = search_cases(reg.db, user, query, audit_search=False)
            assert page.total == len(expected), (user.username, params)
            assert {r.id for r in page.rows} <= expected, (user.username, params)


def _plans(db: Database, user: User, params: dict[str, str]) -> list[str]:
    """SQLite's query plan of every statement a search runs over the cases."""
    run: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cur: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().startswith("SELECT") and "FROM cases" in statement:
            run.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        search_cases(db, user, parse_query(params), audit_search=False)
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    with db.engine.connect() as conn:
        return [
            " | ".join(str(r[3]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + s, p))
            for s, p in run
        ]


def test_sqlite_plans_read_the_indexes_meant_for_them(
    sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reg = make_registry(sqlite_db, tmp_path, monkeypatch)
    monkeypatch.setattr(search, "_FEW_CHARGES", 0)  # as for a common section
    # The plans SQL runs without the in-memory index (as on PostgreSQL, or while it is read).
    sqlite_db = Database(dataclasses.replace(sqlite_db.settings, case_index_max_cases=0))
    station = {"police_station": SHAHAPUR, "date_from": "2023-01-01", "date_to": "2024-12-31"}
    count, *_ = _plans(sqlite_db, reg.sup, station)
    assert "COVERING INDEX ix_cases_station_fir_at" in count, count
    count, *_ = _plans(sqlite_db, reg.sup, {"status": "under_investigation"})
    assert "COVERING INDEX" in count and "unit_code=? AND status=?" in count, count
    # Probing a section's charges reads their index only, never the charge rows.
    for plan in _plans(sqlite_db, reg.sup, {"section": "BNS 143", "status": "registered"}):
        assert "charges" not in plan or "COVERING INDEX ix_charges_section_key" in plan, plan
