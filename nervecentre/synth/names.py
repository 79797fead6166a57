"""Name pools per community, and true names made from them.

Faker (``en_IN``, seeded) is slow per call, so it is asked once for a few hundred names
that join the 'general' pool; every name after that is drawn with the generator's own RNG.
"""

from __future__ import annotations

import random
from typing import NamedTuple

from faker import Faker

from nervecentre.synth import _data
from nervecentre.synth._data import Community
from nervecentre.synth._random import pick


class Name(NamedTuple):
    """A person's true name in parts (any but ``given`` may be empty), and written in full."""

    prefix: str
    given: str
    middle: str
    surname: str
    full: str


def make_name(prefix: str, given: str, middle: str, surname: str) -> Name:
    """A Name with its canonical form: 'Mohammed Salim Shaikh', 'Ravi Kiran Patil'."""
    return Name(
        prefix, given, middle, surname, " ".join([p for p in (prefix, given, middle, surname) if p])
    )


def _faker_names(seed: int, counts: dict[str, int]) -> dict[str, tuple[str, ...]]:
    fake = Faker("en_IN")
    fake.seed_instance(seed)
    draws = {
        "male": fake.first_name_male,
        "female": fake.first_name_female,
        "surnames": fake.last_name,
    }
    out = {}
    for key, draw in draws.items():
        # Keep plain ASCII words: the pools feed a grammar that reserves punctuation.
        found = {n for n in (draw() for _ in range(counts.get(key, 0))) if n.isascii()}
        out[key] = tuple(sorted(n for n in found if n.isalpha() and n[0].isupper()))
    return out


class NamePools:
    """Every community's names, with the seeded Faker names added to 'general'."""

    def __init__(self, seed: int) -> None:
        data = _data.names()
        extra = _faker_names(seed, data.faker)
        self.communities: dict[str, Community] = dict(data.communities)
        general = self.communities["general"]
        self.communities["general"] = Community(
            name="general",
            male=tuple(dict.fromkeys(general.male + extra["male"])),
            female=tuple(dict.fromkeys(general.female + extra["female"])),
            surnames=tuple(dict.fromkeys(general.surnames + extra["surnames"])),
            female_surnames=general.female_surnames,
            middle=general.middle,
            prefixes=general.prefixes,
            prefix_share=general.prefix_share,
        )
        self.aliases = data.aliases

    def name(self, rng: random.Random, community: str, gender: str, surname: str = "") -> Name:
        """A new true name; ``surname`` is kept when given (a relative shares it)."""
        c = self.communities[community]
        female = gender != "male"
        given = pick(rng, c.female if female else c.male)
        if not surname:
            if female and c.female_surnames and rng.random() < 0.5:
                surname = pick(rng, c.female_surnames)
            else:
                surname = pick(rng, c.surnames)
        middle = ""
        if c.middle == "father" or (c.middle == "optional" and rng.random() < 0.4):
            middle = pick(rng, c.male)
            if middle == given:
                middle = ""
        prefix = ""
        if not female and c.prefixes and rng.random() < c.prefix_share:
            prefix = pick(rng, c.prefixes)
        return make_name(prefix, given, middle, surname)

    def aliases_for(self, rng: random.Random, gender: str, count: int) -> tuple[str, ...]:
        """Up to ``count`` distinct nicknames ('Salu', 'Mausi')."""
        pool = self.aliases[gender if gender in self.aliases else "male"]
        return tuple(dict.fromkeys(pick(rng, pool) for _ in range(count)))
