"""Listing and tolerant lookup of states, districts and police units.

Lookups accept a code ('MH-THR-SHAHAPUR') or a name as registers write it ('Shahapur
P.S.', 'PS Shahapur', 'Thane (Rural)', 'Shivaji Nagar, Mumbai'). A name that fits more
than one place is an error naming the candidates, never a guess.
"""

from __future__ import annotations

import difflib

from nervecentre.errors import InvalidValue
from nervecentre.places._data import places
from nervecentre.places.models import UNIT_KINDS, District, State, Unit
from nervecentre.places.normalise import normalise_place

MAX_NAME_CHARS = 200
# Generic names for a district's specialised units, after normalisation:
# 'Cyber Police Station' -> 'cyber', 'AHTU' -> 'ahtu'.
_KIND_WORDS = {
    "ahtu": "ahtu",
    "antihumantraffickingunit": "ahtu",
    "cyber": "cyber_cell",
    "cybercell": "cyber_cell",
    "cybercrimecell": "cyber_cell",
    "resourcecentre": "resource_centre",
    "resourcecenter": "resource_centre",
}


def _key(text: str, kind: str) -> str:
    if not isinstance(text, str):
        raise InvalidValue(
            f"expected a {kind} name, got {type(text).__name__}", kind=kind, value=text
        )
    if len(text) > MAX_NAME_CHARS:
        raise InvalidValue(
            f"{kind} name is {len(text)} characters long (at most {MAX_NAME_CHARS})",
            kind=kind,
            value=text[:MAX_NAME_CHARS],
        )
    key = normalise_place(text)
    if not key:
        raise InvalidValue(f"no {kind} name given", kind=kind, value=text)
    return key


def _suggest(key: str, index: dict[str, list[str]], label: dict[str, str]) -> str:
    close = difflib.get_close_matches(key, list(index), n=3, cutoff=0.75)
    names = sorted({label[code] for k in close for code in index[k]})
    return f"; did you mean {', '.join(names)}?" if names else ""


def _shown(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:57] + "...")


def states(country: str | None = None) -> list[State]:
    """All states and union territories, then neighbouring countries; or those of one country."""
    return [s for s in places().states.values() if country is None or s.country == country]


def state(code_or_name: str) -> State:
    """The state with this code or name: 'WB', 'West Bengal', 'Orissa' (-> Odisha), 'Nepal'."""
    data = places()
    key = _key(code_or_name, "state")
    codes = data.state_keys.get(key, [])
    if len(codes) == 1:
        return data.states[codes[0]]
    label = {c: s.name for c, s in data.states.items()}
    raise InvalidValue(
        f"no state or country called {_shown(code_or_name)}{_suggest(key, data.state_keys, label)}",
        kind="state",
        value=code_or_name,
    )


def districts(in_range: str | None = None) -> list[District]:
    """All police districts and commissionerates, or those of one range ('Konkan', 'Mumbai')."""
    return [d for d in places().districts.values() if in_range is None or d.range == in_range]


def district(code_or_name: str) -> District:
    """The district with this code or name: 'MH-THR', 'Thane (Rural)', 'Dist. Palghar', 'MBVV'."""
    return _find_district(code_or_name)


def _find_district(code_or_name: str) -> District:
    # Separate from district() because units() and unit() take a parameter of that name.
    data = places()
    if isinstance(code_or_name, str) and code_or_name.strip().upper() in data.districts:
        return data.districts[code_or_name.strip().upper()]
    key = _key(code_or_name, "district")
    codes = data.district_keys.get(key, [])
    if len(codes) == 1:
        return data.districts[codes[0]]
    if codes:
        names = ", ".join(f"{data.districts[c].name} ({c})" for c in codes)
        raise InvalidValue(
            f"{_shown(code_or_name)} could be any of: {names}; say which",
            kind="district",
            value=code_or_name,
        )
    label = {c: d.name for c, d in data.districts.items()}
    raise InvalidValue(
        f"no police district called {_shown(code_or_name)}"
        f"{_suggest(key, data.district_keys, label)}",
        kind="district",
        value=code_or_name,
    )


def units(kind: str | None = None, district: str | None = None) -> list[Unit]:
    """Police units, optionally of one kind and/or one district (code or name), in data order."""
    if kind is not None and kind not in UNIT_KINDS:
        raise InvalidValue(
            f"unknown unit kind {kind!r}; expected one of {', '.join(UNIT_KINDS)}",
            kind="unit_kind",
            value=kind,
        )
    where = None if district is None else _find_district(district).code
    return [
        u
        for u in places().units.values()
        if (kind is None or u.kind == kind) and (where is None or u.district == where)
    ]


def _named(key: str, where: str | None) -> list[Unit]:
    """Units whose name or alias normalises to ``key``, or a kind word within one district."""
    data = places()
    found = [data.units[c] for c in data.unit_keys.get(key, [])]
    found = [u for u in found if where is None or u.district == where]
    if not found and key in _KIND_WORDS:
        kind = _KIND_WORDS[key]
        found = [
            u
            for u in data.units.values()
            if u.kind == kind and (where is None or u.district == where)
        ]
    return found


def _with_district_named(key: str, where: str | None) -> list[Unit]:
    """Units named as 'Shivaji Nagar Mumbai' or 'Thane Rural AHTU': a district name plus a unit."""
    found: list[Unit] = []
    for dkey, dcodes in places().district_keys.items():
        if len(key) <= len(dkey):
            continue
        if key.startswith(dkey):
            rest = key[len(dkey) :]
        elif key.endswith(dkey):
            rest = key[: -len(dkey)]
        else:
            continue
        for dcode in dcodes:
            if where is None or dcode == where:
                found += [u for u in _named(rest, dcode) if u not in found]
    return found


def unit(code_or_name: str, district: str | None = None) -> Unit:
    """The police unit with this code or name, within ``district`` (code or name) if given.

    'Shahapur P.S.', 'PS Shahapur', 'SHAHAPUR', 'MH-THR-SHAHAPUR', 'AHTU' (with a district),
    'Thane Rural AHTU', 'Shivaji Nagar, Mumbai'. A name used in several districts
    ('Shivaji Nagar', 'Goregaon') needs the district, else InvalidValue names them all.
    """
    data = places()
    where = None if district is None else _find_district(district).code
    if isinstance(code_or_name, str) and code_or_name.strip().upper() in data.units:
        found = data.units[code_or_name.strip().upper()]
        if where is not None and found.district != where:
            raise InvalidValue(
                f"unit {found.code} ({found.name}) is in {data.districts[found.district].name},"
                f" not {data.districts[where].name}",
                kind="unit",
                value=code_or_name,
            )
        return found
    key = _key(code_or_name, "unit")
    candidates = _named(key, where)
    if len(candidates) != 1:
        candidates = _with_district_named(key, where) or candidates
    if len(candidates) == 1:
        return candidates[0]
    if candidates:
        shown = [f"{u.name} ({data.districts[u.district].name}, {u.code})" for u in candidates]
        more = f" and {len(shown) - 8} more" if len(shown) > 8 else ""
        raise InvalidValue(
            f"{_shown(code_or_name)} could be any of: {'; '.join(shown[:8])}{more};"
            " give the district",
            kind="unit",
            value=code_or_name,
        )
    scope = f" in {data.districts[where].name}" if where else ""
    label = {c: f"{u.name} ({data.districts[u.district].name})" for c, u in data.units.items()}
    raise InvalidValue(
        f"no police unit called {_shown(code_or_name)}{scope}"
        f"{_suggest(key, data.unit_keys, label)}",
        kind="unit",
        value=code_or_name,
    )
