"""IPC <-> BNS equivalents and search expansion."""

import pytest

from nervecentre.law import (
    SectionRef,
    equivalence_pairs,
    equivalents,
    search_keys,
    search_keys_for,
    sections,
)

# Required by the product owner.
REQUIRED_PAIRS = [
    (SectionRef("IPC", "370"), SectionRef("BNS", "143")),
    (SectionRef("IPC", "370A"), SectionRef("BNS", "144")),
    (SectionRef("IPC", "372"), SectionRef("BNS", "98")),
    (SectionRef("IPC", "373"), SectionRef("BNS", "99")),
    (SectionRef("IPC", "354C"), SectionRef("BNS", "77")),
    (SectionRef("IPC", "354D"), SectionRef("BNS", "78")),
] + [(SectionRef("IPC", str(383 + i)), SectionRef("BNS", "308", str(i + 1))) for i in range(7)]

SPOT_CHECKS = [
    ("IPC 120B", "BNS 61(2)"), ("IPC 34", "BNS 3(5)"), ("IPC 302", "BNS 103(1)"),
    ("IPC 307", "BNS 109"), ("IPC 323", "BNS 115(2)"), ("IPC 354", "BNS 74"),
    ("IPC 363", "BNS 137(2)"), ("IPC 366A", "BNS 96"), ("IPC 366B", "BNS 141"),
    ("IPC 376", "BNS 64"), ("IPC 376D", "BNS 70(1)"), ("IPC 420", "BNS 318(4)"),
    ("IPC 406", "BNS 316(2)"), ("IPC 419", "BNS 319(2)"), ("IPC 467", "BNS 338"),
    ("IPC 471", "BNS 340(2)"), ("IPC 498A", "BNS 85"), ("IPC 498A", "BNS 86"),
    ("IPC 506", "BNS 351(2)"), ("IPC 506", "BNS 351(3)"), ("IPC 509", "BNS 79"),
    ("IPC 292", "BNS 294"), ("IPC 341", "BNS 126(2)"), ("IPC 363A", "BNS 139"),
    ("IPC 364A", "BNS 140(2)"), ("IPC 365", "BNS 140(3)"), ("IPC 367", "BNS 140(4)"),
    ("IPC 368", "BNS 142"),
]  # fmt: skip


def _ref(text: str) -> SectionRef:
    law, rest = text.split()
    number, _, sub = rest.partition("(")
    return SectionRef(law, number, sub.rstrip(")"))


@pytest.mark.parametrize(("ipc", "bns"), REQUIRED_PAIRS, ids=str)
def test_required_pair_both_directions(ipc: SectionRef, bns: SectionRef) -> None:
    assert bns in equivalents(ipc)
    assert ipc in equivalents(bns)
    assert bns.key in search_keys(ipc)
    assert ipc.key in search_keys(bns)


def test_extortion_maps_to_the_subsections_of_308() -> None:
    assert equivalents(SectionRef("IPC", "384")) == [SectionRef("BNS", "308", "2")]
    assert equivalents(SectionRef("BNS", "308", "2")) == [SectionRef("IPC", "384")]
    assert equivalents(SectionRef("BNS", "308")) == [
        SectionRef("IPC", str(n)) for n in range(383, 390)
    ]
    assert search_keys(SectionRef("BNS", "308", "5")) == {"BNS 308"} | {
        f"IPC {n}" for n in range(383, 390)
    }


def test_documented_examples() -> None:
    assert equivalents(SectionRef("IPC", "370")) == [SectionRef("BNS", "143")]
    assert search_keys(SectionRef("IPC", "370")) == {"IPC 370", "BNS 143"}
    assert equivalents(SectionRef("POCSO", "14")) == []
    assert search_keys(SectionRef("ITA", "67B")) == {"ITA 67B"}


@pytest.mark.parametrize(("ipc", "bns"), SPOT_CHECKS)
def test_spot_checked_pairs(ipc: str, bns: str) -> None:
    assert _ref(bns) in equivalents(_ref(ipc))
    assert _ref(ipc).key in search_keys(_ref(bns))


def test_ipc_377_has_no_bns_equivalent() -> None:
    assert equivalents(SectionRef("IPC", "377")) == []
    assert search_keys(SectionRef("IPC", "377")) == {"IPC 377"}


@pytest.mark.parametrize("include_likely", [False, True])
def test_search_keys_are_symmetric(include_likely: bool) -> None:
    refs = [s.ref for s in sections("IPC") + sections("BNS")]
    for a in refs:
        keys = search_keys(a, include_likely=include_likely)
        assert a.key in keys
        for key in keys:
            law, number = key.split()
            assert a.key in search_keys(SectionRef(law, number), include_likely=include_likely)


def test_likely_pairs_stay_out_unless_asked() -> None:
    likely = [p for p in equivalence_pairs() if p.confidence == "likely"]
    assert likely
    for pair in likely:
        assert pair.bns not in equivalents(pair.ipc)
        assert pair.bns in equivalents(pair.ipc, include_likely=True)
        assert pair.ipc in equivalents(pair.bns, include_likely=True)
    assert equivalents(SectionRef("IPC", "370", "4")) == [SectionRef("BNS", "143")]
    assert equivalents(SectionRef("IPC", "370", "4"), include_likely=True) == [
        SectionRef("BNS", "143"),
        SectionRef("BNS", "143", "4"),
    ]
    assert len(equivalence_pairs(include_likely=False)) < len(equivalence_pairs())


def test_search_keys_for_a_charge_list() -> None:
    refs = [SectionRef("IPC", "370"), SectionRef("ITPA", "5")]
    assert search_keys_for(refs) == {"IPC 370", "BNS 143", "ITPA 5"}
