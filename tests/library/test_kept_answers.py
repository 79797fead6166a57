"""Kept search answers move on with every change that alters them, on both backends.

Each step searches first (so that an answer is kept), changes documents, links, cases or
access, and searches again: a kept answer not invalidated would show the old set. The first
test shows that answers are kept at all (with the counters frozen, the old set comes back).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select, text, update

from nervecentre.cases.models import Case
from nervecentre.library import _pg
from nervecentre.library import access as library_access
from nervecentre.library import search as search_module
from nervecentre.library.access import generations, visible_documents_filter, visible_mask
from nervecentre.library.ingest import add_bytes
from nervecentre.library.models import LibraryDocument, LibraryLink
from nervecentre.library.search import search
from nervecentre.security import access as security_access
from nervecentre.security import grants
from nervecentre.security.access import visibility
from nervecentre.security.models import UserUnit
from nervecentre.store.base import utcnow
from tests.library.test_library import JUDGMENT, case_key
from tests.security.conftest import UNIT_B, World

REASON = "joint investigation with the other unit"


def _seen(world: World, name: str) -> set[str]:
    """The paths ``name`` finds for 'massage', once the answer is kept (SQLite keeps it
    once the user's mask is read: read it first, as a background thread would)."""
    user = world.user(name)
    if world.db.dialect == "sqlite":
        with world.db.engine.connect() as conn:
            gens = generations(conn)
        assert gens is not None
        visible_mask(world.db, user, gens)
    first = {h.path for h in search(world.db, user, "massage", audit_search=False)}
    again = {h.path for h in search(world.db, user, "massage", audit_search=False)}
    assert first == again
    return again


def _doc(world: World, body: str, name: str, case: str | None = None) -> int:
    added = add_bytes(world.db, f"{JUDGMENT}\n{body}".encode(), name, actor="t", case=case)
    assert added.document_id is not None
    return added.document_id


def test_answers_are_kept_under_the_counters(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    _doc(world, "one", "one.txt")
    assert _seen(world, "inv") == {"one.txt"}
    with world.db.engine.connect() as conn:
        frozen = generations(conn)
    assert frozen is not None
    monkeypatch.setattr(search_module, "generations", lambda conn: frozen)
    _doc(world, "two", "two.txt")
    # The counters said nothing changed: the kept answer (without two.txt) is what comes.
    assert {h.path for h in search(world.db, world.user("inv"), "massage")} == {"one.txt"}
    monkeypatch.undo()
    assert _seen(world, "inv") == {"one.txt", "two.txt"}


def test_documents_and_links_move_kept_answers(world: World) -> None:
    a, b = case_key(world, world.case_a), case_key(world, world.case_b)
    _doc(world, "alpha", "a.txt", a)
    bravo = _doc(world, "bravo", "b.txt", b)
    free = _doc(world, "free", "f.txt")
    assert _seen(world, "inv") == {"a.txt", "f.txt"}
    assert _seen(world, "inv-b") == {"b.txt", "f.txt"}
    # A new link to a visible case.
    with world.db.session() as s:
        s.add(LibraryLink(document_id=bravo, case_id=world.case_a))
    assert _seen(world, "inv") == {"a.txt", "b.txt", "f.txt"}
    # The link removed again.
    with world.db.session() as s:
        s.execute(
            delete(LibraryLink).where(
                LibraryLink.document_id == bravo, LibraryLink.case_id == world.case_a
            )
        )
    assert _seen(world, "inv") == {"a.txt", "f.txt"}
    # An unlinked document restricted, then linked to B: gone for A's investigator.
    with world.db.session() as s:
        s.execute(update(LibraryDocument).where(LibraryDocument.id == free).values(restricted=True))
    assert _seen(world, "inv") == {"a.txt"}
    assert _seen(world, "admin") == {"a.txt", "b.txt", "f.txt"}
    with world.db.session() as s:
        s.add(LibraryLink(document_id=free, case_id=world.case_b))
    assert _seen(world, "inv-b") == {"b.txt", "f.txt"}
    # A retitled document: the kept hit rows move on too.
    with world.db.session() as s:
        s.execute(
            update(LibraryDocument).where(LibraryDocument.id == bravo).values(path="renamed.txt")
        )
    assert _seen(world, "inv-b") == {"renamed.txt", "f.txt"}
    # A document deleted.
    with world.db.session() as s:
        s.execute(delete(LibraryDocument).where(LibraryDocument.id == bravo))
    assert _seen(world, "inv-b") == {"f.txt"}
    assert _seen(world, "admin") == {"a.txt", "f.txt"}


def test_cases_and_access_move_kept_answers(world: World) -> None:
    a = case_key(world, world.case_a)
    _doc(world, "alpha", "a.txt", a)
    _doc(world, "free", "f.txt")
    admin = world.user("admin")
    assert _seen(world, "inv") == {"a.txt", "f.txt"}
    assert _seen(world, "inv-b") == {"f.txt"}
    # A case moved to another unit.
    with world.db.session() as s:
        unit_a = s.scalar(select(Case.unit_code).where(Case.id == world.case_a))
        s.execute(update(Case).where(Case.id == world.case_a).values(unit_code=UNIT_B))
    assert _seen(world, "inv") == {"f.txt"}
    assert _seen(world, "inv-b") == {"a.txt", "f.txt"}
    with world.db.session() as s:
        s.execute(update(Case).where(Case.id == world.case_a).values(unit_code=unit_a))
    assert _seen(world, "inv") == {"a.txt", "f.txt"}
    assert _seen(world, "inv-b") == {"f.txt"}
    # A grant of the case, then its revocation.
    grant = grants.grant_case(world.db, admin, "inv-b", world.case_a, REASON)
    assert _seen(world, "inv-b") == {"a.txt", "f.txt"}
    grants.revoke_grant(world.db, admin, grant.id, REASON)
    assert _seen(world, "inv-b") == {"f.txt"}
    # A restriction naming someone else, then lifted.
    grants.restrict_case(world.db, admin, world.case_a, ["inv-b"], REASON)
    assert _seen(world, "inv") == {"f.txt"}
    assert _seen(world, "inv-b") == {"a.txt", "f.txt"}
    grants.unrestrict_case(world.db, admin, world.case_a, REASON)
    assert _seen(world, "inv") == {"a.txt", "f.txt"}
    assert _seen(world, "inv-b") == {"f.txt"}
    # The case deleted: its links go with it, and the document is an unlinked one now.
    with world.db.session() as s:
        s.execute(delete(Case).where(Case.id == world.case_a))
    assert _seen(world, "inv-b") == {"a.txt", "f.txt"}
    # A user's units changed.
    _doc(world, "bravo", "b.txt", case_key(world, world.case_b))
    assert _seen(world, "inv") == {"a.txt", "f.txt"}
    with world.db.session() as s:
        s.add(UserUnit(user_id=world.user("inv").id, unit_code=UNIT_B))
    assert _seen(world, "inv") == {"a.txt", "b.txt", "f.txt"}


def test_a_grant_expiring_ends_a_kept_answer(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    a = case_key(world, world.case_a)
    _doc(world, "alpha", "a.txt", a)
    _doc(world, "free", "f.txt")
    admin = world.user("admin")
    grants.grant_case(
        world.db, admin, "inv-b", world.case_a, REASON, expires_at=utcnow() + timedelta(hours=1)
    )
    assert _seen(world, "inv-b") == {"a.txt", "f.txt"}
    with world.db.engine.connect() as conn:
        before = generations(conn)
    # Two hours pass: no counter moves, the grant has expired.
    later = utcnow() + timedelta(hours=2)
    for module in (library_access, security_access, _pg):
        monkeypatch.setattr(module, "utcnow", lambda: later)
    with world.db.engine.connect() as conn:
        assert generations(conn) == before
    found = {h.path for h in search(world.db, world.user("inv-b"), "massage")}
    assert found == {"f.txt"}


def _by_keys(world: World, name: str) -> set[int]:
    """PostgreSQL: the documents the index's access keys let ``name`` see."""
    user = world.user(name)
    with world.db.session() as s:
        condition: Any = _pg.visible_condition(_pg.user_keys(visibility(s, user)))
        statement = select(LibraryDocument.id)
        if condition is not None:
            statement = statement.where(condition)
        return set(s.scalars(statement))


def _by_filter(world: World, name: str) -> set[int]:
    user = world.user(name)
    with world.db.session() as s:
        return set(s.scalars(select(LibraryDocument.id).where(visible_documents_filter(user))))


def test_access_keys_agree_with_the_filter(world: World) -> None:
    """PostgreSQL: the keys held in the index select exactly what need-to-know selects,
    after each change the triggers must follow."""
    if world.db.dialect != "postgresql":
        pytest.skip("access keys are PostgreSQL's")
    a, b = case_key(world, world.case_a), case_key(world, world.case_b)
    docs = [_doc(world, str(i), f"{i}.txt", [a, b, None][i % 3]) for i in range(9)]
    admin = world.user("admin")
    names = ("inv", "inv-b", "view", "sup", "admin")

    def agree() -> None:
        for name in names:
            assert _by_keys(world, name) == _by_filter(world, name), name

    agree()
    with world.db.session() as s:
        restrict = update(LibraryDocument).where(LibraryDocument.id == docs[2])
        s.execute(restrict.values(restricted=True))
        s.add(LibraryLink(document_id=docs[0], case_id=world.case_b))
    agree()
    grants.restrict_case(world.db, admin, world.case_b, ["inv"], REASON)
    agree()
    assert docs[1] in _by_keys(world, "inv") and docs[1] not in _by_keys(world, "inv-b")
    with world.db.session() as s:
        s.execute(update(Case).where(Case.id == world.case_a).values(unit_code=UNIT_B))
    agree()
    grants.unrestrict_case(world.db, admin, world.case_b, REASON)
    grants.grant_unit(world.db, admin, "view", UNIT_B, REASON)
    agree()
    with world.db.session() as s:
        s.execute(delete(LibraryLink).where(LibraryLink.document_id == docs[0]))
        s.execute(delete(Case).where(Case.id == world.case_b))
    agree()
    assert _by_keys(world, "admin") == set(docs)
    # Emptied at once (no row triggers fire): every remaining document is an unlinked one.
    late = _doc(world, "late", "late.txt", a)
    assert late not in _by_keys(world, "inv")  # case A is in unit B now
    with world.db.session() as s:
        s.execute(text("TRUNCATE library_links"))
    agree()
    assert _by_keys(world, "inv") == (set(docs) - {docs[2]}) | {late}  # docs[2]: restricted


def _keys_of(world: World, doc: int) -> list[str]:
    with world.db.engine.connect() as conn:
        found = conn.execute(
            text("SELECT search_access FROM library_documents WHERE id = :d"), {"d": doc}
        ).scalar_one()
    return sorted(found)


def _concurrently(world: World, first: str, second: str, params: dict[str, int]) -> None:
    """``first`` runs in an open transaction; ``second`` starts in a thread meanwhile (and
    waits for a lock of the first's, as the triggers mean it to), then the first commits."""
    import threading

    errors: list[BaseException] = []

    def run_second() -> None:
        try:
            with world.db.engine.begin() as conn:
                conn.execute(text("SET LOCAL lock_timeout = '20s'"))
                conn.execute(text(second), params)
        except BaseException as exc:  # reported below
            errors.append(exc)

    with world.db.engine.begin() as conn:
        conn.execute(text(first), params)
        thread = threading.Thread(target=run_second)
        thread.start()
        thread.join(timeout=1.0)
        assert thread.is_alive(), "the second writer did not wait for the first"
    thread.join(timeout=30)
    assert not thread.is_alive() and not errors, errors


def test_concurrent_writers_leave_exact_keys(world: World) -> None:
    """PostgreSQL: two links added to one document at once both count; a case restricted
    while a document is being linked to it leaves no unit key behind."""
    if world.db.dialect != "postgresql":
        pytest.skip("access keys are PostgreSQL's")
    doc = _doc(world, "shared", "s.txt")
    link = "INSERT INTO library_links (document_id, case_id) VALUES (:d, :{})"
    ids = {"d": doc, "a": world.case_a, "b": world.case_b}
    _concurrently(world, link.format("a"), link.format("b"), ids)
    with world.db.session() as s:
        units = {int(r[0]): str(r[1]) for r in s.execute(select(Case.id, Case.unit_code))}
    expected = [f"c:{world.case_a}", f"c:{world.case_b}"]
    expected += [f"u:{units[world.case_a]}", f"u:{units[world.case_b]}"]
    assert _keys_of(world, doc) == sorted(expected)
    other = _doc(world, "other", "o.txt")
    restrict = (
        "INSERT INTO case_restrictions (case_id, restricted_by, reason, restricted_at) "
        "VALUES (:a, 't', 'r', now())"
    )
    _concurrently(world, link.format("a").replace(":d", ":o"), restrict, {**ids, "o": other})
    assert _keys_of(world, other) == [f"c:{world.case_a}"]
    agree = {name: _by_keys(world, name) == _by_filter(world, name) for name in ("inv", "inv-b")}
    assert all(agree.values()), agree


def test_migration_backfill_gives_the_triggers_keys(world: World) -> None:
    """PostgreSQL: the keys migration 0024 computes for an existing library, set-wise, are
    the ones its triggers keep."""
    if world.db.dialect != "postgresql":
        pytest.skip("access keys are PostgreSQL's")
    import importlib.util

    from nervecentre.store import migrations

    a, b = case_key(world, world.case_a), case_key(world, world.case_b)
    docs = [_doc(world, str(i), f"{i}.txt", [a, b, None, a][i % 4]) for i in range(8)]
    with world.db.session() as s:
        s.add(LibraryLink(document_id=docs[0], case_id=world.case_b))
        restrict = update(LibraryDocument).where(LibraryDocument.id == docs[2])
        s.execute(restrict.values(restricted=True))
    grants.restrict_case(world.db, world.user("admin"), world.case_b, ["inv"], REASON)
    path = Path(migrations.__path__[0]) / "versions" / "0025_pg_library_access.py"
    spec = importlib.util.spec_from_file_location("migration_0024", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    read = text("SELECT id, search_access FROM library_documents ORDER BY id")
    with world.db.engine.begin() as conn:
        kept = [(r[0], sorted(r[1])) for r in conn.execute(read)]
        conn.execute(text("UPDATE library_documents SET search_access = '{*}'"))
        for statement in module._BACKFILL:
            conn.execute(text(statement))
        filled = [(r[0], sorted(r[1])) for r in conn.execute(read)]
    assert filled == kept
    assert {len(keys) for _, keys in kept} >= {0, 1, 3}  # restricted, unlinked, two cases
