"""Crime heads and the code era of an offence date."""

from datetime import date, datetime

import pytest

from nervecentre.errors import InvalidValue
from nervecentre.law import (
    SectionRef,
    crime_head,
    crime_heads,
    get_section,
    penal_code_for,
    search_keys,
)

REQUIRED_HEADS = ["HT", "PROC_MINOR", "ITPA", "CSAM", "SEXTORTION", "CYBER_STALKING",
                  "VOYEURISM", "CHEATING_IMPERSONATION", "BONDED_LABOUR"]  # fmt: skip


@pytest.mark.parametrize(
    ("when", "code"),
    [(date(2024, 6, 30), "IPC"), (date(2024, 7, 1), "BNS"), (date(1999, 1, 1), "IPC"),
     (date(2030, 1, 1), "BNS"), (datetime(2024, 6, 30, 23, 59), "IPC"),
     (datetime(2024, 7, 1, 0, 0), "BNS")],
)  # fmt: skip
def test_penal_code_for(when: date, code: str) -> None:
    assert penal_code_for(when) == code


def test_penal_code_for_refuses_non_dates() -> None:
    with pytest.raises(InvalidValue):
        penal_code_for("2024-07-01")  # type: ignore[arg-type]


def test_required_heads_exist_and_codes_are_unique() -> None:
    codes = [h.code for h in crime_heads()]
    assert len(codes) == len(set(codes)) >= 12
    assert set(REQUIRED_HEADS) <= set(codes)


@pytest.mark.parametrize("head", crime_heads(), ids=lambda h: h.code)
def test_every_head_section_exists(head: object) -> None:
    assert hasattr(head, "sections")
    for ref in head.sections:  # type: ignore[attr-defined]
        assert get_section(ref).law == ref.law


@pytest.mark.parametrize("head", crime_heads(), ids=lambda h: h.code)
def test_ipc_and_bns_sections_correspond(head: object) -> None:
    ipc, bns = head.ipc_sections, head.bns_sections  # type: ignore[attr-defined]
    assert all(r.law == "IPC" for r in ipc) and all(r.law == "BNS" for r in bns)
    bns_keys, ipc_keys = {r.key for r in bns}, {r.key for r in ipc}
    for ref in ipc:
        assert search_keys(ref) & bns_keys, ref
    for ref in bns:
        assert search_keys(ref) & ipc_keys, ref


def test_sections_for_picks_the_era() -> None:
    ht = crime_head("HT")
    assert ht.sections_for(date(2024, 6, 30)) == (
        SectionRef("IPC", "370"),
        SectionRef("IPC", "370A"),
    )
    assert ht.sections_for(date(2024, 7, 1)) == (SectionRef("BNS", "143"), SectionRef("BNS", "144"))
    sextortion = crime_head("SEXTORTION")
    assert SectionRef("BNS", "308", "2") in sextortion.sections_for(date(2025, 1, 1))
    assert SectionRef("ITA", "66E") in sextortion.sections_for(date(2020, 1, 1))
    csam = crime_head("CSAM")
    assert csam.sections_for(date(2020, 1, 1)) == csam.sections_for(date(2025, 1, 1))
    assert {r.key for r in csam.sections} == {"ITA 67B", "POCSO 14", "POCSO 15"}


def test_lookup_is_case_insensitive_and_strict() -> None:
    assert crime_head(" ht ").code == "HT"
    with pytest.raises(InvalidValue, match="unknown crime head"):
        crime_head("MURDER")


def test_lookup_by_name() -> None:
    assert crime_head("Human trafficking").code == "HT"
    assert crime_head("human  trafficking").code == "HT"
    with pytest.raises(InvalidValue):
        crime_head("")
