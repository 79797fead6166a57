"""The law data files load, are consistent, and cover what the units charge."""

from datetime import date

import pytest

from nervecentre.errors import InvalidValue
from nervecentre.law import (
    LAWS,
    SectionRef,
    act,
    acts,
    equivalence_pairs,
    get_section,
    section_tags,
    sections,
)

REQUIRED = {
    "IPC": "120B 292 293 294 302 307 323 324 341 342 343 344 346 354 354A 354B 354C 354D 363 "
    "363A 364A 365 366 366A 366B 367 368 369 370 370A 371 372 373 374 375 376 376D 376AB 377 "
    "379 380 383 384 385 386 387 388 389 392 406 415 417 419 420 465 467 468 471 489A 498A "
    "500 503 506 507 509 34",
    "BNS": "143 144 98 99 77 78 308 61 3 103 109 115 74 75 76 137 87 96 141 64 70 318 316 319 "
    "336 338 340 85 86 351 79 294 295 296 126 127 139 140",
    "ITA": "43 66 66B 66C 66D 66E 67 67A 67B 72",
    "POCSO": "3 4 5 6 7 8 9 10 11 12 13 14 15 19 21",
    "ITPA": "3 4 5 6 7 8 9 15 18",
}


def test_laws_are_the_five_acts_in_order() -> None:
    assert LAWS == ("IPC", "BNS", "POCSO", "ITA", "ITPA")
    assert [a.code for a in acts()] == list(LAWS)


@pytest.mark.parametrize(
    ("law", "number"), [(law, n) for law, ns in REQUIRED.items() for n in ns.split()]
)
def test_required_section_is_listed(law: str, number: str) -> None:
    section = get_section(SectionRef(law, number))
    assert section.title
    assert section.key == f"{law} {number}"


@pytest.mark.parametrize("ref", ["ITPA 5A", "ITPA 5B", "ITPA 5C", "ITPA 5D", "ITA 66A"])
def test_sections_that_are_not_law_are_absent(ref: str) -> None:
    law, number = ref.split()
    with pytest.raises(InvalidValue, match="not in nervecentre's list"):
        get_section(SectionRef(law, number))


def test_tags_come_from_the_vocabulary() -> None:
    vocabulary = section_tags()
    assert {"trafficking", "sexual_offence", "cyber", "extortion", "child"} <= set(vocabulary)
    for section in sections():
        assert set(section.tags) <= set(vocabulary), section


@pytest.mark.parametrize(
    ("ref", "tag"),
    [("IPC 370", "trafficking"), ("BNS 143", "trafficking"), ("ITA 67B", "csam"),
     ("POCSO 15", "child"), ("IPC 384", "extortion"), ("ITA 66E", "cyber")],
)  # fmt: skip
def test_key_sections_carry_their_tags(ref: str, tag: str) -> None:
    law, number = ref.split()
    assert tag in get_section(SectionRef(law, number)).tags
    assert ref in {s.key for s in sections(tag=tag)}


def test_sections_filter_by_law() -> None:
    itpa = sections("ITPA")
    assert itpa and all(s.law == "ITPA" for s in itpa)
    with pytest.raises(InvalidValue):
        sections("CrPC")
    with pytest.raises(InvalidValue):
        sections(tag="no_such_tag")


def test_code_eras_meet_on_1_july_2024() -> None:
    assert act("BNS").in_force_from == date(2024, 7, 1)
    assert act("IPC").in_force_until == date(2024, 6, 30)
    with pytest.raises(InvalidValue):
        act("CrPC")


def test_every_pair_points_at_listed_sections() -> None:
    pairs = equivalence_pairs()
    assert len(pairs) >= 60
    for pair in pairs:
        assert get_section(pair.ipc).law == "IPC"
        assert get_section(pair.bns).law == "BNS"
        assert pair.confidence in ("verified", "likely")
    assert {p.confidence for p in pairs} == {"verified", "likely"}
