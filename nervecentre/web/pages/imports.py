"""Spreadsheet import in the browser: upload, read the validation report, confirm."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from nervecentre.errors import InputFileError, InvalidValue
from nervecentre.imports import uploads
from nervecentre.security.roles import require
from nervecentre.web.auth import Caller, check_csrf, client_ip, database, page_caller
from nervecentre.web.templating import render

router = APIRouter()
Who = Annotated[Caller, Depends(page_caller)]


@router.get("/import")
async def import_form(request: Request, who: Who) -> Response:
    """The upload form."""
    require(who.user, "import.run")
    return render(request, "import.html", {"report": None, "staged": None, "error": ""})


@router.post("/import")
async def upload(request: Request, who: Who) -> Response:
    """Stage the uploaded register and show what importing it would do (nothing is written)."""
    require(who.user, "import.run")
    form = await request.form()
    token = form.get("csrf_token")
    check_csrf(who, token if isinstance(token, str) else "")
    file = form.get("file")
    db = database(request)
    try:
        if not isinstance(file, UploadFile) or not file.filename:
            raise InvalidValue("choose a register file (.xlsx or .csv) to upload", kind="file")
        staged = await run_in_threadpool(
            uploads.stage_upload, db, who.user, file.filename, file.file
        )
        report = await run_in_threadpool(
            uploads.check_upload, db, who.user, staged.token, ip=client_ip(request)
        )
    except (InvalidValue, InputFileError) as exc:
        context = {"report": None, "staged": None, "error": str(exc)}
        return render(request, "import.html", context, status=422)
    return render(request, "import.html", {"report": report, "staged": staged, "error": ""})


@router.post("/import/confirm")
async def confirm(request: Request, who: Who) -> Response:
    """Import the checked register for real, as the signed-in user, and show the result."""
    form = await request.form()
    csrf = form.get("csrf_token")
    check_csrf(who, csrf if isinstance(csrf, str) else "")
    token = form.get("token")
    db = database(request)
    if form.get("action") == "cancel":
        await run_in_threadpool(uploads.discard_upload, db, who.user, str(token or ""))
        return render(request, "import.html", {"report": None, "staged": None, "error": ""})
    report = await run_in_threadpool(
        uploads.confirm_upload, db, who.user, str(token or ""), ip=client_ip(request)
    )
    return render(
        request, "import.html", {"report": report, "staged": None, "error": "", "done": True}
    )
