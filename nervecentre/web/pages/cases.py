"""The case list, the case page and the forms that change a case."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from nervecentre import law, places
from nervecentre.cases import edit, edit_people, views
from nervecentre.errors import Conflict, InvalidValue
from nervecentre.scams.links import registry_links
from nervecentre.search.cases import CaseQuery, parse_query, search_cases
from nervecentre.security.roles import require
from nervecentre.web.auth import Caller, client_ip, database, page_caller
from nervecentre.web.forms import field_errors, read_form
from nervecentre.web.params import RecordId
from nervecentre.web.templating import render

router = APIRouter()
Who = Annotated[Caller, Depends(page_caller)]


def _choices() -> dict[str, Any]:
    heads = [(h.code, h.name) for h in law.crime_heads()]
    return {"districts": places.districts(), "units": places.units(), "crime_heads": heads}


@router.get("/cases")
async def case_list(request: Request, who: Who) -> Response:
    """Search and filter the cases the user may see."""
    params = dict(request.query_params)
    errors: dict[str, str] = {}
    try:
        query = parse_query(params)
    except InvalidValue as exc:
        errors, query = field_errors(exc), CaseQuery()
        found = None
    else:
        db, ip = database(request), client_ip(request)
        found = await run_in_threadpool(search_cases, db, who.user, query, ip=ip)
    context = {"found": found, "query": query, "params": params, "errors": errors, **_choices()}
    return render(request, "cases.html", context, status=422 if errors else 200)


async def _case_page(
    request: Request,
    who: Caller,
    case_id: RecordId,
    errors: dict[str, str] | None = None,
    section: str = "",
    values: dict[str, str] | None = None,
) -> Response:
    detail = await run_in_threadpool(
        views.case_detail, database(request), who.user, case_id, ip=client_ip(request)
    )
    context = {"case": detail, "errors": errors or {}, "section": section, "values": values or {}}
    context["scam_links"] = await run_in_threadpool(
        registry_links, database(request), who.user, case_id=case_id
    )
    return render(request, "case.html", context, status=422 if errors else 200)


@router.get("/cases/new")
async def new_case_form(request: Request, who: Who) -> Response:
    """The form for registering an FIR."""
    require(who.user, "case.create")
    context = {"values": {}, "errors": {}, "case_id": None, **_choices()}
    return render(request, "case_form.html", context)


@router.post("/cases/new")
async def create_case(request: Request, who: Who) -> Response:
    """Register an FIR; on bad input show the form again with the messages."""
    data = await read_form(request, who)
    try:
        case_id = await run_in_threadpool(
            edit.create_case, database(request), who.user, data, ip=client_ip(request)
        )
    except (InvalidValue, Conflict) as exc:
        context = {"values": data, "errors": field_errors(exc), "case_id": None, **_choices()}
        return render(request, "case_form.html", context, status=422)
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


@router.get("/cases/{case_id}")
async def case_page(request: Request, who: Who, case_id: RecordId) -> Response:
    """Everything about one case (the view is audited)."""
    return await _case_page(request, who, case_id)


@router.get("/cases/{case_id}/edit")
async def edit_case_form(request: Request, who: Who, case_id: RecordId) -> Response:
    """The form for changing a case's own fields (it shows every field: audited)."""
    require(who.user, "case.edit")
    values = await run_in_threadpool(
        edit.case_form_data, database(request), who.user, case_id, ip=client_ip(request)
    )
    context = {"values": values, "errors": {}, "case_id": case_id, **_choices()}
    return render(request, "case_form.html", context)


@router.post("/cases/{case_id}/edit")
async def edit_case(request: Request, who: Who, case_id: RecordId) -> Response:
    """Save changes to a case (audited with before and after)."""
    data = await read_form(request, who)
    try:
        await run_in_threadpool(
            edit.update_case, database(request), who.user, case_id, data, ip=client_ip(request)
        )
    except InvalidValue as exc:
        context = {"values": data, "errors": field_errors(exc), "case_id": case_id, **_choices()}
        return render(request, "case_form.html", context, status=422)
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


ADDERS: dict[str, Callable[..., int]] = {
    "charges": edit.add_charge,
    "events": edit_people.add_event,
    "identifiers": edit_people.add_identifier,
    "people": edit_people.add_person,
}


@router.post("/cases/{case_id}/{part}")
async def add_to_case(request: Request, who: Who, case_id: RecordId, part: str) -> Response:
    """Add a charge, event, identifier or person from the forms on the case page."""
    adder = ADDERS.get(part)
    data = await read_form(request, who)
    if adder is None:
        raise InvalidValue(f"cannot add {part!r} to a case", kind="part")
    try:
        await run_in_threadpool(
            adder, database(request), who.user, case_id, data, ip=client_ip(request)
        )
    except InvalidValue as exc:
        return await _case_page(request, who, case_id, field_errors(exc), part, data)
    return RedirectResponse(f"/cases/{case_id}#{part}", status_code=303)


@router.post("/cases/{case_id}/charges/{charge_id}/delete")
async def remove_charge(
    request: Request, who: Who, case_id: RecordId, charge_id: RecordId
) -> Response:
    """Remove a charge entered by mistake (audited)."""
    await read_form(request, who)
    await run_in_threadpool(
        edit.remove_charge,
        database(request),
        who.user,
        case_id,
        charge_id,
        ip=client_ip(request),
    )
    return RedirectResponse(f"/cases/{case_id}#charges", status_code=303)
