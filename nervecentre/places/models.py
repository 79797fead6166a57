"""The value types of the places package: states, districts (police units of a region), units."""

from __future__ import annotations

from dataclasses import dataclass

#: Kinds of police unit. Stations register FIRs; AHTUs and cyber cells investigate
#: across a district; the resource centre is the IJM-supported nerve centre itself.
UNIT_KINDS: tuple[str, ...] = ("police_station", "ahtu", "cyber_cell", "resource_centre")
#: Kinds of district: under a Superintendent of Police, a Commissioner, or state-level.
DISTRICT_KINDS: tuple[str, ...] = ("district", "commissionerate", "state")
#: Kinds of state: Indian states, union territories, and neighbouring countries.
STATE_KINDS: tuple[str, ...] = ("state", "union_territory", "country")


@dataclass(frozen=True, slots=True)
class State:
    """A state or union territory of India, or a neighbouring country (its own 'state')."""

    code: str
    name: str
    country: str = "IN"
    kind: str = "state"


@dataclass(frozen=True, slots=True)
class District:
    """A police district or commissionerate, e.g. Thane Rural (MH-THR) in the Konkan range."""

    code: str
    name: str
    state: str
    range: str
    kind: str


@dataclass(frozen=True, slots=True)
class Unit:
    """A police unit: a police station, an AHTU, a cyber cell or the resource centre."""

    code: str
    name: str
    kind: str
    district: str
