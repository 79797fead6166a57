"""Places: Indian states, and the police districts and units of the Konkan region and Mumbai.

The data is declarative (``data/states.yaml``, ``data/maharashtra.yaml``); this package
loads it once and answers tolerant lookups by code or by name as registers write it.
"""

from nervecentre.places.lookup import district, districts, state, states, unit, units
from nervecentre.places.models import (
    DISTRICT_KINDS,
    STATE_KINDS,
    UNIT_KINDS,
    District,
    State,
    Unit,
)
from nervecentre.places.normalise import normalise_place

__all__ = [
    "DISTRICT_KINDS",
    "STATE_KINDS",
    "UNIT_KINDS",
    "District",
    "State",
    "Unit",
    "district",
    "districts",
    "normalise_place",
    "state",
    "states",
    "unit",
    "units",
]
