"""Changing who sees a library document: linking it to a case, unlinking it, restricting it.

Need-to-know (:mod:`nervecentre.library.access`): a document linked to cases is seen by
whoever may see one of them; an unlinked one by everyone with ``library.view``, unless it is
restricted, when only ``case.view_all`` sees it. So unlinking a document from its last case
would show a charge-sheet of a sensitive case to the whole centre: the last unlink restricts
the document instead, and only a user who sees every case may open a restricted document to
the library. Each change needs ``library.add``, names only documents and cases the user may
see (out of sight answers as missing), and is audited with the case it concerns.

Every change goes through :func:`_changing`, which locks the document first: two unlinks at
once would otherwise each count two links, neither would restrict, and the document would
lie open to the whole centre.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from nervecentre.cases.models import Case
from nervecentre.errors import InvalidValue, NotFound
from nervecentre.library.access import require_document
from nervecentre.library.ingest import find_case
from nervecentre.library.models import LibraryDocument, LibraryLink
from nervecentre.security import audit
from nervecentre.security.access import visible_cases_filter
from nervecentre.security.models import User
from nervecentre.security.roles import require
from nervecentre.store.db import Database


@dataclass(frozen=True)
class Changed:
    """What a change did: the document, the case it concerned, and whether it is restricted."""

    document_id: int
    case_key: str | None
    restricted: bool
    message: str


@contextmanager
def _changing(
    db: Database, user: User, document_id: int
) -> Iterator[tuple[Session, LibraryDocument]]:
    """A write session and the visible document in it, locked until the change commits."""
    require(user, "library.add")
    with db.write_session() as session:
        yield session, require_document(session, user, document_id, lock=True)


def _links(document: LibraryDocument) -> int:
    return len(document.links)


def _case(session: Session, user: User, case: str | int) -> Case:
    """The visible case named by its id, its case key or FIR/year; NotFound otherwise."""
    if isinstance(case, str):
        return find_case(session, case, user)
    found = session.scalar(select(Case).where(Case.id == case, visible_cases_filter(user)))
    if found is None:
        raise NotFound(f"no case with id {case}")
    return found


def link(
    db: Database, user: User, document_id: int, case: str | int, *, ip: str | None = None
) -> Changed:
    """Link a visible document to a visible case (named by case key or FIR/year)."""
    with _changing(db, user, document_id) as (session, doc):
        found = _case(session, user, case)
        if any(existing.case_id == found.id for existing in doc.links):
            return Changed(doc.id, found.case_key, doc.restricted, "already linked")
        doc.links.append(LibraryLink(case_id=found.id))
        detail = {"case_id": found.id, "title": doc.title}
        audit.record(session, user, "library.link", "document", doc.id, detail, ip=ip)
        return Changed(doc.id, found.case_key, doc.restricted, f"linked to {found.case_key}")


def unlink(
    db: Database, user: User, document_id: int, case: str | int, *, ip: str | None = None
) -> Changed:
    """Unlink a visible document from a visible case; the last unlink restricts it."""
    with _changing(db, user, document_id) as (session, doc):
        found = _case(session, user, case)
        if all(existing.case_id != found.id for existing in doc.links):
            raise InvalidValue(f"document {doc.id} is not linked to {found.case_key}", kind="case")
        last = _links(doc) == 1
        session.execute(
            delete(LibraryLink).where(
                LibraryLink.document_id == doc.id, LibraryLink.case_id == found.id
            )
        )
        if last:
            doc.restricted = True
        session.expire(doc, ["links"])
        detail: dict[str, object] = {"case_id": found.id, "title": doc.title}
        if last:
            detail["restricted"] = True
        audit.record(session, user, "library.unlink", "document", doc.id, detail, ip=ip)
        message = f"unlinked from {found.case_key}"
        if last:
            message += "; it was the last link, so the document is now restricted"
        return Changed(doc.id, found.case_key, doc.restricted, message)


def restrict(
    db: Database, user: User, document_id: int, restricted: bool, *, ip: str | None = None
) -> Changed:
    """Restrict a visible document, or open it to the library (that needs ``case.view_all``).

    Restriction only matters while a document is linked to no case; a linked document stays
    seen by the users of its cases either way, and keeps the flag for when it is unlinked."""
    if not restricted:
        require(user, "library.add")
        require(user, "case.view_all")
    with _changing(db, user, document_id) as (session, doc):
        if doc.restricted == restricted:
            state = "restricted" if restricted else "open to the library"
            return Changed(doc.id, None, doc.restricted, f"already {state}")
        doc.restricted = restricted
        cases = list(
            session.scalars(select(LibraryLink.case_id).where(LibraryLink.document_id == doc.id))
        )
        action = "library.restrict" if restricted else "library.open"
        detail = {"title": doc.title, "linked_cases": len(cases)}
        audit.record(session, user, action, "document", doc.id, detail, ip=ip, cases=cases)
        message = "restricted" if restricted else "opened to everyone who may read the library"
        return Changed(doc.id, None, restricted, message)
