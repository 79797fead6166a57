"""The dashboard: what is open, what is new, where and what."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from nervecentre.cases.dashboard import dashboard as build_dashboard
from nervecentre.security.roles import require
from nervecentre.web.auth import Caller, database, page_caller
from nervecentre.web.templating import render

router = APIRouter()


@router.get("/")
async def dashboard(request: Request, who: Annotated[Caller, Depends(page_caller)]) -> Response:
    """Headline figures over the cases the user may see."""
    require(who.user, "report.view")
    board = await run_in_threadpool(build_dashboard, database(request), who.user)
    return render(request, "dashboard.html", {"board": board})
