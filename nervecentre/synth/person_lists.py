"""Person lists for judging entity resolution: the same people written many ways, and
different people who look alike, with the truth kept beside them.

Each true person appears in one to six records, as different units would write them:
spelling groups, slips and name shapes from ``data/variants.yaml``, plus noise that those
rules do not know (vowel length, dropped aspiration, Devanagari script, nicknames written
"X @ Y"), ages recorded in different years, phones in any format, numbers changed. The hard
negatives are as deliberate as the matches: namesakes in one district, brothers and sisters
who share a surname, a father's name, an address and the household phone, strangers on one
burner phone, and a father and son whose names differ by a word.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from pathlib import Path

from indic_transliteration import sanscript

from nervecentre import places
from nervecentre.resolve.records import COLUMNS
from nervecentre.synth._random import between, pick, rng_for
from nervecentre.synth.names import Name, NamePools, make_name
from nervecentre.synth.variants import NameWriter

_COMMUNITIES = ("marathi", "muslim", "north_indian", "bengali", "gujarati", "south_indian")
_LOCALITIES = (
    "Gandhi Nagar",
    "Station Road",
    "Shivaji Chowk",
    "Kranti Nagar",
    "Azad Nagar",
    "Bhim Nagar",
    "Old Bazaar",
    "Ram Wadi",
    "Sai Colony",
    "Nehru Chawl",
)
_NOISE = (
    ("ee", "i"),
    ("i", "ee"),
    ("oo", "u"),
    ("u", "oo"),
    ("aa", "a"),
    ("sh", "s"),
    ("th", "t"),
    ("dh", "d"),
    ("bh", "b"),
    ("v", "w"),
    ("w", "v"),
    ("ksh", "x"),
)
_YEARS = range(2019, 2027)


@dataclass
class TruePerson:
    """One real (synthetic) person."""

    id: str
    name: Name
    gender: str
    birth_year: int
    father: Name
    district: str
    state: str
    address: str
    phones: list[str]
    emails: list[str] = field(default_factory=list)
    aliases: tuple[str, ...] = ()
    dob: str = ""


def _mobile(rng: random.Random) -> str:
    return str(between(rng, 6, 9)) + "".join(str(between(rng, 0, 9)) for _ in range(9))


def _write_phone(rng: random.Random, number: str) -> str:
    a, b = number[:5], number[5:]
    return pick(rng, (number, f"+91 {a} {b}", f"0{a}-{b}", f"{a} {b}", f"+91-{number}"))


def _noisy(rng: random.Random, text: str) -> str:
    """A transliteration slip the spelling rules don't list (vowel length, aspiration)."""
    for _ in range(2):
        find, replace = pick(rng, _NOISE)
        at = text.lower().find(find, 1)
        if at > 0:
            out = text[:at] + replace + text[at + len(find) :]
            return out[:1].upper() + out[1:]
    return text


def _devanagari(text: str) -> str:
    return str(sanscript.transliterate(text.lower(), sanscript.ITRANS, sanscript.DEVANAGARI))


