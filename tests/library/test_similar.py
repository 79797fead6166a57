"""'Similar cases' ranks the planted similar documents first and says why."""

from __future__ import annotations

import pytest

from nervecentre.errors import NotFound
from nervecentre.library.ingest import add_bytes
from nervecentre.library.profiles import canonical
from nervecentre.library.similar import similar
from nervecentre.library.synth import documents
from tests.security.conftest import World

# Case A of the world: IPC 370, 370A; ITPA 3, 4, 5; victims from West Bengal; a lodge.
PLANTED = (
    "Judgment: victims from West Bengal kept in a lodge at Shahapur; charged under Sections "
    "370 and 370A of the IPC and Sections 4 and 5 of the ITPA. Promise of work. Convicted.",
    "Sessions judgment: a lodge in Thane Rural, girls from West Bengal, under Sections 370 and "
    "370A of the IPC and Section 5 of the ITPA; the lodge manager is convicted.",
    "Judgment: under Section 143 of the BNS and Section 5 of the ITPA, victims from West "
    "Bengal were held in a lodge; the accused are acquitted.",
)


def _library(world: World) -> list[int]:
    planted = [
        add_bytes(world.db, text.encode(), f"planted{i}.txt", actor="cli:t").document_id or 0
        for i, text in enumerate(PLANTED)
    ]
    for doc in documents(12, seed=5):
        if doc.theme not in ("spa",):
            add_bytes(world.db, doc.text.encode(), f"{doc.name}.txt", actor="cli:t")
    return planted


def test_similar_to_a_case_ranks_planted_judgments_first(world: World) -> None:
    planted = _library(world)
    found = similar(world.db, world.user("inv"), case_id=world.case_a)
    docs = [s for s in found if s.kind == "document"]
    assert {s.id for s in docs[:3]} == set(planted)
    first = docs[0]
    assert any(r.startswith("sections: ") and "IPC 370" in r for r in first.reasons)
    assert any(r.startswith("route: ") and "WB" in r for r in first.reasons)
    assert any(r.startswith("modus operandi: ") for r in first.reasons)
    bns = next(s for s in docs if s.id == planted[2])
    assert any("BNS 143" in r for r in bns.reasons)  # IPC 370's equivalent counts
    assert all(0 < s.score <= 1 for s in found)
    assert [s.score for s in found] == sorted((s.score for s in found), reverse=True)


def test_similar_to_a_document_and_cases_inside_need_to_know(world: World) -> None:
    planted = _library(world)
    found = similar(world.db, world.user("inv"), document_id=planted[0])
    docs = [s.id for s in found if s.kind == "document"]
    assert set(docs[:2]) == {planted[1], planted[2]}
    cases = [s.id for s in found if s.kind == "case"]
    assert cases == [world.case_a]  # case B (another unit) is never a candidate for 'inv'
    admin = similar(world.db, world.user("admin"), document_id=planted[0])
    assert {s.id for s in admin if s.kind == "case"} == {world.case_a, world.case_b}
    with pytest.raises(NotFound):
        similar(world.db, world.user("inv"), case_id=world.case_b)


def test_general_sections_do_not_count() -> None:
    assert canonical("IPC 34") is None
    assert canonical("IPC 370") == canonical("BNS 143")
