"""The caller, the audit log (under need-to-know) and its chain check."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from nervecentre.api._common import ERRORS, Who
from nervecentre.security import audit_verify
from nervecentre.security.audit_view import AuditFilter, read_log
from nervecentre.security.roles import can, permissions_of, require
from nervecentre.types.times import SystemTime
from nervecentre.web.auth import client_ip, database
from nervecentre.web.params import OptionalId

router = APIRouter(tags=["admin"], responses=ERRORS)


class Me(BaseModel):
    """Who the API thinks the caller is, and what they may do."""

    username: str
    display_name: str
    role: str
    units: list[str]
    permissions: list[str]
    #: An API token's scope (its permissions are the role's within it); null for a session.
    scope: str | None = None


class AuditOut(BaseModel):
    """One audit-log entry."""

    id: int
    at: SystemTime
    actor: str
    action: str
    target_type: str
    target_id: str
    detail: dict[str, Any]
    ip: str | None
    hash: str


class ProblemOut(BaseModel):
    """One thing wrong with the chain, at an entry (None: a damaged checkpoint file)."""

    entry_id: int | None
    problem: str


class VerifyOut(BaseModel):
    """The result of walking the hash chain: the first problem, then all of them."""

    ok: bool
    entries_checked: int
    first_bad_id: int | None
    problem: str
    last_id: int
    last_hash: str
    problems: list[ProblemOut]
    anchors_checked: int


@router.get("/me", response_model=Me)
def me(who: Who) -> Any:
    """The caller's account, role, units and permissions."""
    user = who.user
    return Me(
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        units=user.unit_codes,
        permissions=sorted(p for p in permissions_of(user.role) if can(user, p)),
        scope=user.scope.name if user.scope else None,
    )


@router.get("/audit", response_model=list[AuditOut])
def audit_log(
    request: Request,
    who: Who,
    actor: str | None = None,
    action: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    since: Annotated[str | None, Query(description="First day, YYYY-MM-DD (UTC)")] = None,
    until: Annotated[str | None, Query(description="Last day, YYYY-MM-DD (UTC)")] = None,
    text: Annotated[str | None, Query(description="Text in the actor, target or detail")] = None,
    before_id: OptionalId = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Any:
    """Audit entries the caller may read, newest first: those about cases they may see, and
    their own; every entry with audit.view_all. Needs audit.view; the read is audited."""
    filters = AuditFilter.parse(
        actor=actor, action=action, target_type=target_type, target_id=target_id,
        since=since, until=until, text=text,
    )  # fmt: skip
    entries = read_log(
        database(request),
        who.user,
        filters,
        before_id=before_id,
        limit=limit,
        ip=client_ip(request),
    )
    return [
        AuditOut(
            id=e.id,
            at=e.at,
            actor=e.actor,
            action=e.action,
            target_type=e.target_type,
            target_id=e.target_id,
            detail=e.detail,
            ip=e.ip,
            hash=e.hash,
        )
        for e in entries
    ]


@router.get("/audit/verify", response_model=VerifyOut)
def verify(request: Request, who: Who) -> Any:
    """Walk the audit chain against the checkpoints; report every entry altered, deleted,
    reordered, forged beyond the head, back-dated or cut off."""
    require(who.user, "audit.view")
    result = audit_verify.verify(database(request))
    return VerifyOut(
        ok=result.ok,
        entries_checked=result.entries_checked,
        first_bad_id=result.first_bad_id,
        problem=result.problem,
        last_id=result.last_id,
        last_hash=result.last_hash,
        problems=[ProblemOut(entry_id=p.entry_id, problem=p.text) for p in result.problems],
        anchors_checked=result.anchors_checked,
    )
