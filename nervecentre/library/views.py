"""What the library's pages and API show: a document with its metadata and cases, a list."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select

from nervecentre.cases.models import Case
from nervecentre.library import vocab
from nervecentre.library.access import require_document, visible_documents_filter
from nervecentre.library.models import LibraryDocument, LibraryLink
from nervecentre.security import audit
from nervecentre.security.access import visible_cases_filter
from nervecentre.security.models import User
from nervecentre.security.roles import require
from nervecentre.store.db import Database

PER_PAGE = 50


@dataclass(frozen=True)
class LinkedCase:
    """A case a document is linked to (only cases the viewer may see are listed)."""

    id: int
    case_key: str
    status: str


@dataclass(frozen=True)
class DocumentSummary:
    """A row of the library list."""

    id: int
    title: str
    kind: str
    court: str
    decided_on: date | None
    outcome: str
    language: str


@dataclass(frozen=True)
class DocumentDetail:
    """A document as its page shows it."""

    id: int
    title: str
    filename: str
    path: str
    media_type: str
    size: int
    sha256: str
    kind: str
    kind_label: str
    court: str
    decided_on: date | None
    outcome: str
    outcome_label: str
    language: str
    pages: int
    extraction: str
    restricted: bool
    added_by: str
    added_at: datetime
    text: str
    sections: list[str] = field(default_factory=list)
    tags: list[tuple[str, str]] = field(default_factory=list)  # (code, label)
    places: list[str] = field(default_factory=list)
    cases: list[LinkedCase] = field(default_factory=list)


def document_detail(
    db: Database, user: User, document_id: int, *, ip: str | None = None
) -> DocumentDetail:
    """A visible document, its metadata and the visible cases it is linked to (audited)."""
    with db.session() as session:
        doc = require_document(session, user, document_id)
        cases = [
            LinkedCase(i, k, s)
            for i, k, s in session.execute(
                select(Case.id, Case.case_key, Case.status)
                .join(LibraryLink, LibraryLink.case_id == Case.id)
                .where(LibraryLink.document_id == doc.id, visible_cases_filter(user))
                .order_by(Case.case_key)
            )
        ]
        detail = DocumentDetail(
            doc.id, doc.title, doc.filename, doc.path, doc.media_type, doc.size, doc.sha256,
            doc.kind, vocab.label("kinds", doc.kind), doc.court, doc.decided_on, doc.outcome,
            vocab.label("outcomes", doc.outcome) if doc.outcome else "", doc.language,
            doc.pages, doc.extraction, doc.restricted, doc.added_by, doc.added_at, doc.text,
            [s.section_key for s in doc.sections],
            [(t.tag, vocab.label("modus_operandi", t.tag)) for t in doc.tags],
            [p for p in doc.places.split(",") if p], cases,
        )  # fmt: skip
        audit.record(
            session, user, "library.view", "document", doc.id, {"title": doc.title},
            ip=ip, cases=[c.id for c in cases],
        )  # fmt: skip
    return detail


def list_documents(db: Database, user: User, page: int = 1) -> tuple[list[DocumentSummary], int]:
    """One page of the documents ``user`` may see, newest judgment first, and their total."""
    require(user, "library.view")
    where = visible_documents_filter(user)
    d = LibraryDocument
    with db.session() as session:
        total = session.scalar(select(func.count()).select_from(d).where(where)) or 0
        rows = session.execute(
            select(d.id, d.title, d.kind, d.court, d.decided_on, d.outcome, d.language)
            .where(where)
            .order_by(d.decided_on.desc().nulls_last(), d.id.desc())
            .limit(PER_PAGE)
            .offset((max(page, 1) - 1) * PER_PAGE)
        ).all()
    return [DocumentSummary(*r) for r in rows], int(total)
