"""Building a case from its plan: people, charges, times, places, events and wording.

A builder draws from the random stream it is handed (one per block of cases, see
:mod:`nervecentre.synth.stream`) and from pure functions of the seed, so a case comes
out the same whichever process builds it.
"""

from __future__ import annotations

import random

from nervecentre import law, places
from nervecentre.cases.records import CaseRecord, ChargeRecord, EventRecord, RouteStopRecord
from nervecentre.synth import _data
from nervecentre.synth._data import Scenario
from nervecentre.synth._random import Weighted, between, pick
from nervecentre.synth.config import SynthConfig
from nervecentre.synth.names import NamePools
from nervecentre.synth.networks import Identity, Network, NetworkTable, Population
from nervecentre.synth.people import Cast, PeopleWriter
from nervecentre.synth.plan import CasePlan
from nervecentre.synth.timeline import Lifecycle, Timeline, make_timeline
from nervecentre.synth.truth import TruthRow
from nervecentre.synth.values import Ident, IdentifierMaker
from nervecentre.synth.variants import NameWriter
from nervecentre.types import Value

_LAW_ORDER = {code: i for i, code in enumerate(("IPC", "BNS", "ITPA", "POCSO", "ITA"))}
_NUMBERS = ("one", "two", "three", "four", "five", "six", "seven", "eight")
WITHHELD_MINOR_NAMES = 0.15


def _count(n: int, one: str, many: str) -> str:
    return f"{_NUMBERS[n - 1] if 0 < n <= len(_NUMBERS) else n} {one if n == 1 else many}"


