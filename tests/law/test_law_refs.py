"""SectionRef: display, keys, validation, ordering."""

import pytest

from nervecentre.errors import InvalidValue
from nervecentre.law import SectionRef


def test_display_and_key() -> None:
    ref = SectionRef("IPC", "370", "3")
    assert str(ref) == "IPC 370(3)"
    assert ref.key == "IPC 370"
    assert ref.base == SectionRef("IPC", "370")
    assert str(SectionRef("BNS", "143")) == "BNS 143"
    assert str(SectionRef("BNS", "64", "2)(m")) == "BNS 64(2)(m)"


@pytest.mark.parametrize(
    ("law", "section", "subsection"),
    [("CrPC", "370", ""), ("ipc", "370", ""), ("IPC", "", ""), ("IPC", "370 ", ""),
     ("IPC", "370", "(3)"), ("IPC", "99999", ""), ("IPC", "370", "3; drop")],
)  # fmt: skip
def test_invalid_refs_are_refused(law: str, section: str, subsection: str) -> None:
    with pytest.raises(InvalidValue):
        SectionRef(law, section, subsection)


def test_within() -> None:
    whole, four, five = (
        SectionRef("IPC", "370"),
        SectionRef("IPC", "370", "4"),
        SectionRef("IPC", "370", "5"),
    )
    assert four.within(whole) and four.within(four) and whole.within(whole)
    assert not four.within(five) and not whole.within(four)
    assert SectionRef("BNS", "64", "2)(m").within(SectionRef("BNS", "64", "2"))
    assert not SectionRef("BNS", "64", "21").within(SectionRef("BNS", "64", "2"))


def test_refs_are_hashable_and_sortable() -> None:
    refs = {SectionRef("IPC", "370"), SectionRef("IPC", "370"), SectionRef("BNS", "143")}
    assert len(refs) == 2
    assert sorted(refs)[0].law == "BNS"
