"""Loading, checking and indexing the place data in ``nervecentre/places/data``.

Loaded once per process; a malformed file fails with InputFileError naming the entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from nervecentre.errors import InputFileError
from nervecentre.places.models import (
    DISTRICT_KINDS,
    STATE_KINDS,
    UNIT_KINDS,
    District,
    State,
    Unit,
)
from nervecentre.places.normalise import normalise_place


@dataclass(frozen=True)
class Places:
    """Everything loaded, with the lookup indexes (normalised name -> codes)."""

    states: dict[str, State]
    districts: dict[str, District]
    units: dict[str, Unit]
    state_keys: dict[str, list[str]]
    district_keys: dict[str, list[str]]
    unit_keys: dict[str, list[str]]


def _read(name: str, top: str) -> list[Any]:
    path = resources.files("nervecentre.places").joinpath("data", name)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputFileError(f"place data file {name} cannot be read: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get(top), list):
        raise InputFileError(f"place data file {name} must have a '{top}' list")
    entries: list[Any] = data[top]
    return entries


def _entry(name: str, item: object, required: set[str], optional: set[str]) -> dict[str, Any]:
    if not isinstance(item, dict) or not required <= set(item) <= required | optional:
        raise InputFileError(
            f"{name}: entry {item!r} must have keys {sorted(required)}"
            f" (optional {sorted(optional)})"
        )
    return item


def _index(index: dict[str, list[str]], names: list[str], code: str, where: str) -> None:
    for name in names:
        key = normalise_place(name)
        if not key:
            raise InputFileError(f"{where}: name {name!r} is empty once normalised")
        codes = index.setdefault(key, [])
        if code not in codes:
            codes.append(code)


def _unique(seen: Mapping[str, object], code: str, where: str) -> None:
    if code in seen:
        raise InputFileError(f"{where}: code {code} is used twice")


@cache
def places() -> Places:
    """Load and index states.yaml and maharashtra.yaml."""
    states: dict[str, State] = {}
    state_keys: dict[str, list[str]] = {}
    for raw in _read("states.yaml", "states"):
        item = _entry("states.yaml", raw, {"code", "name", "kind"}, {"country", "aliases"})
        code, where = str(item["code"]), f"states.yaml: {item['code']}"
        _unique(states, code, where)
        if item["kind"] not in STATE_KINDS:
            raise InputFileError(f"{where}: kind must be one of {STATE_KINDS}")
        states[code] = State(code, str(item["name"]), str(item.get("country", "IN")), item["kind"])
        _index(state_keys, [code, item["name"], *map(str, item.get("aliases") or [])], code, where)

    districts: dict[str, District] = {}
    units: dict[str, Unit] = {}
    district_keys: dict[str, list[str]] = {}
    unit_keys: dict[str, list[str]] = {}
    for raw in _read("maharashtra.yaml", "districts"):
        item = _entry(
            "maharashtra.yaml",
            raw,
            {"code", "name", "kind", "range", "units"},
            {"aliases", "state"},
        )
        code, where = str(item["code"]), f"maharashtra.yaml: {item['code']}"
        _unique(districts, code, where)
        state = str(item.get("state", "MH"))
        if state not in states or item["kind"] not in DISTRICT_KINDS:
            raise InputFileError(f"{where}: unknown state {state} or kind {item['kind']}")
        districts[code] = District(code, str(item["name"]), state, str(item["range"]), item["kind"])
        _index(
            district_keys, [code, item["name"], *map(str, item.get("aliases") or [])], code, where
        )
        for raw_unit in item["units"]:
            u = _entry(where, raw_unit, {"code", "name"}, {"kind", "aliases"})
            ucode, uwhere = str(u["code"]), f"{where}: unit {u['code']}"
            _unique(units, ucode, uwhere)
            _unique(districts, ucode, uwhere)
            kind = str(u.get("kind", "police_station"))
            if kind not in UNIT_KINDS:
                raise InputFileError(f"{uwhere}: kind must be one of {UNIT_KINDS}")
            units[ucode] = Unit(ucode, str(u["name"]), kind, code)
            # The code is indexed too, so that 'MH-THR-PS-SHAHAPUR' (with 'PS') also finds it.
            names = [ucode, u["name"], *map(str, u.get("aliases") or [])]
            _index(unit_keys, names, ucode, uwhere)
    for key, codes in unit_keys.items():
        per_district = [units[c].district for c in codes]
        if len(set(per_district)) != len(per_district):
            raise InputFileError(f"maharashtra.yaml: two units in one district are both {key!r}")
    return Places(states, districts, units, state_keys, district_keys, unit_keys)
