"""Need-to-know for library documents, in SQL and (SQLite) as a kept per-user mask.

A document linked to cases is seen by whoever may see at least one of them; an unlinked
document by everyone with ``library.view``, unless it is restricted: then only with
``case.view_all``. Invisible and missing documents raise the same NotFound.

On SQLite a search reads a user's visible documents once, as a boolean array by document
id, and keeps it while the ``library``, ``cases`` and ``access`` generation counters stay
where they were: checking a hit is then an array lookup, not a query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt
from sqlalchemy import ColumnElement, and_, exists, false, func, or_, select, true
from sqlalchemy.orm import Session

from nervecentre.cases.models import Case
from nervecentre.errors import NotFound
from nervecentre.library.models import LibraryDocument, LibraryLink
from nervecentre.security.access import Visibility, visibility, visible_cases_filter
from nervecentre.security.models import User
from nervecentre.security.roles import can, require
from nervecentre.store.generations import Kept, generation

Mask = npt.NDArray[np.bool_]
_GENERATIONS = ("library", "cases", "access")


def visible_documents_filter(user: User, *, now: datetime | None = None) -> ColumnElement[bool]:
    """A WHERE clause on :class:`LibraryDocument` keeping the documents ``user`` may see."""
    if not can(user, "library.view"):
        return false()
    if can(user, "case.view_all"):
        return true()
    linked = exists().where(LibraryLink.document_id == LibraryDocument.id)
    seen = exists().where(
        LibraryLink.document_id == LibraryDocument.id,
        LibraryLink.case_id == Case.id,
        visible_cases_filter(user, now=now),
    )
    return or_(and_(~linked, ~LibraryDocument.restricted), seen)


def require_document(session: Session, user: User, document_id: int) -> LibraryDocument:
    """The document, if ``user`` may see it; NotFound otherwise (as for cases)."""
    require(user, "library.view")
    doc = session.scalars(
        select(LibraryDocument).where(
            LibraryDocument.id == document_id, visible_documents_filter(user)
        )
    ).first()
    if doc is None:
        raise NotFound(f"no document with id {document_id}")
    return doc


@dataclass(frozen=True)
class _KeptMask:
    generations: tuple[int | None, ...]
    seen: Visibility
    mask: Mask


_MASKS: Kept[int, _KeptMask] = Kept(256)


def _read_mask(session: Session, user: User, seen: Visibility) -> Mask:
    top = session.scalar(select(func.coalesce(func.max(LibraryDocument.id), 0))) or 0
    mask = np.zeros(int(top) + 1, dtype=np.bool_)
    if can(user, "case.view_all"):
        mask[:] = True
        mask[0] = False
        return mask
    # Unlinked, unrestricted documents: everyone's.
    free = select(func.group_concat(LibraryDocument.id)).where(
        ~exists().where(LibraryLink.document_id == LibraryDocument.id),
        ~LibraryDocument.restricted,
    )
    linked = (
        select(func.group_concat(LibraryLink.document_id))
        .join(Case, Case.id == LibraryLink.case_id)
        .where(seen.condition())
    )
    for joined in (session.scalar(free), session.scalar(linked)):
        if joined:
            mask[np.fromstring(joined, dtype=np.int64, sep=",")] = True
    return mask


def visible_mask(session: Session, user: User) -> Mask | None:
    """SQLite: the user's visible documents as a mask by id (kept while exact); None on
    PostgreSQL, where searches filter in SQL."""
    if not can(user, "library.view"):
        return np.zeros(1, dtype=np.bool_)
    gens = tuple(generation(session, name) for name in _GENERATIONS)
    if any(g is None for g in gens):
        return None
    # Visibility is itself kept, and read anew when one of the user's grants expires.
    seen = visibility(session, user)
    engine = session.get_bind().engine
    kept = _MASKS.get(engine, user.id)
    if kept is not None and kept.generations == gens and kept.seen == seen:
        return kept.mask
    mask = _read_mask(session, user, seen)
    _MASKS.put(engine, user.id, _KeptMask(gens, seen, mask))
    return mask
