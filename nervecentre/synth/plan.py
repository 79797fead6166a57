"""Planning cases: the few choices that carry state from one case to the next.

FIR numbers count up per station and year, related FIRs point back to a network's last
case, and victims may be trafficked again years later. Those choices are made here, in
order, cheaply; everything else about a case is built from its plan (possibly in another
process) by :mod:`nervecentre.synth.cases`.
"""

from __future__ import annotations

from collections import deque
from datetime import date, timedelta
from typing import NamedTuple

from nervecentre import places
from nervecentre.cases.records import case_key
from nervecentre.synth import _data
from nervecentre.synth._random import Weighted, between, rng_for
from nervecentre.synth.config import SynthConfig
from nervecentre.synth.networks import NetworkTable, station_towns

# Share of victims who may be trafficked again, and how often a victim slot is one of them.
MARKED_SHARE = 0.05
AGAIN_SHARE = 0.03
MARKED_POOL = 5000


class Again(NamedTuple):
    """A victim slot filled by a victim of an earlier case."""

    slot: int
    case: int
    case_slot: int
    scenario: int
    state: str
    year: int


class CasePlan(NamedTuple):
    """What is fixed about the case at ``position`` (0-based) before it is built."""

    position: int
    day: date
    scenario: int
    network: int
    district: str
    station: str
    unit: str
    number: int
    state: str
    victims: int
    marked: tuple[int, ...]
    again: tuple[Again, ...]
    related: str

    @property
    def key(self) -> str:
        """The case's natural key."""
        return case_key(self.station, self.day.year, str(self.number))


class Planner:
    """Plans cases 0, 1, 2, … of a dataset in FIR-date order."""

    def __init__(self, config: SynthConfig, table: NetworkTable) -> None:
        self.config, self.table = config, table
        self.rng = rng_for(config.seed, "plan")
        self.days = (config.end - config.start).days + 1
        self.scenarios = _data.scenarios()
        self.pick_scenario = Weighted([(i, s.weight) for i, s in enumerate(self.scenarios)])
        world = _data.world()
        self.districts = Weighted(world["district_weights"])
        self.source_states = Weighted(world["source_weights"])
        station_rng = rng_for(config.seed, "stations")
        # Some stations see far more of these cases than others (highways, red-light areas).
        self.stations = {
            d: Weighted([(u.code, station_rng.paretovariate(1.5)) for u in units])
            for d, units in station_towns().items()
        }
        self.special = {
            d: {
                k: [u.code for u in places.units(kind=k, district=d)]
                for k in ("ahtu", "cyber_cell")
            }
            for d in self.stations
        }
        self.counters: dict[tuple[str, int], int] = {}
        self.last_case: dict[int, str] = {}
        self.pool: deque[tuple[int, int, int, str, int]] = deque(maxlen=MARKED_POOL)

    def plan(self, i: int) -> CasePlan:
        """The plan of case ``i``; call for i = 0, 1, 2, … in turn."""
        rng = self.rng
        rnd = rng.random
        frac = (i + rnd()) / max(1, self.config.cases)
        day = self.config.start + timedelta(days=min(self.days - 1, int(frac * self.days)))
        sc_index = self.pick_scenario.pick(rng)
        sc = self.scenarios[sc_index]
        network = self.table.active(rng, sc.network, frac) if rnd() < sc.organised else None
        district = network.home if network and rnd() < 0.75 else self.districts.pick(rng)
        station = self.stations[district].pick(rng)
        units = self.special[district].get(sc.unit.pick(rng)) or [station]
        unit = units[int(rnd() * len(units))]
        if sc.place == "online":
            state = "MH"
        elif sc.sources:
            state = sc.sources[int(rnd() * len(sc.sources))]
        elif network is not None and rnd() < 0.7:
            state = network.sources[int(rnd() * len(network.sources))]
        else:
            state = self.source_states.pick(rng)
        counter = (station, day.year)
        number = self.counters.get(counter, 0) + between(rng, 1, 30)
        self.counters[counter] = number
        # Most raids find one or two victims, a few find many: the smaller of two draws.
        victims = min(between(rng, *sc.victims), between(rng, *sc.victims))
        again: list[Again] = []
        marked: list[int] = []
        for slot in range(victims):
            if self.pool and rnd() < AGAIN_SHARE:
                at = int(rnd() * len(self.pool))
                again.append(Again(slot, *self.pool[at]))
                del self.pool[at]
            elif rnd() < MARKED_SHARE:
                marked.append(slot)
                self.pool.append((i, slot, sc_index, state, day.year))
        related = ""
        if network is not None:
            related = self.last_case.get(network.index, "") if rnd() < 0.3 else ""
            self.last_case[network.index] = case_key(station, day.year, str(number))
        return CasePlan(
            i,
            day,
            sc_index,
            network.index if network else -1,
            district,
            station,
            unit,
            number,
            state,
            victims,
            tuple(marked),
            tuple(again),
            related,
        )
