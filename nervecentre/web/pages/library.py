"""The library pages: search with highlighted snippets, a document, similar cases."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from nervecentre.errors import InputFileError, InvalidValue, NotFound, PermissionDenied
from nervecentre.library import ingest, manage, search, similar, views
from nervecentre.security.access import require_case
from nervecentre.security.roles import require
from nervecentre.web.auth import Caller, check_csrf, client_ip, database, page_caller
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


@router.get("/library/add")
async def add_form(request: Request, who: Who) -> Response:
    """The form that adds a document to the library (needs library.add)."""
    require(who.user, "library.add")
    return render(request, "library_add.html", {"added": None, "error": "", "values": {}})


@router.post("/library/add")
async def add_upload(request: Request, who: Who) -> Response:
    """Add the uploaded document, linked to a case if one is named; audited as the CLI's."""
    require(who.user, "library.add")
    form = await request.form()
    token = form.get("csrf_token")
    check_csrf(who, token if isinstance(token, str) else "")
    db = database(request)
    values = {k: str(form.get(k) or "").strip()[:300] for k in ("case", "title")}
    file = form.get("file")
    try:
        if not isinstance(file, UploadFile) or not file.filename:
            raise InvalidValue("choose a PDF, DOCX or TXT file to add", kind="file")
        limit = db.settings.max_upload_bytes
        data = await file.read(limit + 1)
        if len(data) > limit:
            raise InputFileError(f"{file.filename}: larger than the {limit:,}-byte limit")
        added = await run_in_threadpool(
            ingest.add_bytes, db, data, file.filename, actor=who.user,
            case=values["case"] or None, title=values["title"] or None, ip=client_ip(request),
        )  # fmt: skip
    except (InvalidValue, InputFileError, NotFound) as exc:
        context = {"added": None, "error": str(exc), "values": values}
        return render(request, "library_add.html", context, status=422)
    return render(request, "library_add.html", {"added": added, "error": "", "values": {}})


@router.get("/library/{document_id}")
async def document_page(request: Request, who: Who, document_id: RecordId) -> Response:
    """A document: metadata, linked cases, similar documents and its text (audited)."""
    return await _document(request, who, document_id)


async def _document(
    request: Request, who: Caller, document_id: int, *, error: str = "", case: str = ""
) -> Response:
    db, ip = database(request), client_ip(request)
    detail = await run_in_threadpool(views.document_detail, db, who.user, document_id, ip=ip)
    found = await run_in_threadpool(
        lambda: similar.similar(db, who.user, document_id=document_id, limit=5, ip=ip)
    )
    context = {"doc": detail, "similar": found, "error": error, "case_value": case}
    return render(request, "library_document.html", context, status=422 if error else 200)


async def _form(request: Request, who: Caller) -> dict[str, str]:
    form = await request.form()
    token = form.get("csrf_token")
    check_csrf(who, token if isinstance(token, str) else "")
    return {k: str(v).strip()[:100] for k, v in form.items() if isinstance(v, str)}


def _back(document_id: int) -> Response:
    return RedirectResponse(f"/library/{document_id}#linked-cases", status_code=303)


@router.post("/library/{document_id}/links")
async def link_form(request: Request, who: Who, document_id: RecordId) -> Response:
    """Link the document to the case named in the form (library.add; audited)."""
    values = await _form(request, who)
    db, ip = database(request), client_ip(request)
    case = values.get("case", "")
    try:
        if not case:
            raise InvalidValue("name the case: its case key or FIR/year", kind="case")
        await run_in_threadpool(lambda: manage.link(db, who.user, document_id, case, ip=ip))
    except (InvalidValue, PermissionDenied) as exc:
        return await _document(request, who, document_id, error=str(exc), case=case)
    except NotFound as exc:
        views_ok = await run_in_threadpool(lambda: _visible(request, who, document_id))
        if not views_ok:
            raise
        return await _document(request, who, document_id, error=str(exc), case=case)
    return _back(document_id)


def _visible(request: Request, who: Caller, document_id: int) -> bool:
    """Whether the document itself is visible (a missing case is then the form's error)."""
    from nervecentre.library.access import require_document

    with database(request).session() as session:
        try:
            require_document(session, who.user, document_id)
        except NotFound:
            return False
    return True


@router.post("/library/{document_id}/links/{case_id}/unlink")
async def unlink_form(
    request: Request, who: Who, document_id: RecordId, case_id: RecordId
) -> Response:
    """Unlink the document from one of its cases; the last unlink restricts it (audited)."""
    await _form(request, who)
    db, ip = database(request), client_ip(request)
    await run_in_threadpool(lambda: manage.unlink(db, who.user, document_id, case_id, ip=ip))
    return _back(document_id)


@router.post("/library/{document_id}/restricted")
async def restrict_form(request: Request, who: Who, document_id: RecordId) -> Response:
    """Restrict the document (restricted=yes) or open it to the library (no; audited)."""
    values = await _form(request, who)
    db, ip = database(request), client_ip(request)
    restricted = values.get("restricted", "yes") != "no"
    await run_in_threadpool(lambda: manage.restrict(db, who.user, document_id, restricted, ip=ip))
    return _back(document_id)
