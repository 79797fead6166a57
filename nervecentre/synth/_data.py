"""Loading and checking the generator's data files (``data/*.yaml``), once per process.

A malformed file fails with InputFileError naming the file and the entry, so a typo in
a name pool or a scenario is caught when the generator starts, not as a bad register.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from nervecentre import law, places
from nervecentre.cases import vocab
from nervecentre.errors import InputFileError
from nervecentre.law import SectionRef
from nervecentre.synth._random import Weighted

# Name tokens are letters with an optional trailing dot ('Md.'): nothing the register's
# person-list grammar reserves (; @ ( ) [ ] and " - ") can get into a name.
_TOKEN = re.compile(r"[A-Z][A-Za-z]*\.?")
GENDERS = ("male", "female", "transgender")
COMPLAINANTS = ("police", "ngo", "victim", "relative")


def read(name: str) -> dict[str, Any]:
    """One data file as a mapping."""
    path = resources.files("nervecentre.synth").joinpath("data", name)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputFileError(f"synthetic-data file {name} cannot be read: {exc}") from exc
    if not isinstance(data, dict):
        raise InputFileError(f"synthetic-data file {name} must be a mapping")
    return data


def _tokens(values: object, where: str) -> tuple[str, ...]:
    if not isinstance(values, list) or not values:
        raise InputFileError(f"{where}: expected a non-empty list of names")
    out = tuple(str(v) for v in values)
    bad = [v for v in out if not _TOKEN.fullmatch(v)]
    if bad:
        raise InputFileError(f"{where}: {bad[0]!r} is not a name token (letters, optional '.')")
    return out


def _weighted(values: object, where: str, known: tuple[str, ...] | None = None) -> Weighted[str]:
    if not isinstance(values, dict) or not values:
        raise InputFileError(f"{where}: expected a mapping of weights")
    unknown = [k for k in values if known is not None and k not in known]
    if unknown:
        raise InputFileError(f"{where}: unknown key {unknown[0]!r} (expected one of {known})")
    try:
        return Weighted({str(k): float(v) for k, v in values.items()})
    except (TypeError, ValueError) as exc:
        raise InputFileError(f"{where}: bad weights ({exc})") from exc


@dataclass(frozen=True)
class Community:
    """A naming tradition: given names, surnames, and how middle names and prefixes work."""

    name: str
    male: tuple[str, ...]
    female: tuple[str, ...]
    surnames: tuple[str, ...]
    female_surnames: tuple[str, ...]
    middle: str
    prefixes: tuple[str, ...]
    prefix_share: float


@dataclass(frozen=True)
class NameData:
    """Every community's pools, alias (nickname) pools, and how many Faker names to add."""

    communities: dict[str, Community]
    aliases: dict[str, tuple[str, ...]]
    faker: dict[str, int]


@cache
def names() -> NameData:
    """names.yaml, checked."""
    raw = read("names.yaml")
    communities: dict[str, Community] = {}
    for key, spec in (raw.get("communities") or {}).items():
        where = f"names.yaml: {key}"
        middle = str(spec.get("middle", "none"))
        if middle not in ("father", "none", "optional"):
            raise InputFileError(f"{where}: middle must be father, none or optional")
        prefixes = spec.get("prefixes") or {"tokens": [], "share": 0}
        communities[str(key)] = Community(
            name=str(key),
            male=_tokens(spec.get("male"), f"{where}: male"),
            female=_tokens(spec.get("female"), f"{where}: female"),
            surnames=_tokens(spec.get("surnames"), f"{where}: surnames"),
            female_surnames=(
                _tokens(spec["female_surnames"], f"{where}: female_surnames")
                if spec.get("female_surnames")
                else ()
            ),
            middle=middle,
            prefixes=tuple(_tokens(prefixes["tokens"], where)) if prefixes["tokens"] else (),
            prefix_share=float(prefixes["share"]),
        )
    if "general" not in communities:
        raise InputFileError("names.yaml: a 'general' community is required")
    aliases = {g: _tokens(v, f"names.yaml: aliases {g}") for g, v in raw["aliases"].items()}
    if set(aliases) != set(GENDERS):
        raise InputFileError(f"names.yaml: aliases needs exactly {GENDERS}")
    return NameData(communities, aliases, {k: int(v) for k, v in raw["faker"].items()})


@dataclass(frozen=True)
class VariantRules:
    """variants.yaml: how a name and its identifiers are written differently each time."""

    spelling: float
    groups: dict[str, tuple[str, ...]]
    typo: float
    typos: tuple[tuple[str, str], ...]
    transpose: float
    shapes: Weighted[str]
    initial_styles: tuple[str, ...]
    upper_case: float
    alias: float
    alias_two: float
    phone_formats: Weighted[str]
    bank_formats: Weighted[str]
    vehicle_formats: Weighted[str]
    social_formats: Weighted[str]
    crypto_prefixed: float
    upper_identifier: float


SHAPES = ("full", "drop_middle", "initials", "surname_first", "drop_prefix", "given_only_initial")


