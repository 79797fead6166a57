"""The caller, the audit log and its chain check."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from nervecentre.api._common import ERRORS, Who
from nervecentre.security import audit
from nervecentre.security.roles import can, permissions_of, require
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
    at: datetime
    actor: str
    action: str
    target_type: str
    target_id: str
    detail: dict[str, Any]
    ip: str | None
    hash: str


class VerifyOut(BaseModel):
    """The result of walking the hash chain."""

    ok: bool
    entries_checked: int
    first_bad_id: int | None
    problem: str
    last_id: int
    last_hash: str


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
    before_id: OptionalId = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Any:
    """Audit entries, newest first (needs audit.view; reading the log is itself audited)."""
    entries = audit.read_log(
        database(request),
        who.user,
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
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
            detail=e.details,
            ip=e.ip,
            hash=e.hash,
        )
        for e in entries
    ]


@router.get("/audit/verify", response_model=VerifyOut)
def verify(request: Request, who: Who) -> Any:
    """Walk the audit chain; report the first entry altered, deleted or reordered."""
    require(who.user, "audit.view")
    result = audit.verify(database(request))
    return VerifyOut(**result.__dict__)
