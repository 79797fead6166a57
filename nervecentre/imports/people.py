"""Parses person-list cells: ``NAME [@ ALIAS]... [(SEX[/AGE])] [[ROLES]] [- IDENTIFIERS]``.

The grammar is documented in docs/register-format.md. Identifiers in a cell are typed by
the shared value-type registry, so a phone written five ways is one phone everywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from nervecentre.cases import vocab
from nervecentre.errors import InvalidValue
from nervecentre.types import KINDS, Value, detect, normalise
from nervecentre.types.text import check_text

_ENTRY_SPLIT = re.compile(r"[;\n]+")
_ROLES = re.compile(r"\[([^\]]*)\]")
_DEMOGRAPHICS = re.compile(r"\(([^()]*)\)\s*$")
_NOT_IN_NAMES = re.compile(r"[<>{}|\\]")
_NOT_ALNUM = re.compile(r"[\W_]+")
_SEX = {
    "m": "male", "male": "male", "f": "female", "female": "female",
    "t": "transgender", "tg": "transgender", "transgender": "transgender", "trans": "transgender",
    "u": "unknown", "unknown": "unknown", "?": "unknown",
}  # fmt: skip
_SOCIAL_PREFIXES = ("instagram", "facebook", "telegram", "whatsapp", "twitter", "x", "snapchat")
_CHAIN_PREFIXES = {"btc": "BTC", "eth": "ETH", "xmr": "XMR", "trx": "TRX", "ltc": "LTC"}
MAX_NAME = 120


@dataclass(slots=True)
class ParsedPerson:
    """One entry of a person list."""

    name: str
    aliases: list[str] = field(default_factory=list)
    gender: str = "unknown"
    age: int | None = None
    age_band: str = "unknown"
    roles: list[str] = field(default_factory=list)
    identifiers: list[tuple[Value, str]] = field(default_factory=list)


def clean_name(text: str) -> str:
    """Collapse spaces and strip stray punctuation around a name."""
    name = check_text(" ".join(text.split()).strip(" ,.-:"), "name", lines=False, kind="name")
    if len(name) > MAX_NAME:
        raise InvalidValue(f"name is longer than {MAX_NAME} characters", kind="name", value=text)
    if _NOT_IN_NAMES.search(name):
        raise InvalidValue(f"name {name!r} contains characters names do not have", kind="name")
    return name


@lru_cache(maxsize=131072)
def parse_identifier(raw: str) -> Value:
    """Type one identifier: ``kind:value`` when prefixed, otherwise detected."""
    text = raw.strip()
    prefix, sep, rest = text.partition(":")
    key = prefix.strip().casefold()
    if sep and not rest.startswith("//"):
        if key in KINDS:
            return normalise(key, rest.strip())
        if key in _SOCIAL_PREFIXES:
            return normalise("social", rest.strip(), platform=key)
        if key in _CHAIN_PREFIXES:
            return normalise("crypto", rest.strip(), chain=_CHAIN_PREFIXES[key])
    return detect(text)


def _demographics(text: str, person: ParsedPerson) -> None:
    sex, _, age = (part.strip().casefold() for part in text.partition("/"))
    if sex:
        if sex not in _SEX:
            raise InvalidValue(f"sex {sex!r} should be M, F or T", kind="sex", value=sex)
        person.gender = _SEX[sex]
    if not age:
        return
    if age in ("minor", "adult"):
        person.age_band = age
        return
    if not age.isdigit() or not 0 <= int(age) <= 120:
        raise InvalidValue(f"age {age!r} is not a number of years (0-120), 'minor' or 'adult'")
    person.age = int(age)
    person.age_band = "minor" if person.age < 18 else "adult"


def parse_person(entry: str) -> ParsedPerson:
    """Parse one entry; raises InvalidValue naming what is wrong."""
    left, sep, idents = entry.partition(" - ")
    roles: list[str] = []
    if "[" in left:  # the regular expressions only when there is something to find
        for group in _ROLES.findall(left):
            roles += [
                vocab.check("accused_role", r.strip().casefold())
                for r in group.split(",")
                if r.strip()
            ]
        left = _ROLES.sub(" ", left)
    person = ParsedPerson(name="", roles=roles)
    demo = _DEMOGRAPHICS.search(left) if ")" in left else None
    if demo:
        _demographics(demo.group(1), person)
        left = left[: demo.start()]
    names = [clean_name(part) for part in left.split("@")]
    if not names[0]:
        raise InvalidValue(f"no name in {entry.strip()!r}", kind="name", value=entry)
    person.name, person.aliases = names[0], [a for a in names[1:] if a]
    if sep:
        for raw in idents.split(","):
            if raw.strip():
                person.identifiers.append((parse_identifier(raw.strip()), raw.strip()))
    return person


def parse_people(cell: str) -> list[ParsedPerson]:
    """Parse a whole person-list cell (entries separated by ';' or new lines)."""
    return [parse_person(e) for e in _ENTRY_SPLIT.split(cell) if e.strip()]


def name_key(name: str) -> str:
    """A loose key to recognise the same name within one row (case, dots and spaces ignored)."""
    # \W is exactly "not str.isalnum()" plus the underscore, which isalnum() also refuses.
    return _NOT_ALNUM.sub("", name.casefold())
