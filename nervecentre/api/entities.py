"""Entity resolution over REST: a record's entity, the review queue, decisions and undo, and
the explanation of a pair — with the pages' permissions and need-to-know.

Reads need ``person.view`` (and ``resolve.decide`` for the queue and the history: they are
the reviewer's tools); decisions and undo need ``resolve.decide`` and a token whose scope
allows it (``read-write``). A record the caller may not see is a 404, as everywhere.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from nervecentre.api._common import ERRORS, Who
from nervecentre.api.cases import Created
from nervecentre.resolve import registry, review, views
from nervecentre.security.fields import cipher_for
from nervecentre.web.auth import client_ip, database
from nervecentre.web.params import MAX_ID, BodyId, RecordId

router = APIRouter(tags=["entities"], responses=ERRORS)
PageNo = Annotated[int, Query(ge=1, le=100_000, description="Page number, from 1")]
PerPage = Annotated[int, Query(ge=1, le=review.MAX_PER_PAGE, description="Rows per page")]
PairId = Annotated[int, Query(ge=1, le=MAX_ID, description="A person record id")]


class DecisionIn(BaseModel):
    """An analyst's verdict on two person records; it binds every later resolution run."""

    person_a: BodyId
    person_b: BodyId
    verdict: Literal["same", "different", "unsure"]
    note: Annotated[str, Field(max_length=review.MAX_NOTE)] = ""


class DecisionsPage(BaseModel):
    """A page of the decisions history, newest first."""

    total: int
    page: int
    per_page: int
    decisions: list[review.PastDecision]


class Undone(BaseModel):
    """The decision that was undone."""

    id: int
    undone: bool = True


@router.get("/people/{person_id}/entity", response_model=views.EntityDetail)
def get_entity(request: Request, who: Who, person_id: RecordId) -> Any:
    """The entity of a person record: its records, names, aliases, phones and cases that the
    caller may see, and why each record is linked (audited as a view of the record)."""
    return views.entity_detail(database(request), who.user, person_id, ip=client_ip(request))


@router.get("/resolve/queue", response_model=review.QueuePage)
def get_queue(request: Request, who: Who, page: PageNo = 1, per_page: PerPage = 50) -> Any:
    """Pairs left for review whose two records the caller may see, most valuable first
    (the model's doubt × the records the decision joins; see docs/resolution.md)."""
    return review.review_queue(database(request), who.user, page=page, per_page=per_page)


@router.get("/resolve/explain", response_model=review.Explanation)
def get_explanation(request: Request, who: Who, a: PairId, b: PairId) -> Any:
    """Why two records are (not) one person: each feature's contribution in bits."""
    db = database(request)
    return review.explanation(db, who.user, cipher_for(db.settings), a, b, ip=client_ip(request))


@router.get("/resolve/decisions", response_model=DecisionsPage)
def get_decisions(request: Request, who: Who, page: PageNo = 1, per_page: PerPage = 50) -> Any:
    """Decisions on pairs of records the caller may see, standing and undone."""
    total, rows = review.decisions_history(
        database(request), who.user, page=page, per_page=per_page
    )
    return DecisionsPage(total=total, page=page, per_page=per_page, decisions=rows)


@router.post("/resolve/decisions", response_model=Created, status_code=201)
def post_decision(request: Request, who: Who, body: DecisionIn) -> Any:
    """Record "same", "different" or "unsure" on two visible records (audited)."""
    found = review.record_decision(
        database(request), who.user, body.person_a, body.person_b, body.verdict, body.note
    )
    return Created(id=found)


@router.post("/resolve/decisions/{decision_id}/undo", response_model=Undone)
def post_undo(request: Request, who: Who, decision_id: RecordId) -> Any:
    """Undo a standing decision (kept in the history, marked undone; audited)."""
    registry.undo(database(request), who.user, decision_id)
    return Undone(id=decision_id)
