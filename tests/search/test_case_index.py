"""The case list's in-memory index: the same totals and pages as SQL, always current (on
SQLite and on PostgreSQL)."""

from __future__ import annotations

import dataclasses
import itertools
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from nervecentre import places
from nervecentre.cases import edit, edit_people
from nervecentre.imports import import_register
from nervecentre.search import case_index
from nervecentre.search.cases import SORTS, parse_query, search_cases
from nervecentre.security import access, grants, users
from nervecentre.security.models import User
from nervecentre.store import migrate
from nervecentre.store.db import Database
from nervecentre.synth import SynthConfig, write_dataset
from tests.security.conftest import FAST, PASSWORD

DISTRICT = "MH-THR"
REASON = "joint probe of the trafficking network"
QUERIES: list[dict[str, str]] = [
    {},
    {"status": "under_investigation"},
    {"district": DISTRICT, "status": "trial"},
    {"district": "MH-PAL"},
    {"section": "BNS 143"},
    {"section": "370"},
    {"section": "POCSO 14", "status": "convicted"},
    {"q": "decoy"},
    {"q": "rescued hotel"},
    {"q": "--"},
    {"date_from": "2021-01-01", "date_to": "2022-06-30"},
    {"date_from": "2023-03-15", "date_to": "2023-03-15"},
    {"police_station": f"{DISTRICT}-KINHAVALI", "date_from": "2020-01-01"},
    {"unit": f"{DISTRICT}-AHTU", "section": "BNS 143", "q": "bar"},
    {"district": "MH-SDG"},
    {"district": "MH-HQ", "status": "registered"},
]


@dataclasses.dataclass
class World:
    db: Database
    people: list[User]


def _setting(db: Database, max_cases: int) -> Database:
    """The same database with another index limit (0: searches count in SQL)."""
    other = Database(dataclasses.replace(db.settings, case_index_max_cases=max_cases))
    return other


