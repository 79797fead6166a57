"""The hidden population: true identities grouped into networks, and the other people
(officers, NGO workers, decoys, victims) who recur across cases.

Identities are pure functions of ``(seed, index)``, rebuilt on demand and kept in a
bounded cache, so memory does not grow with the number of cases and any process can
rebuild any identity; only the network table (one small record per network) is held.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections import OrderedDict
from dataclasses import dataclass

from nervecentre import places
from nervecentre.synth import _data
from nervecentre.synth._data import Scenario
from nervecentre.synth._random import Weighted, between, pick, rng_for
from nervecentre.synth.config import SynthConfig
from nervecentre.synth.names import Name, NamePools
from nervecentre.synth.values import Ident, IdentifierMaker

BUCKETS = 64
# Identities kept built (whole networks at a time); the rest are rebuilt when needed.
CACHE_SIZE = 100_000
# Share of networks that lend one member (a broker) to another network of their kind.
BROKER_SHARE = 0.12
MINOR_AGES = (12, 13, 14, 15, 15, 16, 16, 16, 17, 17, 17)


@dataclass(slots=True)
class Identity:
    """One true person: their real name and what they use, whatever the registers write."""

    id: str
    network: str | None
    name: Name
    gender: str
    birth_year: int
    aliases: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    idents: tuple[Ident, ...] = ()

    @property
    def canonical(self) -> str:
        """The true name written in full."""
        return self.name.full


@dataclass(slots=True)
class Network:
    """A hidden group of accused who work together; members are identities offset..offset+size."""

    index: int
    id: str
    kind: str
    offset: int
    size: int
    home: str
    community: str
    start: float
    end: float
    sources: tuple[str, ...]
    shared: tuple[Ident, ...]
    brokers: tuple[int, ...] = ()


def network_kinds() -> Weighted[str]:
    """How often each kind of network occurs: the organised share of each scenario's cases."""
    weights: dict[str, float] = {}
    for s in _data.scenarios():
        weights[s.network] = weights.get(s.network, 0.0) + s.weight * s.organised
    return Weighted(weights)


class NetworkTable:
    """All networks of a dataset, and which of them operate when (a pure function of the seed)."""

    def __init__(self, config: SynthConfig, maker: IdentifierMaker) -> None:
        world = _data.world()
        rng = rng_for(config.seed, "networks")
        kinds = network_kinds()
        districts = Weighted(world["district_weights"])
        states = Weighted(world["source_weights"])
        communities = {k: Weighted(v) for k, v in world["accused_communities"].items()}
        self.networks: list[Network] = []
        offset = 0
        for j in range(config.networks):
            kind = kinds.pick(rng)
            size = 3 + int((8 if kind == "csam" else 27) * rng.random() ** 3)
            start = rng.random() * 0.92
            end = min(1.0, start + 0.12 + 0.45 * rng.random())
            sources = tuple(dict.fromkeys(states.pick(rng) for _ in range(2)))
            shared: list[Ident] = [maker.phone(rng) for _ in range(pick(rng, (0, 1, 1, 2)))]
            if rng.random() < (0.8 if kind == "sextortion" else 0.35):
                shared.append(maker.upi(rng, None))
            if kind == "sextortion" and rng.random() < 0.4:
                shared.append(maker.crypto(rng))
            self.networks.append(
                Network(
                    index=j,
                    id=f"N{j + 1:05d}",
                    kind=kind,
                    offset=offset,
                    size=size,
                    home=districts.pick(rng),
                    community=communities[kind].pick(rng),
                    start=start,
                    end=end,
                    sources=sources,
                    shared=tuple(shared),
                )
            )
            offset += size
        count = len(self.networks)
        for n in self.networks:
            if count > 1 and rng.random() < BROKER_SHARE:
                other = self.networks[int(rng.random() * count)]
                if other.index != n.index and other.kind == n.kind:
                    n.brokers = (other.offset + int(rng.random() * other.size),)
        self.size = offset
        self._offsets = [n.offset for n in self.networks]
        self._active: dict[str, list[list[int]]] = {}
        for n in self.networks:
            buckets = self._active.setdefault(n.kind, [[] for _ in range(BUCKETS)])
            for b in range(int(n.start * BUCKETS), min(BUCKETS, int(n.end * BUCKETS) + 1)):
                buckets[b].append(n.index)

    def active(self, rng: random.Random, kind: str, when: float) -> Network | None:
        """A network of ``kind`` operating at ``when`` (a fraction of the period), if any."""
        buckets = self._active.get(kind)
        if not buckets:
            return None
        bucket = buckets[min(BUCKETS - 1, int(when * BUCKETS))]
        if not bucket:
            bucket = [i for b in buckets for i in b[:1]]
        return self.networks[pick(rng, bucket)] if bucket else None

    def network_of(self, index: int) -> Network:
        """The network an identity index belongs to."""
        return self.networks[bisect_right(self._offsets, index) - 1]