@cache
def variants() -> VariantRules:
    """variants.yaml, checked: each token belongs to one spelling group at most."""
    raw = read("variants.yaml")
    groups: dict[str, tuple[str, ...]] = {}
    for group in raw["spellings"]:
        members = _tokens(group, f"variants.yaml: spellings {group}")
        for token in members:
            if token in groups:
                raise InputFileError(f"variants.yaml: {token!r} is in two spelling groups")
            groups[token] = members
    return VariantRules(
        spelling=float(raw["spelling"]),
        groups=groups,
        typo=float(raw["typo"]),
        typos=tuple((str(t["find"]), str(t["replace"])) for t in raw["typos"]),
        transpose=float(raw["transpose"]),
        shapes=_weighted(raw["shapes"], "variants.yaml: shapes", SHAPES),
        initial_styles=tuple(str(s) for s in raw["initial_styles"]),
        upper_case=float(raw["upper_case"]),
        alias=float(raw["alias"]),
        alias_two=float(raw["alias_two"]),
        phone_formats=_weighted(raw["phone_formats"], "variants.yaml: phone_formats"),
        bank_formats=_weighted(raw["bank_formats"], "variants.yaml: bank_formats"),
        vehicle_formats=_weighted(raw["vehicle_formats"], "variants.yaml: vehicle_formats"),
        social_formats=_weighted(raw["social_formats"], "variants.yaml: social_formats"),
        crypto_prefixed=float(raw["crypto_prefixed"]),
        upper_identifier=float(raw["upper_identifier"]),
    )


def world() -> dict[str, Any]:
    """world.yaml as loaded (checked by the modules that use each part)."""
    return _world()


@cache
def _world() -> dict[str, Any]:
    raw = read("world.yaml")
    for code in raw["district_weights"]:
        places.district(str(code))
    for code in list(raw["sources"]) + list(raw["source_weights"]):
        places.state(str(code))
    stops = [s for group in raw["transits"].values() for s in group]
    for _place, state in stops + list(raw["regional_transits"]):
        places.state(str(state))
    for status in raw["status_labels"]:
        vocab.check("case_status", status)
    for bracket in raw["status_by_age"]:
        for status in bracket["weights"]:
            vocab.check("case_status", status)
    for mode in raw["info_mode_labels"]:
        vocab.check("info_mode", mode)
    return raw


@dataclass(frozen=True)
class Extra:
    """General sections added to a case with some probability, per penal code."""

    ipc: tuple[SectionRef, ...]
    bns: tuple[SectionRef, ...]
    share: float


@dataclass(frozen=True)
class Scenario:
    """One kind of case: its crime heads, people, places, times and wording."""

    name: str
    weight: float
    network: str
    organised: float
    heads: tuple[law.CrimeHead, ...]
    minor_heads: tuple[law.CrimeHead, ...]
    extra: tuple[Extra, ...]
    head_sections: dict[str, tuple[SectionRef, ...]]
    accused: tuple[int, int]
    victims: tuple[int, int]
    minors: float
    victim_gender: Weighted[str]
    info_modes: Weighted[str]
    complainant: Weighted[str]
    panch: int
    decoy: float
    place: str
    raid: bool
    route: float
    sources: tuple[str, ...]
    unit: Weighted[str]
    hours: Weighted[int]
    case_identifiers: dict[str, float]
    facts: tuple[str, ...]


def _refs(values: list[str], code: str, where: str) -> tuple[SectionRef, ...]:
    try:
        return tuple(law.parse_section(f"{code} {v}") for v in values)
    except Exception as exc:
        raise InputFileError(f"{where}: {exc}") from exc


@cache
def scenarios() -> tuple[Scenario, ...]:
    """scenarios.yaml, checked against the law, place and vocabulary data."""
    raw = read("scenarios.yaml")
    hours = {k: Weighted(list(enumerate(v))) for k, v in raw["hours"].items()}
    known_places = tuple(_world()["places"])
    out = []
    for name, s in raw["scenarios"].items():
        where = f"scenarios.yaml: {name}"
        try:
            heads = tuple(law.crime_head(c) for c in s["heads"])
            minor_heads = tuple(law.crime_head(c) for c in s["minor_heads"])
            head_sections = {
                str(h): tuple(law.parse_section(r) for r in refs)
                for h, refs in (s.get("head_sections") or {}).items()
            }
            for code in s.get("sources") or []:
                places.state(code)
        except Exception as exc:
            raise InputFileError(f"{where}: {exc}") from exc
        if s["place"] not in known_places or s["hours"] not in hours:
            raise InputFileError(f"{where}: unknown place {s['place']!r} or hours {s['hours']!r}")
        out.append(
            Scenario(
                name=str(name),
                weight=float(s["weight"]),
                network=str(s["network"]),
                organised=float(s["organised"]),
                heads=heads,
                minor_heads=minor_heads,
                extra=tuple(
                    Extra(
                        _refs(e["ipc"], "IPC", where),
                        _refs(e["bns"], "BNS", where),
                        float(e["share"]),
                    )
                    for e in s["extra"]
                ),
                head_sections=head_sections,
                accused=(int(s["accused"][0]), int(s["accused"][1])),
                victims=(int(s["victims"][0]), int(s["victims"][1])),
                minors=float(s["minors"]),
                victim_gender=_weighted(s["victim_gender"], f"{where}: victim_gender", GENDERS),
                info_modes=_weighted(
                    s["info_modes"], f"{where}: info_modes", tuple(vocab.codes("info_mode"))
                ),
                complainant=_weighted(s["complainant"], f"{where}: complainant", COMPLAINANTS),
                panch=int(s["panch"]),
                decoy=float(s["decoy"]),
                place=str(s["place"]),
                raid=bool(s["raid"]),
                route=float(s["route"]),
                sources=tuple(s.get("sources") or ()),
                unit=_weighted(
                    s["unit"], f"{where}: unit", ("police_station", "ahtu", "cyber_cell")
                ),
                hours=hours[s["hours"]],
                case_identifiers={str(k): float(v) for k, v in s["case_identifiers"].items()},
                facts=tuple(str(f) for f in s["facts"]),
            )
        )
    return tuple(out)


def roles_by_rank() -> tuple[tuple[str, ...], ...]:
    """Accused roles (HTCDS) by a member's rank in a network; the last applies to the rest."""
    raw = read("scenarios.yaml")["roles_by_rank"]
    roles = tuple(tuple(vocab.check("accused_role", r) for r in group) for group in raw)
    return roles
