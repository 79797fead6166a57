"""Tolerant lookups by code or name, and clear errors for ambiguous or unknown names."""

import pytest

from nervecentre.errors import InvalidValue
from nervecentre.places import (
    district,
    districts,
    normalise_place,
    state,
    states,
    unit,
    units,
)


@pytest.mark.parametrize(
    ("text", "key"),
    [("Thane (Rural)", "thanerural"), ("THANE RURAL", "thanerural"),
     ("Shahapur P.S.", "shahapur"), ("PS Shahapur", "shahapur"),
     ("Shahapur Police Station", "shahapur"), ("Dist. Palghar", "palghar"),
     ("Tilak Nagar", "tilaknagar"), ("D.B. Marg", "dbmarg"), ("J&K", "jandk"),
     ("  ", ""), ("मुंबई", "मुंबई")],
)  # fmt: skip
def test_normalise_place(text: str, key: str) -> None:
    assert normalise_place(text) == key


@pytest.mark.parametrize(
    ("text", "code"),
    [("MH-THR", "MH-THR"), ("mh-thr", "MH-THR"), ("Thane Rural", "MH-THR"),
     ("Thane (Rural)", "MH-THR"), ("THANE RURAL DIST.", "MH-THR"), ("Dist. Palghar", "MH-PAL"),
     ("Raigarh", "MH-RGD"), ("MBVV", "MH-MBV"), ("Mira Bhayander Vasai Virar", "MH-MBV"),
     ("Brihanmumbai", "MH-MUM"), ("Mumbai Suburban", "MH-MUM"), ("Greater Mumbai", "MH-MUM"),
     ("Navi Mumbai Police Commissionerate", "MH-NMB"), ("Thane City", "MH-THC")],
)  # fmt: skip
def test_district_lookup_is_tolerant(text: str, code: str) -> None:
    assert district(text).code == code


@pytest.mark.parametrize(
    ("text", "code"),
    [("Shahapur P.S.", "MH-THR-SHAHAPUR"), ("Shahapur Police Station", "MH-THR-SHAHAPUR"),
     ("PS Shahapur", "MH-THR-SHAHAPUR"), ("SHAHAPUR", "MH-THR-SHAHAPUR"),
     ("mh-thr-shahapur", "MH-THR-SHAHAPUR"), ("Vasind", "MH-THR-VASHIND"),
     ("Thane Rural AHTU", "MH-THR-AHTU"), ("AHTU Thane Rural", "MH-THR-AHTU"),
     ("Raigarh AHTU", "MH-RGD-AHTU"), ("Palghar Cyber Cell", "MH-PAL-CYBER"),
     ("Shivaji Nagar, Mumbai", "MH-MUM-SHIVAJI-NAGAR"),
     ("Shivaji Nagar (Thane City)", "MH-THC-SHIVAJI-NAGAR"),
     ("Dr. D.B. Marg P.S.", "MH-MUM-DB-MARG"), ("Nallasopara", "MH-MBV-NALASOPARA"),
     ("Kopar Khairane", "MH-NMB-KOPARKHAIRANE"), ("Cyber Police Station West", "MH-MUM-CYBER-WEST"),
     ("Uran", "MH-NMB-URAN"), ("Resource Centre", "MH-THR-RC"),
     ("MH-THR-PS-SHAHAPUR", "MH-THR-SHAHAPUR"), ("mh thr shahapur", "MH-THR-SHAHAPUR")],
)  # fmt: skip
def test_unit_lookup_is_tolerant(text: str, code: str) -> None:
    assert unit(text).code == code


def test_kind_words_need_a_district() -> None:
    assert unit("AHTU", district="Palghar").code == "MH-PAL-AHTU"
    assert unit("Cyber Cell", district="Raigad").code == "MH-RGD-CYBER"
    assert unit("Cyber Police Station", "MH-SDG").code == "MH-SDG-CYBER"
    with pytest.raises(InvalidValue, match="give the district"):
        unit("AHTU")
    with pytest.raises(InvalidValue, match="could be any of"):
        unit("Cyber", district="Mumbai")  # five regional cyber police stations


@pytest.mark.parametrize(
    ("name", "places"),
    [("Shivaji Nagar", ("Mumbai", "Thane City")), ("Goregaon", ("Mumbai", "Raigad")),
     ("Navghar", ("Mumbai", "Mira-Bhayandar, Vasai-Virar")), ("Bhoiwada", ("Mumbai", "Thane City")),
     ("Tilak Nagar", ("Mumbai", "Thane City"))],
)  # fmt: skip
def test_ambiguous_unit_names_need_the_district(name: str, places: tuple[str, str]) -> None:
    with pytest.raises(InvalidValue, match="give the district") as info:
        unit(name)
    for place in places:
        assert place in str(info.value)
    for place in places:
        assert unit(name, district=place).district == district(place).code


def test_ambiguous_district_name() -> None:
    with pytest.raises(InvalidValue, match=r"Thane Rural.*Thane City"):
        district("Thane")


def test_unit_in_the_wrong_district() -> None:
    with pytest.raises(InvalidValue, match="in Mumbai"):
        unit("Shahapur", district="Mumbai")
    with pytest.raises(InvalidValue, match="is in Thane Rural, not Mumbai"):
        unit("MH-THR-SHAHAPUR", district="Mumbai")


def test_unknown_names_suggest_close_ones() -> None:
    with pytest.raises(InvalidValue, match=r"did you mean.*Shahapur") as info:
        unit("Shahapr")
    assert info.value.kind == "unit"
    with pytest.raises(InvalidValue, match="no police district"):
        district("Gotham")
    with pytest.raises(InvalidValue, match="no state or country"):
        state("Atlantis")


@pytest.mark.parametrize("lookup", [unit, district, state])
@pytest.mark.parametrize(
    "text", ["", "   ", "???", "P.S.", "'; DROP TABLE units; --", "x" * 5000, None, 42]
)
def test_hostile_input_is_refused(lookup: object, text: object) -> None:
    with pytest.raises(InvalidValue):
        lookup(text)  # type: ignore[operator]


def test_every_place_round_trips_by_code_and_name() -> None:
    for s in states():
        assert state(s.code) == s
        assert state(s.name) == s
    for d in districts():
        assert district(d.code) == d
        assert district(d.name) == d
    for u in units():
        assert unit(u.code) == u
        assert unit(u.name, district=u.district) == u
        assert unit(f"{u.name} P.S.", district=u.district) == u


@pytest.mark.parametrize(
    ("text", "code"),
    [("West Bengal", "WB"), ("wb", "WB"), ("Orissa", "OD"), ("TS", "TG"), ("Uttaranchal", "UK"),
     ("NCT of Delhi", "DL"), ("J&K", "JK"), ("Jammu & Kashmir", "JK"), ("Nepal", "NP"),
     ("Burma", "MM"), ("tamilnadu", "TN")],
)  # fmt: skip
def test_state_lookup_is_tolerant(text: str, code: str) -> None:
    assert state(text).code == code


def test_units_filters() -> None:
    assert {u.district for u in units(district="Thane Rural")} == {"MH-THR"}
    assert all(u.kind == "ahtu" for u in units("ahtu"))
    assert len(units("ahtu")) == len([d for d in districts() if d.kind != "state"])
    with pytest.raises(InvalidValue, match="unknown unit kind"):
        units("brothel")
    with pytest.raises(InvalidValue):
        units(district="Gotham")
    assert {d.code for d in districts(in_range="Mumbai")} == {"MH-MUM"}
