"""Crime heads: the categories cases are counted under, with their sections per code era."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

from nervecentre.errors import InputFileError, InvalidValue
from nervecentre.law import _data
from nervecentre.law.refs import SectionRef
from nervecentre.law.sections import penal_code_for


@dataclass(frozen=True, slots=True)
class CrimeHead:
    """A crime head such as 'HT' (human trafficking) and the sections that make it up.

    ``sections`` is every section of the head (IPC, BNS and special acts); a generator or
    a charge check uses ``sections_for(offence_date)`` to get the right code's sections.
    """

    code: str
    name: str
    sections: tuple[SectionRef, ...]
    tags: tuple[str, ...]
    ipc_sections: tuple[SectionRef, ...] = ()
    bns_sections: tuple[SectionRef, ...] = ()
    special_sections: tuple[SectionRef, ...] = ()  # special and local laws: both eras

    def sections_for(self, when: date) -> tuple[SectionRef, ...]:
        """The penal-code sections in force on ``when`` followed by the special-act ones."""
        code = self.ipc_sections if penal_code_for(when) == "IPC" else self.bns_sections
        return code + self.special_sections


def _refs(name: str, values: object, law: str | None, where: str) -> tuple[SectionRef, ...]:
    if not isinstance(values, list):
        raise InputFileError(f"{where}: {name} must be a list")
    refs = tuple(_data.canonical_ref(str(v), law, where=where) for v in values)
    if law is None and any(r.law in ("IPC", "BNS") for r in refs):
        raise InputFileError(f"{where}: put IPC/BNS sections under ipc/bns, not special")
    if law is not None and any(r.law != law for r in refs):
        raise InputFileError(f"{where}: {name} may only hold {law} sections")
    return refs


@cache
def _heads() -> dict[str, CrimeHead]:
    name = "crime_heads.yaml"
    known_tags = _data.tags()
    heads: dict[str, CrimeHead] = {}
    for raw in _data.read_yaml(name).get("heads") or []:
        item = _data.checked_entry(
            name, raw, {"code", "name", "tags", "ipc", "bns", "special"}, set()
        )
        code = str(item["code"])
        where = f"{name}: head {code}"
        if code in heads:
            raise InputFileError(f"{where}: listed twice")
        head_tags = tuple(str(t) for t in item["tags"] or ())
        if any(t not in known_tags for t in head_tags):
            raise InputFileError(f"{where}: unknown tag in {list(head_tags)}")
        ipc = _refs("ipc", item["ipc"], "IPC", where)
        bns = _refs("bns", item["bns"], "BNS", where)
        special = _refs("special", item["special"], None, where)
        if bool(ipc) != bool(bns):
            raise InputFileError(f"{where}: give sections for both codes, or for neither")
        if not (ipc or special):
            raise InputFileError(f"{where}: has no sections")
        heads[code] = CrimeHead(
            code=code,
            name=str(item["name"]),
            sections=ipc + bns + special,
            tags=head_tags,
            ipc_sections=ipc,
            bns_sections=bns,
            special_sections=special,
        )
    return heads


def crime_heads() -> list[CrimeHead]:
    """Every crime head, in data order."""
    return list(_heads().values())


def _name_key(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def crime_head(code: str) -> CrimeHead:
    """The crime head with this code or name, any case: 'HT', 'sextortion', 'Human trafficking'."""
    heads = _heads()
    text = str(code)
    head = heads.get(text.strip().upper())
    if head is None:
        key = _name_key(text)
        head = next((h for h in heads.values() if key and _name_key(h.name) == key), None)
    if head is None:
        shown = text if len(text) <= 60 else text[:57] + "..."
        raise InvalidValue(
            f"unknown crime head {shown!r}; known heads: {', '.join(heads)}",
            kind="crime_head",
            value=code,
        )
    return head
