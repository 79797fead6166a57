"""The per-user graph cache: kept while nothing it was built from changes, on both backends.

Each test builds a user's graph (now kept), changes one thing the graph is built from, and
builds again: without the ``graph``/``access`` counters moving, the second build would be the
kept, stale graph.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import delete, select, text, update

from nervecentre.cases.models import Case, CaseLink, Event, RouteStop
from nervecentre.cases.people import CaseRole, Identifier, IdentifierUse, Person
from nervecentre.graph import build, build_graph
from nervecentre.graph.analytics import annotate
from nervecentre.graph.model import LinkGraph
from nervecentre.scams import payments
from nervecentre.security.grants import grant_case
from nervecentre.security.models import User
from nervecentre.security.users import get_user, set_units
from nervecentre.store.db import Database
from tests.security.conftest import UNIT_A, UNIT_B, World

W_A = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
W_X = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the graphs actually built (not taken from the cache)."""
    made: list[int] = []
    real = build._Builder.build

    def counted(self: build._Builder) -> LinkGraph:
        made.append(1)
        return real(self)

    monkeypatch.setattr(build._Builder, "build", counted)
    return made


def test_a_graph_is_built_once_and_each_caller_gets_its_own_copy(
    gworld: World, builds: list[int]
) -> None:
    admin = gworld.user("admin")
    first = build_graph(gworld.db, admin)
    annotate(first)  # writes measures onto its nodes
    second = build_graph(gworld.db, admin)
    assert len(builds) == 1
    assert json.dumps(first.to_json()) != json.dumps(second.to_json())
    assert not second.centrality and "component" not in next(iter(second.nodes.values())).attrs
    assert first.nodes.keys() == second.nodes.keys() and len(first.edges) == len(second.edges)
    # Another user, or another date range, is another graph.
    build_graph(gworld.db, gworld.user("inv"))
    build_graph(gworld.db, admin, since=date(2024, 1, 1))
    assert len(builds) == 3


def _case_key(db: Database, fir: str) -> int:
    with db.session() as s:
        found = s.scalar(select(Case.id).where(Case.fir_number == fir.split("/")[0]))
        assert found is not None
        return found


def _rename_accused(db: Database) -> Callable[[LinkGraph], bool]:
    with db.session() as s:
        pid = s.scalars(
            select(CaseRole.person_id).where(CaseRole.role == "accused").order_by(CaseRole.id)
        ).first()
        s.execute(update(Person).where(Person.id == pid).values(name="Renamed Accused"))
    return lambda g: "Renamed Accused" in {n.label for n in g.nodes.values()}


def _move_the_place(db: Database) -> Callable[[LinkGraph], bool]:
    with db.session() as s:
        s.execute(update(Case).values(occurrence_place="Hotel Moonlight, Kasara"))
    return lambda g: any(n.label == "Hotel Moonlight, Kasara" for n in g.nodes.values())


def _drop_identifier_uses(db: Database) -> Callable[[LinkGraph], bool]:
    with db.session() as s:
        phone = s.scalar(select(Identifier.id).where(Identifier.value == "+919876543001"))
        s.execute(delete(IdentifierUse).where(IdentifierUse.identifier_id == phone))
    return lambda g: "phone:+919876543001" not in g.nodes


def _drop_route(db: Database) -> Callable[[LinkGraph], bool]:
    with db.session() as s:
        s.execute(delete(RouteStop))
    return lambda g: not [e for e in g.edges if e.type.startswith("route_")]


def _drop_events(db: Database) -> Callable[[LinkGraph], bool]:
    with db.session() as s:
        s.execute(delete(Event))
    return lambda g: not [e for e in g.edges if e.type in ("rescued_at", "arrested_at")]


def _link_cases(db: Database) -> Callable[[LinkGraph], bool]:
    with db.session() as s:
        a, b = s.scalars(select(Case.id).order_by(Case.id).limit(2)).all()
        s.add(CaseLink(case_id=a, other_case_id=b, kind="related"))
    return lambda g: any(e.type == "linked_case" for e in g.edges)


def _add_a_payment(db: Database) -> Callable[[LinkGraph], bool]:
    with db.session() as s:
        phone = s.scalar(select(Identifier).where(Identifier.value == "+919876543001"))
        assert phone is not None
        # The accused's phone becomes a wallet: the kind and value the graph keys on.
        phone.kind, phone.value, phone.display = "crypto", W_A, W_A
    when = datetime(2023, 3, 20)
    paid = payments.Payment("BTC", W_A, "c1", when, Decimal("0.2"), (W_X,))
    payments.store_payments(db, [paid], "c.csv")
    return lambda g: any(e.type == "paid" for e in g.edges)


