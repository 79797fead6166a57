"""Comparing two person records, feature by feature, into agreement levels.

Each feature of a pair gets a small integer level (higher agrees more) or ``NULL`` when one
side does not say. The model (:mod:`nervecentre.resolve.model`) turns levels into weights;
this module knows only what agreement means for Indian names and records.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz.distance import JaroWinkler

from nervecentre.resolve.names import ParsedName
from nervecentre.resolve.records import PersonRecord

NULL = -1


@dataclass(frozen=True, slots=True)
class Feature:
    """One compared feature: its name and the words for each level, lowest first."""

    name: str
    levels: tuple[str, ...]


FEATURES = (
    Feature(
        "name",
        (
            "different names",
            "a word in common, other words conflict",
            "one word (or a nickname) in common",
            "similar spelling",
            "a word and initials that fit",
            "same words, one side has more",
            "same name, spelling variant",
            "same name",
        ),
    ),
    Feature("father", ("different father's name", "similar father's name", "same father's name")),
    Feature("phone", ("different phones", "a phone in common")),
    Feature("email", ("different e-mails", "an e-mail in common")),
    Feature(
        "birth",
        (
            "born more than 10 years apart",
            "born 6-10 years apart",
            "born 3-5 years apart",
            "born within 2 years",
            "same birth year or date",
        ),
    ),
    Feature("gender", ("different gender", "same gender")),
    Feature("place", ("different state", "same state, other district", "same district")),
    Feature("address", ("different address", "similar address", "same address")),
)
FEATURE_INDEX = {f.name: i for i, f in enumerate(FEATURES)}
NAME_EXACT, NAME_VARIANT, NAME_FITS, NAME_INITIALS = 7, 6, 5, 4


def _token_match(a: ParsedName, i: int, b: ParsedName, j: int) -> bool:
    return a.keys[i] == b.keys[j] or a.skeletons[i] == b.skeletons[j]


def _initials_fit(initials: tuple[str, ...], pool: list[str]) -> bool:
    """Each initial is the first letter of a distinct word (or initial) left in ``pool``."""
    left = list(pool)
    for initial in initials:
        hit = next((w for w in left if w[:1] == initial), None)
        if hit is None:
            return False
        left.remove(hit)
    return True


def _fits(short: ParsedName, long: ParsedName) -> bool:
    """Every word of ``short`` is in ``long`` and its initials fit the words left over."""
    left = list(range(len(long.tokens)))
    for i in range(len(short.tokens)):
        hit = next((j for j in left if _token_match(short, i, long, j)), None)
        if hit is None:
            return False
        left.remove(hit)
    return _initials_fit(short.initials, [long.tokens[j] for j in left] + list(long.initials))


_LEVELS: dict[tuple[int, int], int] = {}
_MAX_CACHED = 2_000_000


def name_level(a: ParsedName, b: ParsedName) -> int:
    """How far two written names agree, 0 (different) to 7 (the same words)."""
    key = (a.uid, b.uid) if a.uid <= b.uid else (b.uid, a.uid)
    level = _LEVELS.get(key)
    if level is None:
        # The cache holds one level per unordered pair: the level is symmetric
        # (_name_level reads both orders), so which name came first cannot change it.
        level = _name_level(a, b)
        if len(_LEVELS) >= _MAX_CACHED:
            _LEVELS.clear()
        _LEVELS[key] = level
    return level


def _parts(name: ParsedName) -> int:
    return len(name.tokens) + len(name.initials)


def _name_level(a: ParsedName, b: ParsedName) -> int:
    """The level of two names; symmetric: every rule reads both orders (or neither)."""
    if not a.tokens or not b.tokens:
        return 0
    same_initials = a.sorted_initials == b.sorted_initials
    if a.sorted_tokens == b.sorted_tokens and same_initials:
        return 2 if _parts(a) < 2 else NAME_EXACT
    if a.sorted_keys == b.sorted_keys and same_initials:
        return 2 if _parts(a) < 2 else NAME_VARIANT
    # A lone word ("Raju", a nickname) fits thousands of people.
    single = min(_parts(a), _parts(b)) < 2
    # One name fits in the other: the one with fewer words (either, when as many).
    orders = [(x, y) for x, y in ((a, b), (b, a)) if len(x.tokens) <= len(y.tokens)]
    for short, long in orders:
        if _fits(short, long):
            if single:
                return 2
            return NAME_FITS if len(short.tokens) >= 2 else NAME_INITIALS
    if len(a.tokens) == len(b.tokens) and len(a.tokens) >= 2:
        sims = [[JaroWinkler.similarity(x, y) for y in b.keys] for x in a.keys]
        forward = [max(row) for row in sims]
        backward = [max(column) for column in zip(*sims, strict=True)]
        for best in (forward, backward):
            if min(best) >= 0.84 and sum(best) / len(best) >= 0.9:
                return 3
    if any(_token_match(a, i, b, j) for i in range(len(a.tokens)) for j in range(len(b.tokens))):
        return 2 if single else 1
    return 0


def best_name_level(a: PersonRecord, b: PersonRecord) -> tuple[int, ParsedName, ParsedName]:
    """The best agreement between any written name (or alias) of ``a`` and of ``b``."""
    best = (-1, a.names[0], b.names[0])
    for x in a.names:
        for y in b.names:
            level = name_level(x, y)
            if level > best[0]:
                best = (level, x, y)
                if level == NAME_EXACT:
                    return best
    return best


def _father_level(a: ParsedName | None, b: ParsedName | None) -> int:
    if a is None or b is None:
        return NULL
    level = name_level(a, b)
    if level >= NAME_INITIALS:
        return 2
    return 1 if level in (2, 3) else 0


def _birth_level(a: PersonRecord, b: PersonRecord) -> int:
    if a.dob is not None and b.dob is not None:
        gap = abs(a.dob.year - b.dob.year)
        if a.dob == b.dob:
            return 4
    elif a.birth_year is None or b.birth_year is None:
        return NULL
    else:
        gap = abs(a.birth_year - b.birth_year)
    return 4 if gap == 0 else 3 if gap <= 2 else 2 if gap <= 5 else 1 if gap <= 10 else 0


def _shared(a: frozenset[str], b: frozenset[str]) -> int:
    if not a or not b:
        return NULL
    return 1 if a & b else 0


def _place_level(a: PersonRecord, b: PersonRecord) -> int:
    if a.district and b.district:
        if a.district == b.district:
            return 2
        if a.state and a.state == b.state:
            return 1
        return 0 if a.state and b.state else 1
    if a.state and b.state:
        return 1 if a.state == b.state else 0
    return NULL


def _address_level(a: frozenset[str], b: frozenset[str]) -> int:
    if not a or not b:
        return NULL
    overlap = len(a & b) / len(a | b)
    return 2 if overlap >= 0.6 else 1 if overlap >= 0.25 else 0


def compare(a: PersonRecord, b: PersonRecord) -> tuple[int, ...]:
    """The level of every feature for the pair ``(a, b)``, in :data:`FEATURES` order."""
    return (
        best_name_level(a, b)[0],
        _father_level(a.father, b.father),
        _shared(a.phones, b.phones),
        _shared(a.emails, b.emails),
        _birth_level(a, b),
        NULL if not a.gender or not b.gender else int(a.gender == b.gender),
        _place_level(a, b),
        _address_level(a.address, b.address),
    )