class Population:
    """Network members, one-off suspects, victims, and the recurring officials of the region."""

    def __init__(
        self, config: SynthConfig, table: NetworkTable, pools: NamePools, maker: IdentifierMaker
    ) -> None:
        self.seed = config.seed
        self.base_year = config.start.year
        self.table, self.pools, self.maker = table, pools, maker
        world = _data.world()
        self.accused_communities = {k: Weighted(v) for k, v in world["accused_communities"].items()}
        self.local = Weighted(world["local_communities"])
        self.source_communities = {k: Weighted(v) for k, v in world["source_communities"].items()}
        self.ranks = Weighted(world["ranks"])
        self.roles = _data.roles_by_rank()
        self._counts = (
            int(world["officers_per_station"]),
            int(world["ngo_workers_per_district"]),
            int(world["decoys_per_district"]),
        )
        self._cache: OrderedDict[int, list[Identity]] = OrderedDict()
        self._cached = 0
        self._people: dict[str, tuple[Identity, str]] = {}

    def member(self, index: int) -> Identity:
        """The network member with this pool index (rebuilt identically after eviction)."""
        network = self.table.network_of(index)
        cache = self._cache
        members = cache.get(network.index)
        if members is None:
            members = self._members(network)
            cache[network.index] = members
            self._cached += len(members)
            while self._cached > CACHE_SIZE:
                self._cached -= len(cache.popitem(last=False)[1])
        else:
            cache.move_to_end(network.index)
        return members[index - network.offset]

    def _members(self, network: Network) -> list[Identity]:
        # One random stream per network: seeding costs more than drawing a whole member.
        rng = rng_for(self.seed, "members", network.index)
        out = []
        for rank in range(network.size):
            community = network.community
            if rng.random() < 0.3:
                community = self.accused_communities[network.kind].pick(rng)
            index = network.offset + rank
            identity = self.person(rng, f"P{index + 1:07d}", network.kind, community, rank)
            identity.network = network.id
            out.append(identity)
        return out

    def person(
        self, rng: random.Random, pid: str, kind: str, community: str, rank: int = 99
    ) -> Identity:
        """A new accused-like identity (network member or one-off), with what they use."""
        female = 0.25 if kind == "trafficking" else 0.08
        roll = rng.random()
        gender = "female" if roll < female else "transgender" if roll < female + 0.02 else "male"
        name = self.pools.name(rng, community, gender)
        m = self.maker
        rnd = rng.random
        idents: list[Ident] = [m.phone(rng)]
        if rnd() < 0.35:
            idents.append(m.phone(rng))
        if rnd() < (0.75 if kind == "sextortion" else 0.4):
            idents.append(m.upi(rng, name, idents[0][1]))
        if rnd() < (0.7 if rank <= 1 or kind == "sextortion" else 0.15):
            idents.append(m.bank(rng))
        if rnd() < (0.5 if rank == 3 else 0.08):
            idents.append(m.vehicle(rng))
        if rnd() < (0.6 if kind == "csam" else 0.15):
            idents.append(m.social(rng, name))
        if rnd() < (0.6 if kind != "trafficking" else 0.08):
            idents.append(m.email(rng, name))
        if rnd() < (0.15 if kind == "sextortion" else 0.02):
            idents.append(m.crypto(rng))
        if rnd() < 0.05:
            idents.append(m.imei(rng))
        count = pick(rng, (0, 0, 0, 1, 1, 2))
        return Identity(
            id=pid,
            network=None,
            name=name,
            gender=gender,
            birth_year=self.base_year - between(rng, 19, 55),
            aliases=self.pools.aliases_for(rng, gender, count) if count else (),
            roles=self.roles[min(rank, len(self.roles) - 1)],
            idents=tuple(idents),
        )

    def victim(self, rng: random.Random, vid: str, sc: Scenario, state: str, year: int) -> Identity:
        """A victim of a case of scenario ``sc`` whose route starts in ``state``."""
        online = sc.place == "online"
        if rng.random() < sc.minors:
            age = pick(rng, MINOR_AGES)
        else:
            age = between(rng, 20, 55) if online else between(rng, 18, 32)
        gender = sc.victim_gender.pick(rng)
        communities = self.local if online else self.source_communities[state]
        name = self.pools.name(rng, communities.pick(rng), gender)
        idents = (self.maker.phone(rng),) if rng.random() < 0.15 else ()
        return Identity(vid, None, name, gender, year - age, idents=idents)

    def marked_victim(self, case: int, slot: int, sc: Scenario, state: str, year: int) -> Identity:
        """A victim who may be trafficked again later: a pure function of case and slot."""
        rng = rng_for(self.seed, "victim", case * 64 + slot)
        return self.victim(rng, f"V{case + 1:07d}-{slot + 1}", sc, state, year)

    # -- people who recur without being accused -----------------------------------------
    def _recurring(self, key: str, ranked: bool, female: float) -> tuple[Identity, str]:
        found = self._people.get(key)
        if found is None:
            rng = rng_for(self.seed, key)
            gender = "female" if rng.random() < female else "male"
            rank = self.ranks.pick(rng) if ranked else ""
            if rank.startswith("W"):
                gender = "female"
            name = self.pools.name(rng, self.local.pick(rng), gender)
            found = (Identity(key, None, name, gender, self.base_year - between(rng, 24, 55)), rank)
            self._people[key] = found
        return found

    def officer(self, rng: random.Random, station: str) -> tuple[Identity, str]:
        """One of a station's officers, and their rank."""
        return self._recurring(f"O-{station}-{int(rng.random() * self._counts[0]) + 1}", True, 0.15)

    def ngo_worker(self, rng: random.Random, district: str) -> Identity:
        """A partner NGO's field worker in a district."""
        k = int(rng.random() * self._counts[1]) + 1
        return self._recurring(f"G-{district}-{k}", False, 0.6)[0]

    def decoy(self, rng: random.Random, district: str) -> Identity:
        """A decoy customer the district's raids use again and again."""
        k = int(rng.random() * self._counts[2]) + 1
        return self._recurring(f"D-{district}-{k}", False, 0.0)[0]


def station_towns() -> dict[str, list[places.Unit]]:
    """Police stations per district code (units of kind police_station)."""
    out: dict[str, list[places.Unit]] = {}
    for unit in places.units(kind="police_station"):
        out.setdefault(unit.district, []).append(unit)
    return out