def _add_a_rate(db: Database) -> Callable[[LinkGraph], bool]:
    check = _add_a_payment(db)
    assert check(build_graph(db, _admin(db)))  # kept, with no rupee value
    payments.store_rates(db, "BTC", [(date(2023, 3, 20), Decimal("2000000"))], "r.csv")
    return lambda g: [e.attrs["inr"] for e in g.edges if e.type == "paid"] == ["400000.00"]


def _admin(db: Database) -> User:
    return get_user(db, "admin")


CHANGES = {
    "person renamed": _rename_accused,
    "case's place": _move_the_place,
    "identifier uses": _drop_identifier_uses,
    "route stops": _drop_route,
    "events": _drop_events,
    "case links": _link_cases,
    "scam payment": _add_a_payment,
    "exchange rate": _add_a_rate,
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_change_to_what_the_graph_holds_is_seen_at_once(gworld: World, change: str) -> None:
    admin = gworld.user("admin")
    before = build_graph(gworld.db, admin)
    check = CHANGES[change](gworld.db)
    assert not check(before)
    assert check(build_graph(gworld.db, admin))


def test_a_change_of_access_is_seen_at_once(gworld: World, builds: list[int]) -> None:
    def units() -> set[str]:
        graph = build_graph(gworld.db, gworld.user("inv"))
        return {n.attrs["unit"] for n in graph.nodes.values() if n.type == "case"}

    assert units() == {UNIT_A}
    set_units(gworld.db, "inv", [UNIT_A, UNIT_B], actor="test")
    assert units() == {UNIT_A, UNIT_B}
    set_units(gworld.db, "inv", [UNIT_A], actor="test")
    assert units() == {UNIT_A}
    case_b = _case_key(gworld.db, "12/2024")
    grant_case(gworld.db, gworld.user("admin"), "inv", case_b, "joint operation")
    assert units() == {UNIT_A, UNIT_B}
    assert len(builds) == 4
    assert units() == {UNIT_A, UNIT_B} and len(builds) == 4  # unchanged: kept


def test_a_database_without_the_counter_keeps_nothing(gworld: World, builds: list[int]) -> None:
    # A database from before migration 0024. PostgreSQL's test schema is shared by the
    # tests (its counters are kept between them): the row is put back.
    with gworld.db.session() as s:
        value = s.scalar(text("SELECT generation FROM data_generations WHERE name = 'graph'"))
        s.execute(text("DELETE FROM data_generations WHERE name = 'graph'"))
    try:
        build_graph(gworld.db, gworld.user("admin"))
        build_graph(gworld.db, gworld.user("admin"))
        assert len(builds) == 2
    finally:
        with gworld.db.session() as s:
            s.execute(
                text("INSERT INTO data_generations (name, generation) VALUES ('graph', :g)"),
                {"g": value + 1},
            )


def test_a_graph_over_the_budget_is_not_kept(
    gworld: World, builds: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    from nervecentre.graph import cache

    size = len(build_graph(gworld.db, gworld.user("admin")).edges)
    monkeypatch.setattr(cache, "MAX_KEPT_EDGES", size - 1)
    build_graph(gworld.db, gworld.user("admin"), since=date(2020, 1, 1))
    build_graph(gworld.db, gworld.user("admin"), since=date(2020, 1, 1))
    assert len(builds) == 3  # the first was kept under the real budget; these two are not
    # Smaller graphs are kept, and one more than the budget allows drops the others.
    build_graph(gworld.db, gworld.user("inv"))
    build_graph(gworld.db, gworld.user("inv"))
    assert len(builds) == 4


def test_the_charts_reads_share_the_kept_graph_and_leave_it_as_it_was(
    gworld: World, builds: list[int]
) -> None:
    from nervecentre.graph.charts import neighbourhood_view, path_view

    admin = gworld.user("admin")
    kept = build_graph(gworld.db, admin, shared=True)
    before = json.dumps(kept.to_json(), sort_keys=True)
    body = neighbourhood_view(gworld.db, admin, "phone:+919876543001", hops=2)
    assert any("centrality" in n for n in body["nodes"])  # annotated: the subgraph's copies
    path_view(gworld.db, admin, "case:1", "case:4")
    assert build_graph(gworld.db, admin, shared=True) is kept and len(builds) == 1
    assert json.dumps(kept.to_json(), sort_keys=True) == before
    assert not kept.centrality and all("component" not in n.attrs for n in kept.nodes.values())
