"""People: read, change, and reveal a protected victim's identity (with a reason)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from nervecentre.api._common import ERRORS, Who, as_form
from nervecentre.api.cases import Created, PersonIn
from nervecentre.cases import edit_people, person_views
from nervecentre.security.reveal import reveal_victim
from nervecentre.web.auth import client_ip, database
from nervecentre.web.params import RecordId

router = APIRouter(tags=["people"], responses=ERRORS)


class RevealIn(BaseModel):
    """Why the identity is needed (at least 10 characters; kept in the audit log)."""

    reason: Annotated[str, Field(max_length=1000)]


class Revealed(BaseModel):
    """A protected victim's identity, decrypted for this caller only."""

    name: str
    address: str
    contact: str


@router.get("/people/{person_id}", response_model=person_views.PersonDetail)
def get_person(request: Request, who: Who, person_id: RecordId) -> Any:
    """A person's cases and roles, identifiers and linked people (audited)."""
    return person_views.person_detail(database(request), who.user, person_id, ip=client_ip(request))


@router.patch("/people/{person_id}", response_model=Created)
def update_person(request: Request, who: Who, person_id: RecordId, body: PersonIn) -> Any:
    """Change a person record (audited; protected values never enter the log)."""
    db, ip = database(request), client_ip(request)
    return Created(id=edit_people.update_person(db, who.user, person_id, as_form(body), ip=ip))


@router.post("/people/{person_id}/reveal", response_model=Revealed)
def reveal(request: Request, who: Who, person_id: RecordId, body: RevealIn) -> Any:
    """Reveal a protected victim's name, address and contact (needs victim.reveal; audited)."""
    values = reveal_victim(
        database(request), who.user, person_id, body.reason, ip=client_ip(request)
    )
    return Revealed(**values)
