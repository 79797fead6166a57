"""The person page, editing a person, and revealing a protected victim's identity."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from nervecentre.cases import edit_people, person_views
from nervecentre.errors import InvalidValue
from nervecentre.resolve.views import entity_detail
from nervecentre.scams.links import registry_links
from nervecentre.security.reveal import reveal_victim
from nervecentre.web.auth import Caller, client_ip, database, page_caller
from nervecentre.web.forms import field_errors, read_form
from nervecentre.web.params import RecordId
from nervecentre.web.templating import render

router = APIRouter()
Who = Annotated[Caller, Depends(page_caller)]


async def _person_page(
    request: Request, who: Caller, person_id: RecordId, **context: object
) -> Response:
    detail = await run_in_threadpool(
        person_views.person_detail, database(request), who.user, person_id, ip=client_ip(request)
    )
    # After person_detail, which checks need-to-know and audits the view of the record; the
    # entity's other records shown are audited with it.
    entity = await run_in_threadpool(
        lambda: entity_detail(
            database(request), who.user, person_id, ip=client_ip(request), audit_alone=False
        )
    )
    values = {
        "person": detail,
        "entity": entity,
        "revealed": None,
        "errors": {},
        "values": {},
        **context,
    }
    values["scam_links"] = await run_in_threadpool(
        registry_links, database(request), who.user, person_id=person_id
    )
    return render(request, "person.html", values, status=422 if values["errors"] else 200)


@router.get("/people/{person_id}")
async def person_page(request: Request, who: Who, person_id: RecordId) -> Response:
    """A person's cases and roles, identifiers, and people linked through them (audited)."""
    return await _person_page(request, who, person_id)


@router.post("/people/{person_id}/reveal")
async def reveal(request: Request, who: Who, person_id: RecordId) -> Response:
    """Show a protected victim's name and contact to an authorised user, with a reason."""
    data = await read_form(request, who)
    try:
        revealed = await run_in_threadpool(
            reveal_victim,
            database(request),
            who.user,
            person_id,
            data.get("reason", ""),
            ip=client_ip(request),
        )
    except InvalidValue as exc:
        return await _person_page(request, who, person_id, errors=field_errors(exc), values=data)
    return await _person_page(request, who, person_id, revealed=revealed)


@router.post("/people/{person_id}/edit")
async def edit_person(request: Request, who: Who, person_id: RecordId) -> Response:
    """Save changes to a person record (audited; protected values never in the log)."""
    data = await read_form(request, who)
    try:
        await run_in_threadpool(
            edit_people.update_person,
            database(request),
            who.user,
            person_id,
            data,
            ip=client_ip(request),
        )
    except InvalidValue as exc:
        return await _person_page(request, who, person_id, errors=field_errors(exc), values=data)
    return RedirectResponse(f"/people/{person_id}", status_code=303)
