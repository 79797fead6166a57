"""What "similar" compares, per case or document: sections, MO tags, places, words.

A case's profile comes from its charges, the MO phrases in its brief facts and place of
occurrence, its district and route, and its words; a document's from the sections and MO
tags read when it was added, the places it names, and its words.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nervecentre import law
from nervecentre.cases.models import Case, Charge, RouteStop
from nervecentre.errors import InvalidValue
from nervecentre.library import vocab
from nervecentre.library.models import LibraryDocument, LibrarySection, LibraryTag

TEXT_CHARS = 20_000  # words are counted in the first this many characters
# Words too common in judgments to say anything about likeness.
_STOP_WORDS = (
    "the and of to in a by was were is are for on at with from that this as be it an or "
    "their they he she his her has have had not no which who accused court case learned "
    "section sections under state versus judgment dated date prosecution victims victim "
    "के की का में और से को है पर ने आहे आणि या हे"
)
_STOP = frozenset(_STOP_WORDS.split())


@dataclass
class Profile:
    """What similarity compares: canonical section keys, MO tags, places, word counts."""

    sections: dict[str, str] = field(default_factory=dict)  # canonical key -> as cited
    tags: set[str] = field(default_factory=set)
    places: set[str] = field(default_factory=set)
    words: Counter[str] = field(default_factory=Counter)


@cache
def canonical(key: str) -> str | None:
    """One name for a section and its equivalents ('BNS 143' -> 'BNS 143' for IPC 370 too);
    None for general sections and keys the law package does not know."""
    try:
        ref = law.parse_section(key)
        if "general" in law.get_section(ref).tags:
            return None
    except (InvalidValue, LookupError):
        return None
    return min(law.search_keys(ref))


def _sections(keys: Iterable[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key in keys:
        if (canon := canonical(key)) is not None:
            out.setdefault(canon, key)
    return out


def _words(text: str) -> Counter[str]:
    return Counter(
        w
        for w in vocab.words(text[:TEXT_CHARS])
        if len(w) > 2 and not w.isdigit() and w not in _STOP
    )


def case_places(session: Session, case_ids: list[int]) -> dict[int, set[str]]:
    """Per case: its district, the district's state and the states of its route stops."""
    out: dict[int, set[str]] = {i: set() for i in case_ids}
    if not case_ids:
        return out
    for case_id, district in session.execute(
        select(Case.id, Case.district_code).where(Case.id.in_(case_ids))
    ):
        out[case_id] |= {district, district.split("-")[0]}
    for case_id, state in session.execute(
        select(RouteStop.case_id, RouteStop.state).where(RouteStop.case_id.in_(case_ids))
    ):
        if state:
            out[case_id].add(state)
    return out


def case_profiles(session: Session, case_ids: list[int]) -> dict[int, Profile]:
    """Profiles of registry cases: charges, MO read from the facts and place, route, words."""
    profiles = {i: Profile() for i in case_ids}
    keys: dict[int, list[str]] = {i: [] for i in case_ids}
    for case_id, key in session.execute(
        select(Charge.case_id, Charge.section_key).where(Charge.case_id.in_(case_ids))
    ):
        keys[case_id].append(key)
    routes = case_places(session, case_ids)
    for case_id, facts, place, heads in session.execute(
        select(Case.id, Case.brief_facts, Case.occurrence_place, Case.crime_heads).where(
            Case.id.in_(case_ids)
        )
    ):
        p = profiles[case_id]
        p.sections = _sections(keys[case_id])
        p.tags = set(vocab.found("modus_operandi", vocab.padded(f"{facts} {place}")))
        p.places = routes[case_id]
        p.words = _words(f"{facts} {heads}")
    return profiles


def document_profiles(session: Session, doc_ids: list[int]) -> dict[int, Profile]:
    """Profiles of documents: cited sections, MO tags, named places and linked routes, words."""
    profiles = {i: Profile() for i in doc_ids}
    keys: dict[int, list[str]] = {i: [] for i in doc_ids}
    for doc_id, key in session.execute(
        select(LibrarySection.document_id, LibrarySection.section_key).where(
            LibrarySection.document_id.in_(doc_ids)
        )
    ):
        keys[doc_id].append(key)
    for doc_id, tag in session.execute(
        select(LibraryTag.document_id, LibraryTag.tag).where(LibraryTag.document_id.in_(doc_ids))
    ):
        profiles[doc_id].tags.add(tag)
    for doc_id, places, text in session.execute(
        select(
            LibraryDocument.id,
            LibraryDocument.places,
            func.substr(LibraryDocument.text, 1, TEXT_CHARS),
        ).where(LibraryDocument.id.in_(doc_ids))
    ):
        p = profiles[doc_id]
        p.sections = _sections(keys[doc_id])
        p.places = {c for c in (places or "").split(",") if c}
        p.words = _words(text or "")
    return profiles
