"""The case-study library: search with highlights, documents, similar cases, upload."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, UploadFile
from fastapi.params import File, Form
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from nervecentre.api._common import ERRORS, Who
from nervecentre.errors import InputFileError
from nervecentre.library import ingest, manage, search, similar, views
from nervecentre.security.roles import require
from nervecentre.web.auth import client_ip, database
from nervecentre.web.params import RecordId

router = APIRouter(tags=["library"], responses=ERRORS)


class HitOut(BaseModel):
    """A document found, best first; ``snippet`` is HTML with <mark> around the matches."""

    document: int
    title: str
    path: str
    score: float
    snippet: str


class SimilarOut(BaseModel):
    """A similar document or case, its score (0-1) and why."""

    kind: str
    id: int
    title: str
    score: float
    why: list[str]
    outcome: str


class AddedOut(BaseModel):
    """What became of an uploaded file: 'added' or 'duplicate' (already stored)."""

    document: int | None
    status: str
    title: str
    extraction: str


@router.get("/library/search", response_model=list[HitOut])
def search_library(
    request: Request,
    who: Who,
    q: Annotated[str, Query(max_length=search.MAX_QUERY, description='Words, "phrase", prefix*')],
    limit: Annotated[int, Query(ge=1, le=100)] = search.PER_PAGE,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> Any:
    """Full-text search of the documents the caller may see (audited)."""
    hits = search.search(
        database(request), who.user, q, limit=limit, offset=offset, ip=client_ip(request)
    )
    return [h.as_json() for h in hits]


@router.get("/library/documents", response_model=list[dict[str, Any]])
def list_library(
    request: Request, who: Who, page: Annotated[int, Query(ge=1, le=100_000)] = 1
) -> Any:
    """One page (50) of the documents the caller may see, newest judgment first."""
    rows, _ = views.list_documents(database(request), who.user, page)
    return [asdict(r) for r in rows]


@router.get("/library/documents/{document_id}", response_model=dict[str, Any])
def get_document(request: Request, who: Who, document_id: RecordId) -> Any:
    """A document: metadata, extracted text, and the visible cases it is linked to (audited)."""
    detail = views.document_detail(database(request), who.user, document_id, ip=client_ip(request))
    return asdict(detail)


@router.get("/library/documents/{document_id}/similar", response_model=list[SimilarOut])
def similar_to_document(request: Request, who: Who, document_id: RecordId) -> Any:
    """Documents and cases like this document, best first, with reasons."""
    found = similar.similar(
        database(request), who.user, document_id=document_id, ip=client_ip(request)
    )
    return [s.as_json() for s in found]


@router.get("/cases/{case_id}/similar", response_model=list[SimilarOut])
def similar_to_case(request: Request, who: Who, case_id: RecordId) -> Any:
    """Library documents and cases like this case, best first, with reasons."""
    found = similar.similar(database(request), who.user, case_id=case_id, ip=client_ip(request))
    return [s.as_json() for s in found]


class LinkIn(BaseModel):
    """The case to link a document to."""

    case: str = Field(min_length=1, max_length=100, description="Case key or FIR/year")


class RestrictIn(BaseModel):
    """Restrict a document (true), or open it to the library (false; needs case.view_all)."""

    restricted: bool


class ChangedOut(BaseModel):
    """What a change did; ``restricted`` is the document's state after it."""

    document: int
    case: str | None
    restricted: bool
    message: str


def _changed(done: manage.Changed) -> ChangedOut:
    return ChangedOut(
        document=done.document_id, case=done.case_key, restricted=done.restricted,
        message=done.message,
    )  # fmt: skip


@router.post("/library/documents/{document_id}/links", response_model=ChangedOut)
def link_document(request: Request, who: Who, document_id: RecordId, body: LinkIn) -> Any:
    """Link a visible document to a visible case (needs library.add; audited)."""
    db, ip = database(request), client_ip(request)
    return _changed(manage.link(db, who.user, document_id, body.case, ip=ip))


@router.delete("/library/documents/{document_id}/links/{case_id}", response_model=ChangedOut)
def unlink_document(request: Request, who: Who, document_id: RecordId, case_id: RecordId) -> Any:
    """Unlink a document from a case; unlinking the last case restricts it (audited)."""
    db, ip = database(request), client_ip(request)
    return _changed(manage.unlink(db, who.user, document_id, case_id, ip=ip))


@router.put("/library/documents/{document_id}/restricted", response_model=ChangedOut)
def restrict_document(request: Request, who: Who, document_id: RecordId, body: RestrictIn) -> Any:
    """Restrict a document, or open it to the library (needs case.view_all; audited)."""
    db, ip = database(request), client_ip(request)
    return _changed(manage.restrict(db, who.user, document_id, body.restricted, ip=ip))


@router.post("/library/documents", response_model=AddedOut, status_code=201)
async def add_document(
    request: Request,
    who: Who,
    file: Annotated[UploadFile, File(description="A PDF, DOCX or TXT file")],
    case: Annotated[str | None, Form(description="Case key or FIR/year to link")] = None,
    title: Annotated[str | None, Form(max_length=300)] = None,
) -> Any:
    """Add a document (needs library.add; audited). A file we cannot read is a 422."""
    require(who.user, "library.add")
    db = database(request)
    limit = db.settings.max_upload_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise InputFileError(f"file is larger than the {limit:,}-byte limit")
    done = await run_in_threadpool(
        ingest.add_bytes, db, data, file.filename or "upload", actor=who.user, case=case,
        title=title, ip=client_ip(request),
    )  # fmt: skip
    return AddedOut(
        document=done.document_id, status=done.status, title=done.title, extraction=done.message
    )
