"""The place data loads, codes are unique, and every unit belongs to a known district."""

import pytest

from nervecentre.places import (
    DISTRICT_KINDS,
    UNIT_KINDS,
    district,
    districts,
    state,
    states,
    unit,
    units,
)

KONKAN = ["Thane Rural", "Palghar", "Raigad", "Ratnagiri", "Sindhudurg"]
COMMISSIONERATES = ["Thane City", "Navi Mumbai", "Mira-Bhayandar, Vasai-Virar", "Mumbai"]
STATIONS = {
    "Thane Rural": "Shahapur Kasara Kinhavali Vashind Murbad Tokawade Padgha Ganeshpuri",
    "Palghar": "Palghar Boisar Satpati Tarapur Dahanu Kasa Talasari Vikramgad Jawhar Mokhada "
    "Wada Manor Safale Gholwad",
    "Raigad": "Alibag Pen Khopoli Karjat Khalapur Mangaon Roha Murud Shrivardhan Mhasla "
    "Poladpur Nagothane Rewdanda",
    "Ratnagiri": "Chiplun Khed Dapoli Guhagar Sangameshwar Lanja Rajapur Mandangad",
    "Sindhudurg": "Kankavli Kudal Sawantwadi Vengurla Malvan Devgad Vaibhavwadi Dodamarg Oros",
    "Mumbai": "Colaba Dongri Nagpada Tardeo Byculla Worli Dadar Dharavi Bandra Andheri Versova "
    "Malad Borivali Kurla Ghatkopar Mulund Chembur Govandi Sakinaka Powai Sahar Airport",
    "Thane City": "Naupada Kapurbawdi Kasarvadavali Kalwa Mumbra Bazarpeth Kolsewadi "
    "Khadakpada Manpada Vishnunagar Narpoli Nizampura Ambernath",
    "Navi Mumbai": "Vashi Sanpada Nerul Kharghar Kamothe Kalamboli Taloja Turbhe Rabale Uran",
    "Mira-Bhayandar, Vasai-Virar": "Kashimira Navghar Bhayandar Vasai Manikpur Nalasopara "
    "Tulinj Achole Virar",
}


def test_indian_states_and_neighbours() -> None:
    indian = states(country="IN")
    assert len(indian) == 36  # 28 states and 8 union territories
    assert len([s for s in indian if s.kind == "union_territory"]) == 8
    for code, name in [("MH", "Maharashtra"), ("WB", "West Bengal"), ("JH", "Jharkhand"),
                       ("BR", "Bihar"), ("OD", "Odisha"), ("AS", "Assam"), ("KA", "Karnataka"),
                       ("GJ", "Gujarat"), ("DL", "Delhi")]:  # fmt: skip
        assert state(code).name == name
    assert state("NP").country == "NP" and state("Bangladesh").kind == "country"


def test_codes_are_unique_and_well_formed() -> None:
    state_codes = [s.code for s in states()]
    district_codes = [d.code for d in districts()]
    unit_codes = [u.code for u in units()]
    assert len(state_codes) == len(set(state_codes))
    assert all(len(c) == 2 and c.isupper() for c in state_codes)
    assert len(district_codes) == len(set(district_codes))
    assert len(unit_codes) == len(set(unit_codes))
    assert not set(unit_codes) & set(district_codes)
    for u in units():
        assert u.code.startswith(u.district + "-"), u


def test_every_unit_belongs_to_a_known_district() -> None:
    codes = {d.code for d in districts()}
    for u in units():
        assert u.district in codes
        assert u.kind in UNIT_KINDS
    for d in districts():
        assert d.kind in DISTRICT_KINDS
        assert state(d.state).code == "MH"


@pytest.mark.parametrize("name", KONKAN + COMMISSIONERATES)
def test_each_district_has_stations_an_ahtu_and_a_cyber_unit(name: str) -> None:
    d = district(name)
    assert d.kind == ("district" if name in KONKAN else "commissionerate")
    assert d.range == ("Mumbai" if name == "Mumbai" else "Konkan")
    assert len(units("ahtu", d.code)) == 1
    assert units("cyber_cell", d.code)
    assert len(units("police_station", d.code)) >= 8


@pytest.mark.parametrize(
    ("district_name", "station"),
    [(d, s) for d, names in STATIONS.items() for s in names.split()],
)
def test_known_stations_are_listed(district_name: str, station: str) -> None:
    found = unit(station, district=district_name)
    assert found.kind == "police_station"
    assert found.district == district(district_name).code


def test_mumbai_cyber_police_stations_and_state_units() -> None:
    mumbai_cyber = {u.name for u in units("cyber_cell", "Mumbai")}
    assert mumbai_cyber == {f"Cyber Police Station {r}" for r in
                            ("East", "West", "North", "South", "Central")}  # fmt: skip
    assert unit("Maharashtra Cyber").kind == "cyber_cell"
    assert unit("TRACE").district == "MH-HQ"


def test_resource_centre_is_in_thane_rural() -> None:
    (centre,) = units("resource_centre")
    assert centre.district == district("Thane Rural").code
