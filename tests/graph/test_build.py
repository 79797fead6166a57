"""Building the link graph: need-to-know, victims by code, date range, one node per identifier."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from nervecentre.graph import build_graph
from nervecentre.graph.model import EDGE_TYPES, NODE_TYPES
from nervecentre.resolve.registry import resolve_registry
from nervecentre.security.fields import cipher_for
from nervecentre.store.db import Database
from tests.graph.conftest import make_graph_world
from tests.security.conftest import UNIT_A, UNIT_B, World

PHONE = "phone:+919876543001"


def _units(world: World, user: str) -> set[str]:
    graph = build_graph(world.db, world.user(user))
    return {n.attrs["unit"] for n in graph.nodes.values() if n.type == "case"}


def test_the_graph_holds_every_kind_of_node_with_typed_edges(gworld: World) -> None:
    graph = build_graph(gworld.db, gworld.user("admin"))
    types = {n.type for n in graph.nodes.values()}
    assert {"person", "case", "phone", "upi", "url", "place", "establishment"} <= types
    assert types <= set(NODE_TYPES)
    assert {e.type for e in graph.edges} <= set(EDGE_TYPES)
    for e in graph.edges:  # every edge leads back to its source row and names both ends
        assert e.source in graph.nodes and e.target in graph.nodes
        table, _, row = e.record.partition(":")
        assert table and row
    co = [e for e in graph.edges if e.type == "co_accused"]
    assert co and all(e.case_id is not None for e in co)


def test_one_identifier_written_two_ways_is_one_node(gworld: World) -> None:
    graph = build_graph(gworld.db, gworld.user("admin"))
    uses = [e for e in graph.edges if e.target == PHONE and e.type == "used"]
    # '+91 98765 43001' (FIR 11, and case 1) and '09876543001' (FIR 12): one node
    assert len({e.case_id for e in uses}) == 3
    assert len([n for n in graph.nodes if n.endswith("9876543001")]) == 1


def test_a_user_sees_only_their_units_cases(gworld: World) -> None:
    assert _units(gworld, "admin") == {UNIT_A, UNIT_B}
    assert _units(gworld, "inv") == {UNIT_A}
    assert _units(gworld, "inv-b") == {UNIT_B}
    graph = build_graph(gworld.db, gworld.user("inv"))
    assert "Prakash Gawade" not in {n.label for n in graph.nodes.values()}
    assert "upi:prakash52@okaxis" not in graph.nodes
    assert all(e.case_id is None or f"case:{e.case_id}" in graph.nodes for e in graph.edges)


def test_victims_appear_by_code_only_and_their_contacts_never(gworld: World) -> None:
    graph = build_graph(gworld.db, gworld.user("admin"))
    text = json.dumps(graph.to_json())
    for secret in ("Rina Das", "Mou Roy", "9123456780", "+919123456780"):
        assert secret not in text
    victims = [n for n in graph.nodes.values() if n.attrs.get("protected") and n.type == "person"]
    assert victims and all(n.label.startswith("V-") for n in victims)
    hidden = [n for n in graph.nodes.values() if n.type == "phone" and n.attrs.get("protected")]
    # the same victim's phone still joins her records, by blind index
    assert len(hidden) == 1 and hidden[0].attrs["value"] == ""
    assert len([e for e in graph.edges if e.target == hidden[0].id]) == 4


def test_a_date_range_limits_cases_and_events(gworld: World) -> None:
    admin = gworld.user("admin")
    recent = build_graph(gworld.db, admin, since=date(2024, 1, 1))
    assert {n.attrs["fir_at"][:4] for n in recent.nodes.values() if n.type == "case"} == {"2024"}
    assert all(e.date is None or e.date >= date(2024, 1, 1) for e in recent.edges)
    assert not [e for e in recent.edges if e.type == "rescued_at"]  # rescues were in 2023
    older = build_graph(gworld.db, admin, until=date(2023, 12, 31))
    assert {n.attrs["fir_at"][:4] for n in older.nodes.values() if n.type == "case"} == {"2023"}
    assert older.to_json()["until"] == "2023-12-31"
    assert not build_graph(gworld.db, admin, since=date(2030, 1, 1)).nodes


def test_resolved_entities_become_one_person_node(gworld: World) -> None:
    admin = gworld.user("admin")
    before = build_graph(gworld.db, admin)
    salims = [n for n in before.nodes.values() if n.label.startswith(("Mohd", "Md "))]
    assert len(salims) == 4
    resolve_registry(gworld.db, admin, cipher_for(gworld.db.settings), full=True)
    after = build_graph(gworld.db, admin)
    merged = [n for n in after.nodes.values() if n.type == "person" and len(n.attrs["records"]) > 1]
    assert any({e.case_id for e in after.edges if e.source == n.id} >= {3, 4} for n in merged)
    # an investigator of unit A sees the entity with unit A's records only
    mine = build_graph(gworld.db, gworld.user("inv"))
    records = {r for n in mine.nodes.values() if n.type == "person" for r in n.attrs["records"]}
    assert records and records <= {
        r for n in after.nodes.values() for r in n.attrs.get("records", [])
    }
    assert not {e.case_id for e in mine.edges if e.case_id} & {2, 4}


def test_neighbourhood_subgraph_and_json(gworld: World) -> None:
    graph = build_graph(gworld.db, gworld.user("admin"))
    one = graph.neighbourhood(PHONE, 1)
    assert PHONE in one.nodes and all(
        n.type == "person" for k, n in one.nodes.items() if k != PHONE
    )
    two = graph.neighbourhood(PHONE, 2)
    assert {"case:1", "case:3", "case:4"} <= set(two.nodes)
    assert len(graph.subgraph(["case:1", "nothing"]).nodes) == 1
    body = graph.to_json()
    assert {"nodes", "edges", "since", "until", "modularity"} <= set(body)
    assert body["edges"][0]["date"][:2] == "20"


def test_an_empty_registry_gives_an_empty_graph(db: Database, tmp_path: Path) -> None:
    from tests.security.conftest import fast_hashing  # noqa: F401

    world = make_graph_world(db, tmp_path)
    graph = build_graph(db, world.user("admin"), since=date(1990, 1, 1), until=date(1990, 1, 2))
    assert graph.nodes == {} and graph.edges == []
