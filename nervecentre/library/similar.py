"""'Similar cases': library documents and registry cases like a given case or document.

Four signals, each explained: the sections of law both cite (IPC and BNS equivalents count
as the same; general sections such as 'common intention' do not count), the modus operandi
tags both carry, the places of their route (states and districts), and their words (TF-IDF
cosine over the candidates). Candidates come from the indexes (shared sections, tags,
route states, and a full-text OR of the source's most telling words); only documents and
cases the user may see are ever candidates.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, func, literal_column, or_, select
from sqlalchemy import text as _sql
from sqlalchemy.orm import Session

from nervecentre import law
from nervecentre.cases.models import Case, Charge, RouteStop
from nervecentre.errors import InvalidValue
from nervecentre.library import vocab
from nervecentre.library.access import require_document, visible_documents_filter
from nervecentre.library.models import LibraryDocument, LibraryLink, LibrarySection, LibraryTag
from nervecentre.library.profiles import Profile, case_places, case_profiles, document_profiles
from nervecentre.library.search import _PG_DOCUMENT
from nervecentre.security import audit
from nervecentre.security.access import require_case, visible_cases_filter
from nervecentre.security.models import User
from nervecentre.security.roles import can, require
from nervecentre.store.db import Database

WEIGHTS = {"sections": 0.35, "tags": 0.25, "route": 0.15, "text": 0.25}
CANDIDATES = 300
_TOP_WORDS = 12


@dataclass(frozen=True)
class Similar:
    """A similar document or case, its score (0-1) and why."""

    kind: str  # 'document' or 'case'
    id: int
    title: str
    score: float
    reasons: tuple[str, ...]
    outcome: str = ""

    def as_json(self) -> dict[str, object]:
        return {
            "kind": self.kind, "id": self.id, "title": self.title,
            "score": round(self.score, 4), "why": list(self.reasons), "outcome": self.outcome,
        }  # fmt: skip


def _jaccard(a: Iterable[str], b: Iterable[str]) -> tuple[float, set[str]]:
    sa, sb = set(a), set(b)
    both = sa & sb
    return (len(both) / len(sa | sb) if sa | sb else 0.0), both


def _cosine(a: Counter[str], b: Counter[str], idf: dict[str, float]) -> tuple[float, list[str]]:
    shared = set(a) & set(b)
    if not shared:
        return 0.0, []
    wa = {w: (1 + math.log(c)) * idf.get(w, 1.0) for w, c in a.items()}
    wb = {w: (1 + math.log(c)) * idf.get(w, 1.0) for w, c in b.items()}
    dot = {w: wa[w] * wb[w] for w in shared}
    norm = math.sqrt(sum(v * v for v in wa.values())) * math.sqrt(sum(v * v for v in wb.values()))
    top = sorted(dot, key=lambda w: (-dot[w], w))[:5]  # ties by word: the same every run
    return sum(dot.values()) / norm, top


def score(source: Profile, other: Profile, idf: dict[str, float]) -> tuple[float, tuple[str, ...]]:
    """The weighted score of the four signals and a reason for each that contributed."""
    reasons: list[str] = []
    s_sec, sec = _jaccard(source.sections, other.sections)
    if sec:
        reasons.append("sections: " + ", ".join(sorted(other.sections[k] for k in sec)))
    s_tag, tags = _jaccard(source.tags, other.tags)
    if tags:
        labels = sorted(vocab.label("modus_operandi", t) for t in tags)
        reasons.append("modus operandi: " + "; ".join(labels))
    s_route, places = _jaccard(source.places, other.places)
    if places:
        reasons.append("route: " + ", ".join(sorted(places)))
    s_text, words = _cosine(source.words, other.words, idf)
    if words:
        reasons.append("words: " + ", ".join(words))
    total = (
        WEIGHTS["sections"] * s_sec + WEIGHTS["tags"] * s_tag + WEIGHTS["route"] * s_route
        + WEIGHTS["text"] * s_text
    )  # fmt: skip
    return total, tuple(reasons)


def _idf(profiles: Iterable[Profile]) -> dict[str, float]:
    listed = list(profiles)
    df: Counter[str] = Counter()
    for p in listed:
        df.update(p.words.keys())
    n = len(listed)
    return {w: math.log((n + 1) / (c + 1)) + 1 for w, c in df.items()}


def _telling_words(profile: Profile) -> list[str]:
    return [w for w, _ in profile.words.most_common(_TOP_WORDS * 3) if len(w) > 3][:_TOP_WORDS]


def _text_candidates(session: Session, user: User, profile: Profile) -> list[int]:
    words = _telling_words(profile)
    if not words:
        return []
    if session.get_bind().dialect.name == "sqlite":
        match = " OR ".join('"' + w.replace('"', "") + '"' for w in words)
        ranked = _sql(
            "SELECT rowid FROM search_library WHERE search_library MATCH :q ORDER BY rank LIMIT :n"
        ).columns(rowid=Integer)
        rows = session.execute(
            select(LibraryDocument.id).where(
                LibraryDocument.id.in_(ranked), visible_documents_filter(user)
            ),
            {"q": match, "n": CANDIDATES},
        )
        return [r[0] for r in rows]
    query = " | ".join(f"'{w}'" for w in words)  # words are letters, digits and marks only
    vector: Any = literal_column(_PG_DOCUMENT)
    tsq = func.to_tsquery(literal_column("'simple'::regconfig"), query)
    rows = session.execute(
        select(LibraryDocument.id)
        .where(vector.op("@@")(tsq), visible_documents_filter(user))
        .order_by(func.ts_rank(vector, tsq).desc())
        .limit(CANDIDATES)
    )
    return [r[0] for r in rows]


def _document_candidates(session: Session, user: User, profile: Profile) -> list[int]:
    keys = sorted({k for c in profile.sections for k in law.search_keys(law.parse_section(c))})
    found: list[int] = []
    for column, values in (
        (LibrarySection.section_key, keys),
        (LibraryTag.tag, sorted(profile.tags)),
    ):
        if not values:
            continue
        table = column.class_
        shared = func.count().label("shared")
        found += session.scalars(
            select(table.document_id)
            .join(LibraryDocument, LibraryDocument.id == table.document_id)
            .where(column.in_(values), visible_documents_filter(user))
            .group_by(table.document_id)
            .order_by(shared.desc(), table.document_id)
            .limit(CANDIDATES)
        )
    found += _text_candidates(session, user, profile)
    return list(dict.fromkeys(found))


def _case_candidates(session: Session, user: User, profile: Profile) -> list[int]:
    if not can(user, "case.view"):
        return []
    keys = sorted({k for c in profile.sections for k in law.search_keys(law.parse_section(c))})
    found: list[int] = []
    if keys:
        found += session.scalars(
            select(Charge.case_id)
            .join(Case, Case.id == Charge.case_id)
            .where(Charge.section_key.in_(keys), visible_cases_filter(user))
            .group_by(Charge.case_id)
            .order_by(func.count().desc(), Charge.case_id)
            .limit(CANDIDATES)
        )
    states = sorted(p for p in profile.places if "-" not in p)
    if states:
        found += session.scalars(
            select(RouteStop.case_id)
            .join(Case, Case.id == RouteStop.case_id)
            .where(RouteStop.state.in_(states), visible_cases_filter(user))
            .group_by(RouteStop.case_id)
            .order_by(func.count().desc(), RouteStop.case_id)
            .limit(CANDIDATES)
        )
    return list(dict.fromkeys(found))


def _rank(
    source: Profile, docs: dict[int, Profile], cases: dict[int, Profile]
) -> list[tuple[str, int, float, tuple[str, ...]]]:
    idf = _idf([source, *docs.values(), *cases.values()])
    out = []
    for kind, profiles in (("document", docs), ("case", cases)):
        for ident, profile in profiles.items():
            total, reasons = score(source, profile, idf)
            if total > 0:
                out.append((kind, ident, total, reasons))
    return sorted(out, key=lambda r: (-r[2], r[0], r[1]))


def similar(
    db: Database,
    user: User,
    *,
    case_id: int | None = None,
    document_id: int | None = None,
    limit: int = 10,
    ip: str | None = None,
) -> list[Similar]:
    """The ``limit`` documents, then the ``limit`` cases, most like a case or a document,
    each best first, with reasons."""
    require(user, "library.view")
    if (case_id is None) == (document_id is None):
        raise InvalidValue("give a case or a document, not both")
    with db.session() as session:
        if case_id is not None:
            require_case(session, user, case_id)
            source = case_profiles(session, [case_id])[case_id]
            linked = set(
                session.scalars(
                    select(LibraryLink.document_id).where(LibraryLink.case_id == case_id)
                )
            )
        else:
            assert document_id is not None
            doc = require_document(session, user, document_id)
            source = document_profiles(session, [document_id])[document_id]
            links = [link.case_id for link in doc.links]
            for places in case_places(session, links).values():
                source.places |= places
            linked = set()
        doc_ids = [d for d in _document_candidates(session, user, source) if d != document_id]
        case_ids = [c for c in _case_candidates(session, user, source) if c != case_id]
        ranked = _rank(
            source, document_profiles(session, doc_ids), case_profiles(session, case_ids)
        )
        ranked = [r for r in ranked if not (r[0] == "document" and r[1] in linked)]
        # The best ``limit`` of each kind: judgments are not crowded out by cases.
        ranked = [r for r in ranked if r[0] == "document"][:limit] + [
            r for r in ranked if r[0] == "case"
        ][:limit]
        results = _describe(session, ranked)
    target = ("case", case_id) if case_id is not None else ("document", document_id)
    detail = {"found": len(results), **({"case_id": case_id} if case_id else {})}
    audit.record(db, user, "library.view", target[0], target[1], {"similar": True, **detail}, ip=ip)
    # The cases listed show their FIR, crime heads and status: a read of each, audited as such
    # and tied to them (the source case too), as every page that shows a case is.
    shown = [r.id for r in results if r.kind == "case"]
    seen = ([case_id] if case_id is not None else []) + shown
    if seen:
        audit.record(
            db,
            user,
            "case.view",
            "case",
            seen[0],
            {"similar_to": f"{target[0]} {target[1]}", "cases_shown": shown},
            ip=ip,
            cases=seen,
        )
    return results


def _describe(
    session: Session, ranked: list[tuple[str, int, float, tuple[str, ...]]]
) -> list[Similar]:
    doc_ids = [r[1] for r in ranked if r[0] == "document"]
    case_ids = [r[1] for r in ranked if r[0] == "case"]
    docs = {
        i: (t, o)
        for i, t, o in session.execute(
            select(LibraryDocument.id, LibraryDocument.title, LibraryDocument.outcome).where(
                LibraryDocument.id.in_(doc_ids)
            )
        )
    }
    cases = {
        i: (f"{k} ({h})" if h else k, s)
        for i, k, h, s in session.execute(
            select(Case.id, Case.case_key, Case.crime_heads, Case.status).where(
                or_(Case.id.in_(case_ids))
            )
        )
    }
    out = []
    for kind, ident, total, reasons in ranked:
        title, outcome = (docs if kind == "document" else cases).get(ident, ("", ""))
        out.append(Similar(kind, ident, title, min(1.0, total), reasons, outcome))
    return out
