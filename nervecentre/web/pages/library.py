"""The library pages: search with highlighted snippets, a document, similar cases."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from nervecentre.library import search, similar, views
from nervecentre.security.access import require_case
from nervecentre.web.auth import Caller, client_ip, database, page_caller
from nervecentre.web.params import MAX_ID, RecordId
from nervecentre.web.templating import render

router = APIRouter()
Who = Annotated[Caller, Depends(page_caller)]


@router.get("/library")
async def library_page(
    request: Request,
    who: Who,
    q: Annotated[str, Query(max_length=search.MAX_QUERY)] = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    """The documents the user may see, or those matching ``q`` with highlighted snippets."""
    db, ip = database(request), client_ip(request)
    hits: list[search.Hit] = []
    rows: list[views.DocumentSummary] = []
    total = 0
    if q.strip():
        offset = (page - 1) * search.PER_PAGE
        hits = await run_in_threadpool(search.search, db, who.user, q, offset=offset, ip=ip)
    else:
        rows, total = await run_in_threadpool(views.list_documents, db, who.user, page)
    context = {"q": q, "hits": hits, "rows": rows, "total": total, "page": page}
    return render(request, "library.html", context)


@router.get("/library/similar")
async def similar_page(
    request: Request,
    who: Who,
    case: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    document: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    """Judgments and cases like a case or a document, and why."""
    db, ip = database(request), client_ip(request)
    found = await run_in_threadpool(
        lambda: similar.similar(db, who.user, case_id=case, document_id=document, ip=ip)
    )
    source = None
    if case is not None:
        source = await run_in_threadpool(lambda: require_case(db, who.user, case).case_key)
    context = {"found": found, "case_id": case, "document_id": document, "source": source}
    return render(request, "library_similar.html", context)


@router.get("/library/{document_id}")
async def document_page(request: Request, who: Who, document_id: RecordId) -> Response:
    """A document: metadata, linked cases, similar documents and its text (audited)."""
    db, ip = database(request), client_ip(request)
    detail = await run_in_threadpool(views.document_detail, db, who.user, document_id, ip=ip)
    found = await run_in_threadpool(
        lambda: similar.similar(db, who.user, document_id=document_id, limit=5, ip=ip)
    )
    return render(request, "library_document.html", {"doc": detail, "similar": found})
