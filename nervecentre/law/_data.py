"""Loading and checking the law data files in ``nervecentre/law/data``.

Everything here runs once per process (functools.cache); a malformed file fails loudly
with InputFileError naming the file and the entry, never half-loads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

import yaml

from nervecentre.errors import InputFileError, InvalidValue
from nervecentre.law.refs import LAWS, Act, Section, SectionRef

_FILES = {
    "IPC": "ipc.yaml",
    "BNS": "bns.yaml",
    "POCSO": "pocso.yaml",
    "ITA": "it_act.yaml",
    "ITPA": "itpa.yaml",
}
CONFIDENCES = ("verified", "likely")
_CANONICAL_RE = re.compile(
    r"(?:(?P<law>[A-Z]+) )?(?P<sec>[0-9]{1,4}[A-Z]{0,3})(?P<sub>(?:\([0-9a-z]{1,5}\))*)"
)


@dataclass(frozen=True, slots=True)
class Equivalence:
    """One IPC-BNS pair from equivalents.yaml, with how sure we are of it."""

    ipc: SectionRef
    bns: SectionRef
    confidence: str
    note: str = ""


def read_yaml(name: str) -> dict[str, Any]:
    """Parse one data file; its top level must be a mapping."""
    path = resources.files("nervecentre.law").joinpath("data", name)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputFileError(f"law data file {name} cannot be read: {exc}") from exc
    if not isinstance(data, dict):
        raise InputFileError(f"law data file {name} must hold a mapping at the top level")
    return data


def checked_entry(
    name: str, item: object, required: set[str], optional: set[str]
) -> dict[str, Any]:
    """Check one entry's keys; unknown keys are an error (they usually mean a YAML typo)."""
    if not isinstance(item, dict):
        raise InputFileError(f"{name}: entry {item!r} is not a mapping")
    keys = set(item)
    if not required <= keys or not keys <= required | optional:
        raise InputFileError(
            f"{name}: entry {item!r} must have keys {sorted(required)}"
            f" (optional {sorted(optional)}); quote values that contain commas"
        )
    return item


def canonical_ref(text: str, law: str | None = None, *, where: str = "") -> SectionRef:
    """Parse a reference as the data files write it: 'IPC 370', 'BNS 308(2)', or '143' with law."""
    m = _CANONICAL_RE.fullmatch(str(text).strip())
    if m is None or (m["law"] is None and law is None):
        raise InputFileError(f"{where}: {text!r} is not a reference like 'IPC 370' or 'BNS 308(2)'")
    sub = m["sub"][1:-1] if m["sub"] else ""
    try:
        ref = SectionRef(m["law"] or law or "", m["sec"], sub)
    except InvalidValue as exc:
        raise InputFileError(f"{where}: {exc}") from exc
    if ref.key not in sections_by_key():
        raise InputFileError(f"{where}: {ref.key} is not listed in the section data")
    return ref


@cache
def tags() -> dict[str, str]:
    """The tag vocabulary: tag -> what it means."""
    data = read_yaml("tags.yaml").get("tags")
    if not isinstance(data, dict) or not data:
        raise InputFileError("tags.yaml: expected a 'tags' mapping")
    return {str(k): str(v) for k, v in data.items()}


@cache
def _load_act(code: str) -> tuple[Act, list[Section]]:
    name = _FILES[code]
    data = read_yaml(name)
    if data.get("law") != code:
        raise InputFileError(f"{name}: 'law' must be {code!r}")
    known_tags = tags()
    sections: list[Section] = []
    seen: set[str] = set()
    for raw in data.get("sections") or []:
        item = checked_entry(name, raw, {"section", "title", "tags"}, set())
        number = str(item["section"])
        bad = [t for t in item["tags"] or [] if t not in known_tags]
        if bad:
            raise InputFileError(f"{name}: section {number} has unknown tags {bad}")
        if number in seen:
            raise InputFileError(f"{name}: section {number} is listed twice")
        seen.add(number)
        try:
            SectionRef(code, number)
        except InvalidValue as exc:
            raise InputFileError(f"{name}: {exc}") from exc
        sections.append(Section(code, number, str(item["title"]), tuple(item["tags"] or ())))
    act = Act(
        code=code,
        name=str(data["name"]),
        year=int(data["year"]),
        aliases=tuple(str(a) for a in data.get("aliases") or ()),
        in_force_from=_date(data.get("in_force_from"), name),
        in_force_until=_date(data.get("in_force_until"), name),
    )
    return act, sections


def _date(value: object, name: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    raise InputFileError(f"{name}: {value!r} is not a date like 2024-07-01")


@cache
def acts() -> dict[str, Act]:
    """Every act, by code, in LAWS order."""
    return {code: _load_act(code)[0] for code in LAWS}


@cache
def sections_by_key() -> dict[str, Section]:
    """Every section, by key ('IPC 370'), in file order."""
    out: dict[str, Section] = {}
    for code in LAWS:
        for section in _load_act(code)[1]:
            out[section.key] = section
    return out


@cache
def equivalence_pairs() -> tuple[Equivalence, ...]:
    """All IPC-BNS pairs from equivalents.yaml, in file order."""
    name = "equivalents.yaml"
    pairs: list[Equivalence] = []
    seen: set[tuple[SectionRef, SectionRef]] = set()
    for raw in read_yaml(name).get("pairs") or []:
        item = checked_entry(name, raw, {"ipc", "bns", "confidence"}, {"note"})
        where = f"{name}: pair {item['ipc']} -> {item['bns']}"
        ipc = canonical_ref(str(item["ipc"]), "IPC", where=where)
        bns = canonical_ref(str(item["bns"]), "BNS", where=where)
        if ipc.law != "IPC" or bns.law != "BNS":
            raise InputFileError(f"{where}: pairs go from IPC to BNS")
        if item["confidence"] not in CONFIDENCES:
            raise InputFileError(f"{where}: confidence must be one of {CONFIDENCES}")
        if (ipc, bns) in seen:
            raise InputFileError(f"{where}: listed twice")
        seen.add((ipc, bns))
        pairs.append(Equivalence(ipc, bns, str(item["confidence"]), str(item.get("note") or "")))
    return tuple(pairs)