@pytest.fixture
def world(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setattr(users, "hasher", lambda: FAST)
    paths = write_dataset(tmp_path / "synth", SynthConfig(cases=300, seed=3), fmt="csv")
    import_register(db, paths.register)
    thane = [u.code for u in places.units(district=DISTRICT)]
    with db.engine.connect() as conn:
        some = [r[0] for r in conn.execute(text("SELECT id FROM cases ORDER BY id LIMIT 6"))]
    admin = users.create_user(db, "admin", PASSWORD, "admin", actor="test")
    analyst = users.create_user(db, "analyst", PASSWORD, "analyst", actor="test", units=thane)
    users.create_user(db, "sup", PASSWORD, "supervisor", actor="test", units=thane[:2])
    users.create_user(db, "lone", PASSWORD, "investigator", actor="test", units=[])
    grants.grant_unit(db, "test", "sup", "MH-PAL-BOISAR", REASON)
    grants.grant_case(db, "test", "lone", some[0], REASON)
    grants.grant_case(db, "test", "lone", some[1], REASON)
    grants.restrict_case(db, "test", some[1], ["sup"], "a witness is at risk")
    grants.restrict_case(db, "test", some[2], [], "the accused is a colleague")
    viewer = users.create_user(db, "viewer", PASSWORD, "viewer", actor="test", units=thane)
    people = [admin, analyst, users.get_user(db, "sup"), users.get_user(db, "lone"), viewer]
    yield World(db, people)


def _index(db: Database) -> case_index.CaseIndex:
    with db.session() as session:
        found = case_index.index_for(session)
    assert found is not None
    return found


def _page(db: Database, user: User, params: dict[str, str]) -> tuple[int, list[int]]:
    page = search_cases(db, user, parse_query(params), audit_search=False)
    return page.total, [r.id for r in page.rows]


@pytest.mark.parametrize("ahead", [4_096, 1], ids=["whole-order", "page-ahead"])
def test_every_filter_sort_and_page_agrees_with_sql(
    world: World, monkeypatch: pytest.MonkeyPatch, ahead: int
) -> None:
    # 1: a page is first looked for among as few cases as its share of matches suggests
    # (too few, often), which a registry of 300 cases never needs otherwise.
    monkeypatch.setattr(case_index, "_PAGE_AHEAD", ahead)
    in_sql = _setting(world.db, 0)
    agreed = nonempty = 0
    for user, params, sort in itertools.product(world.people, QUERIES, SORTS):
        query = {**params, "sort": sort, "per_page": "7"}
        total, first = _page(world.db, user, query)
        assert (total, first) == _page(in_sql, user, query), (user.username, query)
        last = max(1, -(-total // 7))
        for page in {2, last, last + 1}:
            paged = {**query, "page": str(page)}
            assert _page(world.db, user, paged) == _page(in_sql, user, paged), (user, paged)
        agreed += 1
        nonempty += total > 7
    assert agreed == len(world.people) * len(QUERIES) * len(SORTS)
    assert nonempty > agreed // 3  # the comparison saw real pages, not empty lists
    index = _index(world.db)
    assert index.reads == 1  # one read served every search: nothing changed meanwhile
    assert set(index._snapshot.orders) == {s.lstrip("-") for s in SORTS}  # type: ignore[union-attr]
    in_sql.dispose()


def test_a_change_shows_in_the_next_search(world: World) -> None:
    admin, analyst = world.people[0], world.people[1]
    before, ids = _page(world.db, analyst, {"status": "convicted", "per_page": "200"})
    index = _index(world.db)
    reads = index.reads
    # A case moved to another unit by hand: out of the analyst's list at once.
    gone = ids[0]
    edit.update_case(world.db, admin, gone, {"unit_code": "MH-PAL-BOISAR"})
    after, now = _page(world.db, analyst, {"status": "convicted", "per_page": "200"})
    assert (after, gone in now) == (before - 1, False)
    assert index.reads == reads + 1
    # A change made straight in SQL (no nervecentre code) is seen too: triggers count it.
    with world.db.engine.begin() as conn:
        conn.execute(text("UPDATE cases SET status = 'convicted' WHERE id = :i"), {"i": ids[-1]})
        conn.execute(text("DELETE FROM charges WHERE case_id = :i"), {"i": ids[-1]})
        conn.execute(
            text("INSERT INTO charges (case_id, law, section, subsection, section_key, stage,"
                 " equivalent, imported)"
                 " VALUES (:i, 'POCSO', '14', '', 'POCSO 14', 'fir', '', false)"),
            {"i": ids[-1]},
        )  # fmt: skip
    in_sql = _setting(world.db, 0)
    for params in ({"section": "POCSO 14"}, {"section": "BNS 143"}, {"status": "convicted"}):
        assert _page(world.db, analyst, params) == _page(in_sql, analyst, params), params
    # Restricting a case changes no indexed column: visibility is read per search.
    grants.restrict_case(world.db, "test", ids[1], [], "an officer is involved")
    total, shown = _page(world.db, analyst, {"status": "convicted", "per_page": "200"})
    assert ids[1] not in shown and total == after - 1 + (ids[-1] not in ids)
    in_sql.dispose()


def test_too_many_restrictions_and_too_many_cases_search_in_sql(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    analyst = world.people[1]
    expected = _page(world.db, analyst, {"section": "BNS 143"})
    index = _index(world.db)
    monkeypatch.setattr(access, "MAX_LISTED_RESTRICTIONS", 0)  # restrictions looked up in SQL
    monkeypatch.setattr(case_index.CaseIndex, "_read", None)  # any read would fail loudly
    with world.db.engine.begin() as conn:
        conn.execute(text("UPDATE data_generations SET generation = generation + 1"))
    assert _page(world.db, analyst, {"section": "BNS 143"}) == expected
    small = _setting(world.db, 10)  # fewer cases allowed than the registry has
    assert _page(small, analyst, {"section": "BNS 143"}) == expected
    assert index.reads == 1
    small.dispose()


def test_a_large_registry_is_read_in_the_background(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(case_index, "SYNC_READ_MAX", 0)
    analyst = world.people[1]
    in_sql = _setting(world.db, 0)
    expected = _page(in_sql, analyst, {"q": "decoy", "sort": "district"})
    assert _page(world.db, analyst, {"q": "decoy", "sort": "district"}) == expected
    index = _index(world.db)
    deadline = time.monotonic() + 30
    while index.reads == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert index.reads == 1
    assert _page(world.db, analyst, {"q": "decoy", "sort": "district"}) == expected
    in_sql.dispose()


def _downgrade(db: Database, revision: str) -> None:
    config = migrate.alembic_config(db)
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def test_a_database_before_the_migration_searches_in_sql(world: World) -> None:
    analyst = world.people[1]
    expected = _page(world.db, analyst, {"status": "trial"})
    postgresql = world.db.dialect == "postgresql"
    if postgresql:
        _downgrade(world.db, "0022_crawler")  # its counters and their triggers gone
    else:
        with world.db.engine.begin() as conn:
            conn.execute(text("DROP TABLE data_generations"))
    try:
        fresh = _setting(world.db, 2_000_000)  # a new engine: no index read yet
        assert _page(fresh, analyst, {"status": "trial"}) == expected
        with fresh.session() as session:
            index = case_index.index_for(session)
        assert index is not None and index.reads == 0
        fresh.dispose()
    finally:
        if postgresql:  # the schema is this test worker's: the next test needs it whole
            migrate.upgrade(world.db)


# Searches whose answers the index keeps: words of cases, a name, an alias, a phone.
TEXTS = [
    "decoy",
    "Zorabian",
    "Kestrelwing",
    "Yarrowby",
    "+91 98111 22334",
    "zebrafinch",
    "rescued hotel",
]


def _same_as_sql(db: Database, in_sql: Database, user: User, step: str) -> None:
    """Every kept text answer and every kept row as SQL finds them now."""
    for params in [*({"q": t} for t in TEXTS), {"status": "trial"}, {}]:
        query = parse_query({**params, "per_page": "200"})
        kept = search_cases(db, user, query, audit_search=False)
        fresh = search_cases(in_sql, user, query, audit_search=False)
        assert (kept.total, kept.rows) == (fresh.total, fresh.rows), (step, params)


def _found(db: Database, user: User, q: str) -> set[int]:
    return {r.id for r in search_cases(db, user, parse_query({"q": q}), audit_search=False).rows}


def test_kept_text_answers_and_rows_follow_every_change(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin, analyst = world.people[0], world.people[1]
    in_sql = _setting(world.db, 0)
    _total, mine = _page(world.db, analyst, {"per_page": "200"})
    first, second, third = mine[-3:]
    _same_as_sql(world.db, in_sql, analyst, "start")
    # The same searches again read no full-text index and no rows: they are kept.
    snap = _index(world.db)._snapshot
    assert snap is not None and snap.texts and snap.rows
    monkeypatch.setattr(case_index, "term_matches", None)
    again = search_cases(world.db, analyst, parse_query({"q": "decoy"}), audit_search=False)
    assert again.total and again.rows[0] is snap.rows[again.rows[0].id]
    monkeypatch.undo()

    person = edit_people.add_person(
        world.db,
        admin,
        first,
        {"role": "accused", "name": "Zorabian Quell", "aliases": "Kestrelwing"},
    )
    other = edit_people.add_person(
        world.db, admin, first, {"role": "accused", "name": "Yarrowby Tallis"}
    )
    edit_people.add_identifier(world.db, admin, second, {"value": "+91 98111 22334"})
    edit.update_case(world.db, admin, third, {"brief_facts": "a zebrafinch was the code word"})
    assert (
        _found(world.db, analyst, "Zorabian") == {first} == _found(world.db, analyst, "Kestrelwing")
    )
    assert _found(world.db, analyst, "+91 98111 22334") == {second}
    assert (
        _found(world.db, analyst, "zebrafinch") == {third} != _found(world.db, analyst, "Yarrowby")
    )
    _same_as_sql(world.db, in_sql, analyst, "added through nervecentre")

    # Changes made straight in SQL, one kind at a time: each shows in the next search.
    changes = [
        ("UPDATE persons SET protected = true WHERE id = :p", "protected person"),
        ("DELETE FROM case_roles WHERE person_id = :o", "person out of the case"),
        ("DELETE FROM identifier_uses WHERE case_id = :b", "identifier gone"),
        ("UPDATE cases SET brief_facts = 'nothing' WHERE id = :c", "words gone"),
        ("UPDATE units SET name = 'Renamed PS' WHERE code = "
         "(SELECT police_station_code FROM cases WHERE id = :b)", "station renamed"),
        ("UPDATE cases SET crime_heads = 'CSAM', case_key = case_key || '-X' WHERE id = :a",
         "heads and key"),
    ]  # fmt: skip
    for statement, step in changes:
        with world.db.engine.begin() as conn:
            conn.execute(
                text(statement), {"p": person, "o": other, "a": first, "b": second, "c": third}
            )
        _same_as_sql(world.db, in_sql, analyst, step)
        _same_as_sql(world.db, in_sql, admin, step)
    assert (
        _found(world.db, analyst, "Kestrelwing") == set() == _found(world.db, analyst, "zebrafinch")
    )
    in_sql.dispose()


def test_a_refresh_in_the_search_keeps_no_text_answer(world: World) -> None:
    if world.db.dialect != "sqlite":
        pytest.skip("PostgreSQL's text indexes are always current: a search refreshes nothing")
    analyst = world.people[1]
    _total, mine = _page(world.db, analyst, {"per_page": "200"})
    _page(world.db, analyst, {"q": "decoy"})
    edit.update_case(world.db, world.people[0], mine[-1], {"brief_facts": "ospreyline"})
    snap = _index(world.db)._snapshot
    assert snap is not None
    # This search indexes the change itself (its transaction not committed while it reads):
    # nothing it found is kept; the next search reads and keeps it.
    assert _found(world.db, analyst, "ospreyline") == {mine[-1]}
    held = {text for _generation, text in snap.texts}
    assert "ospreyline" not in held
    assert _found(world.db, analyst, "ospreyline") == {mine[-1]}
    assert "ospreyline" in {text for _generation, text in snap.texts}