class ListMaker:
    """Makes a person list of about ``people`` true people, deterministically from ``seed``."""

    def __init__(self, seed: int = 1) -> None:
        self.seed = seed
        self.rng = rng_for(seed, "person-list")
        self.pools = NamePools(seed)
        self.writer = NameWriter()
        self.districts = [(d.name, places.state(d.state).name) for d in places.districts()]
        self.people: list[TruePerson] = []

    def _person(
        self,
        community: str,
        *,
        gender: str = "",
        surname: str = "",
        father: Name | None = None,
        place: tuple[str, str] | None = None,
        address: str = "",
        phones: list[str] | None = None,
        birth_year: int | None = None,
    ) -> TruePerson:
        """A new true person; what is given is shared with a look-alike."""
        rng = self.rng
        gender = gender or pick(rng, ("male", "male", "female"))
        name = self.pools.name(rng, community, gender, surname)
        father = father or self.pools.name(rng, community, "male", name.surname)
        district, state = place or pick(rng, self.districts)
        address = address or f"{between(rng, 1, 400)}, {pick(rng, _LOCALITIES)}, {district}"
        phones = list(phones or [_mobile(rng) for _ in range(between(rng, 1, 2))])
        birth = min(2010, birth_year or between(rng, 1960, 2008))
        person = TruePerson(
            id=f"P{len(self.people) + 1:06d}",
            name=name,
            gender=gender,
            birth_year=birth,
            father=father,
            district=district,
            state=state,
            address=address,
            phones=phones,
            emails=[f"{name.given.lower()}{between(rng, 1, 999)}@example.in"]
            if rng.random() < 0.3
            else [],
            aliases=self.pools.aliases_for(rng, gender, 1) if rng.random() < 0.3 else (),
            dob=f"{birth}-{between(rng, 1, 12):02d}-{between(rng, 1, 28):02d}"
            if rng.random() < 0.3
            else "",
        )
        self.people.append(person)
        return person

    def population(self, people: int) -> list[TruePerson]:
        """True people with their hard-negative look-alikes (about a third of them)."""
        rng = self.rng
        while len(self.people) < people:
            community = pick(rng, _COMMUNITIES)
            base = self._person(community)
            roll = rng.random()
            if roll < 0.10:  # a namesake in the same district, another father and age
                twin = self._person(
                    community, gender=base.gender, place=(base.district, base.state)
                )
                twin.name = base.name
            elif roll < 0.20:  # a sibling: surname, father, address and household phone
                self._person(
                    community,
                    surname=base.name.surname,
                    father=base.father,
                    place=(base.district, base.state),
                    address=base.address,
                    phones=[base.phones[0]],
                    birth_year=base.birth_year + pick(rng, (-6, -4, -3, 2, 3, 5)),
                )
            elif roll < 0.25:  # a son named after his father, Maharashtrian style
                son_name = make_name(
                    "",
                    pick(rng, self.pools.communities[community].male),
                    base.name.given,
                    base.name.surname,
                )
                son = self._person(
                    community,
                    gender="male",
                    father=base.name,
                    place=(base.district, base.state),
                    address=base.address,
                    birth_year=base.birth_year + between(rng, 18, 30),
                )
                son.name = son_name
            elif roll < 0.30:  # strangers on one burner phone
                burner = _mobile(rng)
                base.phones.append(burner)
                other = self._person(pick(rng, _COMMUNITIES))
                other.phones.append(burner)
        return self.people

    def records(self, person: TruePerson, count: int) -> list[dict[str, str]]:
        """``count`` records of one person, each as a different unit would write it."""
        rng = self.rng
        rows = []
        for _ in range(count):
            name = self.writer.write(rng, person.name)
            if rng.random() < 0.15:
                name = _noisy(rng, name)
            if rng.random() < 0.05:
                name = _devanagari(name)
            aliases = ""
            if person.aliases and rng.random() < 0.6:
                if rng.random() < 0.5:
                    name = f"{name} @ {person.aliases[0]}"
                else:
                    aliases = person.aliases[0]
            year = pick(rng, _YEARS)
            phones = [p for p in person.phones if rng.random() < 0.6]
            if rng.random() < 0.1:
                phones.append(_mobile(rng))  # a new number since
            rows.append(
                {
                    "name": name,
                    "aliases": aliases,
                    "father_name": self.writer.write(rng, person.father)
                    if rng.random() < 0.5
                    else "",
                    "gender": ("" if rng.random() < 0.1 else person.gender[0].upper()),
                    "age": str(year - person.birth_year + between(rng, -1, 1))
                    if rng.random() < 0.8
                    else "",
                    "dob": person.dob if rng.random() < 0.5 else "",
                    "phones": ";".join(_write_phone(rng, p) for p in phones),
                    "emails": ";".join(person.emails) if rng.random() < 0.7 else "",
                    "address": person.address if rng.random() < 0.4 else "",
                    "district": person.district
                    if rng.random() < 0.85
                    else pick(rng, self.districts)[0],
                    "state": person.state if rng.random() < 0.7 else "",
                    "source": f"unit-{between(rng, 1, 40)}",
                }
            )
        return rows


def write_person_list(path: Path, people: int, *, seed: int = 1) -> dict[str, str]:
    """Write a file-mode CSV of about ``people`` true people; return record_id → person id."""
    maker = ListMaker(seed)
    rng = random.Random(seed)
    truth: dict[str, str] = {}
    rows: list[dict[str, str]] = []
    for person in maker.population(people):
        count = min(6, 1 + int(rng.expovariate(0.9)))
        for row in maker.records(person, count):
            rows.append(row | {"person": person.id})
    rng.shuffle(rows)
    with Path(path).open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for index, row in enumerate(rows, 1):
            record_id = f"R{index:07d}"
            truth[record_id] = row["person"]
            writer.writerow(row | {"record_id": record_id})
    return truth
