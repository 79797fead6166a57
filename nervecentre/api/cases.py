"""Cases: search, read, register, change, and add charges, events, identifiers and people."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field, TypeAdapter
from starlette.concurrency import run_in_threadpool

from nervecentre.api._common import ERRORS, Who, as_form
from nervecentre.cases import edit, edit_people, views
from nervecentre.cases.dashboard import Dashboard, dashboard
from nervecentre.errors import InvalidValue
from nervecentre.search.cases import (
    MAX_PAGE,
    MAX_PER_PAGE,
    MAX_TEXT,
    SORTS,
    CasePage,
    parse_query,
    search_cases,
)
from nervecentre.security.roles import require
from nervecentre.web.auth import api_caller, client_ip, database
from nervecentre.web.params import BodyId, RecordId

router = APIRouter(tags=["cases"], responses=ERRORS)
Text = Annotated[str, Field(max_length=20_000)]
Short = Annotated[str, Field(max_length=400)]


class CaseIn(BaseModel):
    """Fields of a case; on update only the fields sent change. Date-times: YYYY-MM-DDTHH:MM."""

    fir_number: Short | None = None
    fir_year: int | None = Field(None, ge=1860, le=2100)
    police_station_code: Short | None = None
    unit_code: Short | None = None
    fir_at: Short | None = None
    info_received_at: Short | None = None
    info_mode: Short | None = None
    occurred_from: Short | None = None
    occurred_to: Short | None = None
    occurrence_place: Short | None = None
    brief_facts: Text | None = None
    crime_heads: list[Short] | None = None
    status: Short | None = None
    investigating_officer: Short | None = None


class ChargeIn(BaseModel):
    """A law section ('IPC 370(3)', 'BNS 143', 'POCSO 14') and the stage it was applied at."""

    section: Short
    stage: Short = "fir"


class EventIn(BaseModel):
    """An arrest, rescue, raid, hearing or verdict, with people of the case taking part."""

    kind: Short
    at: Short
    place: Short = ""
    description: Text = ""
    person_ids: list[BodyId] = []


class IdentifierIn(BaseModel):
    """A phone, e-mail, UPI ID, account, wallet, handle… (kind detected when left out)."""

    value: Short
    kind: Short | None = None
    person_id: BodyId | None = None


class PersonIn(BaseModel):
    """A person and their role in the case; victims are stored protected (encrypted)."""

    role: Short | None = None
    name: Short | None = None
    aliases: list[Short] | None = None
    gender: Short | None = None
    age: int | None = Field(None, ge=0, le=130)
    date_of_birth: Short | None = None
    age_band: Short | None = None
    nationality: Short | None = None
    home_state: Short | None = None
    address: Short | None = None
    contact: Short | None = None
    accused_roles: list[Short] | None = None


class Created(BaseModel):
    """The id of what was created or changed."""

    id: int


# The case list's query parameters. parse_query reads them (one reader for the API and the
# pages, with its own messages); they are declared here for the OpenAPI schema only, so
# that FastAPI does not validate them a second time on every search.
_LIST_PARAMETERS: tuple[tuple[str, dict[str, Any], str], ...] = (
    ("q", {"type": "string", "maxLength": MAX_TEXT}, "Full-text search: every word must occur"),
    ("district", {"type": "string"}, "District code or name"),
    ("police_station", {"type": "string"}, "Police station code (or name, with a district)"),
    ("unit", {"type": "string"}, "Unit code (or name, with a district)"),
    ("status", {"type": "string"}, "Case status, e.g. 'under_investigation'"),
    ("section", {"type": "string"}, "e.g. 'IPC 370' or 'BNS 143': finds both"),
    ("date_from", {"type": "string", "format": "date"}, "FIR on or after (YYYY-MM-DD)"),
    ("date_to", {"type": "string", "format": "date"}, "FIR on or before (YYYY-MM-DD)"),
    ("sort", {"type": "string", "enum": list(SORTS), "default": "-fir_at"}, "'-' for descending"),
    ("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}, "Page"),
    (
        "per_page",
        {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 50},
        "Rows per page",
    ),
)
_LIST_OPENAPI = {
    "parameters": [
        {"name": name, "in": "query", "required": False, "schema": schema, "description": text}
        for name, schema, text in _LIST_PARAMETERS
    ]
}
_PAGE_JSON = TypeAdapter(CasePage)


@router.get("/cases", response_model=CasePage, openapi_extra=_LIST_OPENAPI)
async def list_cases(request: Request) -> Any:
    """Cases visible to the caller, filtered, sorted and paginated (searches are audited)."""
    params = dict(request.query_params)

    def run() -> Response:
        who = api_caller(request)
        if len(params.get("q", "")) > MAX_TEXT:
            raise InvalidValue(
                f"the search text (q) must be at most {MAX_TEXT} characters", kind="q"
            )
        query = parse_query(params)
        found = search_cases(database(request), who.user, query, ip=client_ip(request))
        # Serialised as the response model describes, once (not validated again first).
        return Response(_PAGE_JSON.dump_json(found), media_type="application/json")

    return await run_in_threadpool(run)


@router.post("/cases", response_model=Created, status_code=201)
def create_case(request: Request, who: Who, body: CaseIn) -> Any:
    """Register an FIR."""
    case_id = edit.create_case(database(request), who.user, as_form(body), ip=client_ip(request))
    return Created(id=case_id)


@router.get("/cases/{case_id}", response_model=views.CaseDetail)
def get_case(request: Request, who: Who, case_id: RecordId) -> Any:
    """One case with its charges, people, events, identifiers and documents (audited)."""
    return views.case_detail(database(request), who.user, case_id, ip=client_ip(request))


@router.patch("/cases/{case_id}", response_model=Created)
def update_case(request: Request, who: Who, case_id: RecordId, body: CaseIn) -> Any:
    """Change the fields sent (audited with before and after)."""
    db, ip = database(request), client_ip(request)
    return Created(id=edit.update_case(db, who.user, case_id, as_form(body), ip=ip))


@router.post("/cases/{case_id}/charges", response_model=Created, status_code=201)
def add_charge(request: Request, who: Who, case_id: RecordId, body: ChargeIn) -> Any:
    """Add a charge; its equivalent in the other code is filled in."""
    db, ip = database(request), client_ip(request)
    return Created(id=edit.add_charge(db, who.user, case_id, as_form(body), ip=ip))


@router.delete("/cases/{case_id}/charges/{charge_id}", status_code=204)
def remove_charge(request: Request, who: Who, case_id: RecordId, charge_id: RecordId) -> None:
    """Remove a charge entered by mistake (audited)."""
    edit.remove_charge(database(request), who.user, case_id, charge_id, ip=client_ip(request))


@router.post("/cases/{case_id}/events", response_model=Created, status_code=201)
def add_event(request: Request, who: Who, case_id: RecordId, body: EventIn) -> Any:
    """Add an event to the case's timeline."""
    db, ip = database(request), client_ip(request)
    return Created(id=edit_people.add_event(db, who.user, case_id, as_form(body), ip=ip))


@router.post("/cases/{case_id}/identifiers", response_model=Created, status_code=201)
def add_identifier(request: Request, who: Who, case_id: RecordId, body: IdentifierIn) -> Any:
    """Add an identifier, normalised (the same phone in any format is one identifier)."""
    db, ip = database(request), client_ip(request)
    return Created(id=edit_people.add_identifier(db, who.user, case_id, as_form(body), ip=ip))


@router.post("/cases/{case_id}/people", response_model=Created, status_code=201)
def add_person(request: Request, who: Who, case_id: RecordId, body: PersonIn) -> Any:
    """Add a person with their role in this case."""
    db, ip = database(request), client_ip(request)
    return Created(id=edit_people.add_person(db, who.user, case_id, as_form(body), ip=ip))


@router.get("/dashboard", response_model=Dashboard)
def get_dashboard(request: Request, who: Who) -> Any:
    """The dashboard's figures over the cases visible to the caller."""
    require(who.user, "report.view")
    return dashboard(database(request), who.user)
