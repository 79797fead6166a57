"""The people of one case as a register writes them, each with the truth behind the record."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from nervecentre.cases.records import PersonRecord
from nervecentre.synth._random import between
from nervecentre.synth.networks import Identity
from nervecentre.synth.truth import TruthRow
from nervecentre.synth.values import Ident, IdentifierMaker
from nervecentre.synth.variants import NameWriter
from nervecentre.types import Value

MAX_IDENTIFIERS = 4
_NOT_ALNUM = re.compile(r"[\W_]+")


def name_key(name: str) -> str:
    """The importer's loose key for matching names within a row (arrests to accused)."""
    return _NOT_ALNUM.sub("", name.casefold())


class Cast:
    """Person records of one case, numbered per role as the importer numbers them."""

    __slots__ = ("_counts", "key", "people", "truth")

    def __init__(self, key: str) -> None:
        self.key = key
        self.people: list[PersonRecord] = []
        self.truth: list[TruthRow] = []
        self._counts: dict[str, int] = {}

    def add(
        self,
        role: str,
        identity: Identity,
        name: str,
        aliases: list[str],
        age: int | None,
        band: str,
        roles: list[str],
        identifiers: list[tuple[Value, str]],
    ) -> None:
        """Add one person record; its ref is the next index of its role (person_ref's form)."""
        index = self._counts.get(role, 0) + 1
        self._counts[role] = index
        ref = f"{self.key}#{role}-{index}"
        if age is not None:
            band = "minor" if age < 18 else "adult"
        contact = ", ".join(raw for _, raw in identifiers) if role == "victim" else ""
        self.people.append(
            PersonRecord(
                ref=ref,
                role=role,
                name=name,
                aliases=aliases,
                gender=identity.gender,
                age=age,
                age_band=band,
                contact=contact,
                accused_roles=roles,
                identifiers=identifiers,
            )
        )
        self.truth.append(TruthRow(ref, identity.id, identity.network, role, identity.canonical))

    def count(self, role: str) -> int:
        """How many records of a role so far."""
        return self._counts.get(role, 0)


class PeopleWriter:
    """Writes identities into a case: name variants, aliases, ages, roles and identifiers."""

    def __init__(self, names: NameWriter, maker: IdentifierMaker) -> None:
        self.names, self.maker = names, maker

    def identifiers(
        self, rng: random.Random, own: Sequence[Ident], shared: Sequence[Ident]
    ) -> list[tuple[Value, str]]:
        """Some of a person's identifiers (and their network's shared ones), as written."""
        rnd = rng.random
        chosen = [i for n, i in enumerate(own) if rnd() < (0.65 if n == 0 else 0.35)]
        for ident in shared:
            if rnd() < 0.25 and ident not in chosen:
                chosen.append(ident)
        if not chosen:
            return []
        maker = self.maker
        return [(maker.value(i), maker.write(rng, i)) for i in chosen[:MAX_IDENTIFIERS]]

    def accused(
        self,
        rng: random.Random,
        cast: Cast,
        identity: Identity,
        year: int,
        shared: Sequence[Ident],
        taken: set[str],
    ) -> None:
        """Add an accused, unless their written name clashes with another accused's."""
        name = self.names.write(rng, identity.name)
        key = name_key(name)
        if key in taken:
            return
        taken.add(key)
        aliases = self.names.aliases(rng, identity.aliases, name.isupper())
        roll = rng.random()
        age = year - identity.birth_year - (roll < 0.3) if roll < 0.6 else None
        band = "adult" if roll >= 0.85 else "unknown"
        roles = list(identity.roles[: between(rng, 1, 2)]) if rng.random() < 0.5 else []
        cast.add(
            "accused",
            identity,
            name,
            aliases,
            age,
            band,
            roles,
            self.identifiers(rng, identity.idents, shared),
        )

    def victim(
        self,
        rng: random.Random,
        cast: Cast,
        identity: Identity,
        year: int,
        *,
        withheld: bool,
        recurs: bool,
    ) -> None:
        """Add a victim; a minor's name is sometimes withheld ('Victim B').

        Only victims who recur get spelling variants: for the rest there is nothing to match.
        """
        age = year - identity.birth_year
        if withheld:
            name = f"Victim {chr(ord('A') + cast.count('victim'))}"
        elif recurs:
            name = self.names.write(rng, identity.name)
        else:
            name = identity.canonical.upper() if rng.random() < 0.08 else identity.canonical
        roll = rng.random()
        shown = age if roll < 0.8 else None
        band = ("minor" if age < 18 else "adult") if roll < 0.92 else "unknown"
        maker = self.maker
        idents = [(maker.value(i), maker.write(rng, i)) for i in identity.idents]
        cast.add("victim", identity, name, [], shown, band, [], idents)

    def plain(
        self,
        rng: random.Random,
        cast: Cast,
        role: str,
        identity: Identity,
        year: int,
        title: str = "",
    ) -> None:
        """Add a recurring complainant or witness (an officer's rank goes before the name)."""
        name = self.names.write(rng, identity.name)
        if title:
            name = f"{title} {name}"
        age = year - identity.birth_year if rng.random() < 0.5 else None
        cast.add(role, identity, name, [], age, "unknown", [], [])

    @staticmethod
    def once(rng: random.Random, cast: Cast, role: str, identity: Identity, year: int) -> None:
        """Add someone who appears in one case only (a panch witness, a parent): as named."""
        name = identity.canonical.upper() if rng.random() < 0.08 else identity.canonical
        age = year - identity.birth_year if rng.random() < 0.7 else None
        cast.add(role, identity, name, [], age, "unknown", [], [])