class CaseBuilder:
    """Builds cases of one dataset from their plans."""

    def __init__(self, config: SynthConfig) -> None:
        self.config = config
        self.pools = NamePools(config.seed)
        self.names = NameWriter()
        self.maker = IdentifierMaker()
        self.table = NetworkTable(config, self.maker)
        self.population = Population(config, self.table, self.pools, self.maker)
        self.people = PeopleWriter(self.names, self.maker)
        self.lifecycle = Lifecycle(config.end)
        self.scenarios = _data.scenarios()
        self.world = _data.world()
        self.units = {u.code: u for u in places.units()}
        self.states = {s.code: s for s in places.states()}
        self.io_ranks = Weighted(self.world["io_ranks"])
        self._charges: dict[tuple[int, ...], list[law.SectionRef]] = {}

    def build(self, plan: CasePlan, rng: random.Random) -> tuple[CaseRecord, list[TruthRow]]:
        """The case of ``plan`` and the truth rows of its people."""
        sc = self.scenarios[plan.scenario]
        network = self.table.networks[plan.network] if plan.network >= 0 else None
        year = plan.day.year
        station = self.units[plan.station]
        town = station.name
        online = sc.place == "online"
        t = make_timeline(
            rng,
            plan.day,
            sc.hours.pick(rng),
            raid=sc.raid,
            online=online,
            remote_info=online and rng.random() < 0.6,
        )
        cast = Cast(plan.key)
        # People in register order (accused, victims, complainant, witnesses): refs and
        # truth rows then come out in the order the importer reads them.
        self._accused(rng, plan, sc, cast, network, year)
        victims = self._victims(rng, plan, sc, cast, year)
        minors = any(p.age_band == "minor" for p in cast.people if p.role == "victim")
        self._complainant(rng, sc, cast, plan, victims, year)
        self._witnesses(rng, sc, cast, plan, year)
        status = self.lifecycle.status(rng, t.fir_at)
        heads = list(sc.heads) + (list(sc.minor_heads) if minors else [])
        record = CaseRecord(
            fir_number=str(plan.number),
            fir_year=year,
            police_station_code=plan.station,
            district_code=plan.district,
            unit_code=plan.unit,
            fir_at=t.fir_at,
            status=status,
            info_received_at=t.info_at,
            info_mode=sc.info_modes.pick(rng),
            occurred_from=t.occurred_from,
            occurred_to=t.occurred_to,
            occurrence_place=self._place(rng, sc.place, town),
            crime_heads=list(dict.fromkeys(h.code for h in heads)),
            investigating_officer=self._officer_text(rng, plan.station),
            charges=[
                ChargeRecord(ref=ref, stage="fir") for ref in self._sections(rng, sc, heads, t)
            ],
            people=cast.people,
            route=self._route(rng, sc, plan.state, town) if victims else [],
            identifiers=self._case_identifiers(rng, sc, network, town),
            related_keys=[plan.related] if plan.related else [],
        )
        record.events = self._events(rng, t, status, record, bool(victims))
        record.brief_facts = self._facts(rng, sc, record, plan.state, town)
        return record, cast.truth

    # -- people ---------------------------------------------------------------------------
    def _victims(
        self, rng: random.Random, plan: CasePlan, sc: Scenario, cast: Cast, year: int
    ) -> list[Identity]:
        pop = self.population
        again = {a.slot: a for a in plan.again}
        out: list[Identity] = []
        for slot in range(plan.victims):
            earlier = again.get(slot)
            if earlier is not None:
                identity = pop.marked_victim(
                    earlier.case,
                    earlier.case_slot,
                    self.scenarios[earlier.scenario],
                    earlier.state,
                    earlier.year,
                )
            elif slot in plan.marked:
                identity = pop.marked_victim(plan.position, slot, sc, plan.state, year)
            else:
                vid = f"V{plan.position + 1:07d}-{slot + 1}"
                identity = pop.victim(rng, vid, sc, plan.state, year)
            withheld = year - identity.birth_year < 18 and rng.random() < WITHHELD_MINOR_NAMES
            recurs = earlier is not None or slot in plan.marked
            self.people.victim(rng, cast, identity, year, withheld=withheld, recurs=recurs)
            out.append(identity)
        return out

    def _accused(
        self,
        rng: random.Random,
        plan: CasePlan,
        sc: Scenario,
        cast: Cast,
        network: Network | None,
        year: int,
    ) -> None:
        pop = self.population
        wanted = between(rng, *sc.accused)
        chosen: dict[str, Identity] = {}
        shared: tuple[Ident, ...] = ()
        if network is not None:
            shared = network.shared
            for _ in range(wanted):
                # Low ranks (the core) are drawn far more often than the periphery.
                member = pop.member(network.offset + int(network.size * rng.random() ** 1.6))
                chosen.setdefault(member.id, member)
            if network.brokers and rng.random() < 0.25:
                broker = pop.member(network.brokers[0])
                chosen.setdefault(broker.id, broker)
            extra = 1 if rng.random() < 0.2 else 0
        else:
            extra = wanted
        for k in range(extra):
            community = pop.accused_communities[sc.network].pick(rng)
            person = pop.person(rng, f"S{plan.position + 1:07d}-A{k + 1}", sc.network, community)
            chosen[person.id] = person
        taken: set[str] = set()
        for identity in chosen.values():
            self.people.accused(rng, cast, identity, year, shared, taken)

    def _complainant(
        self,
        rng: random.Random,
        sc: Scenario,
        cast: Cast,
        plan: CasePlan,
        victims: list[Identity],
        year: int,
    ) -> None:
        kind = sc.complainant.pick(rng)
        pop = self.population
        if kind == "police":
            officer, rank = pop.officer(rng, plan.station)
            self.people.plain(rng, cast, "complainant", officer, year, title=rank)
        elif kind == "ngo":
            self.people.plain(rng, cast, "complainant", pop.ngo_worker(rng, plan.district), year)
        elif kind == "victim" and victims:
            self.people.plain(rng, cast, "complainant", victims[0], year)
        else:
            first = victims[0] if victims else None
            gender = "female" if rng.random() < 0.5 else "male"
            name = pop.pools.name(
                rng, pop.local.pick(rng), gender, first.name.surname if first else ""
            )
            relative = Identity(
                f"S{plan.position + 1:07d}-C1", None, name, gender, year - between(rng, 32, 60)
            )
            self.people.once(rng, cast, "complainant", relative, year)

    def _witnesses(
        self, rng: random.Random, sc: Scenario, cast: Cast, plan: CasePlan, year: int
    ) -> None:
        pop = self.population
        for k in range(between(rng, 0, sc.panch)):
            name = pop.pools.name(rng, pop.local.pick(rng), "male")
            panch = Identity(
                f"S{plan.position + 1:07d}-W{k + 1}",
                None,
                name,
                "male",
                year - between(rng, 22, 60),
            )
            self.people.once(rng, cast, "witness", panch, year)
        if sc.decoy and rng.random() < sc.decoy:
            self.people.plain(rng, cast, "witness", pop.decoy(rng, plan.district), year)

    def _officer_text(self, rng: random.Random, station: str) -> str:
        officer, _ = self.population.officer(rng, station)
        return f"{self.io_ranks.pick(rng)} {self.names.write(rng, officer.name)}"

    # -- charges, places, events ----------------------------------------------------------
    def _sections(
        self, rng: random.Random, sc: Scenario, heads: list[law.CrimeHead], t: Timeline
    ) -> list[law.SectionRef]:
        # The code in force on the date of the offence decides IPC or BNS, not the FIR date.
        ipc = law.penal_code_for(t.occurred_from.date()) == "IPC"
        refs: list[law.SectionRef] = []
        for head in heads:
            refs += head.ipc_sections if ipc else head.bns_sections
            listed = sc.head_sections.get(head.code)
            special = listed or head.special_sections
            if listed:
                refs += [s for j, s in enumerate(special) if j < 2 or rng.random() < 0.5]
            elif len(special) > 3:
                first = int(rng.random() * len(special))
                refs += [s for j, s in enumerate(special) if j == first or rng.random() < 0.15]
            else:
                refs += special
        for extra in sc.extra:
            if rng.random() < extra.share:
                refs += extra.ipc if ipc else extra.bns
        # The refs are the law data's own long-lived objects, so their ids are a safe key.
        key = tuple(map(id, refs))
        found = self._charges.get(key)
        if found is None:
            found = self._charges[key] = sorted(
                dict.fromkeys(refs), key=lambda r: _LAW_ORDER.get(r.law, 9)
            )
        return found

    def _place(self, rng: random.Random, kind: str, town: str) -> str:
        w = self.world
        return str(pick(rng, w["places"][kind])).format(
            town=town,
            n=between(rng, 1, 60),
            bldg=pick(rng, w["buildings"]),
            hotel=pick(rng, w["hotels"]),
        )

    def _route(
        self, rng: random.Random, sc: Scenario, state: str, town: str
    ) -> list[RouteStopRecord]:
        if rng.random() >= sc.route:
            return []
        w = self.world
        stops: list[tuple[str, str]] = [(str(pick(rng, w["sources"][state])), state)]
        for _ in range(pick(rng, (0, 1, 1, 2))):
            place, code = pick(rng, w["transits"][state])
            stops.append((str(place), str(code)))
        if rng.random() < 0.4:
            place, code = pick(rng, w["regional_transits"])
            stops.append((str(place), str(code)))
        stops.append((town, "MH"))
        route: list[RouteStopRecord] = []
        for place, code in stops:
            if not route or route[-1].place != place:
                country = self.states[code].country
                route.append(
                    RouteStopRecord(stage="transit", place=place, state=code, country=country)
                )
        route[0].stage, route[-1].stage = "source", "destination"
        return route

    def _case_identifiers(
        self, rng: random.Random, sc: Scenario, network: Network | None, town: str
    ) -> list[tuple[Value, str]]:
        m = self.maker
        shared = network.shared if network is not None else ()
        found: list[Ident] = []
        for what, share in sc.case_identifiers.items():
            if rng.random() >= share:
                continue
            if what == "network_phone":
                found += [i for i in shared if i[0] == "phone"][:1]
            elif what == "network_upi":
                found += [i for i in shared if i[0] == "upi"][:1] or [m.upi(rng, None)]
            elif what == "crypto":
                found += [i for i in shared if i[0] == "crypto"][:1] or [m.crypto(rng)]
            elif what == "ad_url":
                found.append(m.url(rng, town))
            elif what == "url":
                found.append(m.url(rng, onion=rng.random() < 0.3))
            elif what == "ip":
                found.append(m.ip(rng))
            elif what == "email":
                found.append(m.email(rng, None))
            elif what == "social":
                found.append(m.social(rng, None))
        return [(m.value(i), m.write(rng, i)) for i in dict.fromkeys(found)]

    def _events(
        self, rng: random.Random, t: Timeline, status: str, record: CaseRecord, victims: bool
    ) -> list[EventRecord]:
        events: list[EventRecord] = []
        life = self.lifecycle
        for person in record.people:
            if person.role == "accused":
                at = life.arrest(rng, t, status)
                if at is not None:
                    events.append(
                        EventRecord(
                            kind="arrest", at=at, description="Arrested", person_refs=[person.ref]
                        )
                    )
        if victims:
            at = life.rescue(rng, t)
            if at is not None:
                refs = [p.ref for p in record.people if p.role == "victim"]
                events.append(
                    EventRecord(
                        kind="rescue",
                        at=at,
                        place=record.occurrence_place,
                        description=f"{len(refs)} rescued",
                        person_refs=refs,
                    )
                )
        hearing, verdict = life.court(rng, t, status)
        if hearing is not None:
            events.append(EventRecord(kind="hearing", at=hearing, description="Court hearing"))
        if verdict is not None:
            events.append(EventRecord(kind="verdict", at=verdict, description="Verdict"))
        return events

    def _facts(
        self, rng: random.Random, sc: Scenario, record: CaseRecord, state: str, town: str
    ) -> str:
        victims = accused = minors = 0
        for p in record.people:
            if p.role == "victim":
                victims += 1
                minors += p.age_band == "minor"
            elif p.role == "accused":
                accused += 1
        what = "minor girls" if minors == victims and minors else "women"
        transit = next((s.place for s in record.route if s.stage == "transit"), "Mumbai")
        return pick(rng, sc.facts).format(
            place=record.occurrence_place,
            nv=_count(victims, what[:-1], what),
            nv_short="the minor victim" if minors else "the victim",
            na=_count(accused, "accused", "accused"),
            ngo=pick(rng, self.world["ngos"]),
            source=self.states[state].name,
            dest=town,
            transit=transit,
        )
