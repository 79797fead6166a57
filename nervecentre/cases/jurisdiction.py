"""Where a user may register a case, and whether its FIR number is free there.

FIR numbers are per police station and year. A user keeps cases in their own or granted units
and registers them at those units' police stations (a district unit, such as an AHTU, at its
district's stations). Both are checked before the duplicate, so that nobody learns whether an
FIR exists at a station that is not theirs, and a clash with a case the user cannot see names
no case. The web forms and the API reach these through :mod:`nervecentre.cases.edit`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nervecentre import places
from nervecentre.cases.models import Case
from nervecentre.errors import Conflict, InvalidValue, PermissionDenied
from nervecentre.security.access import visible_cases_filter
from nervecentre.security.models import AccessGrant, User
from nervecentre.security.roles import can
from nervecentre.store.base import utcnow


def _units_of(session: Session, user: User) -> set[str] | None:
    """The units a user belongs to or is actively granted; None for those who oversee all."""
    if can(user, "case.view_all"):
        return None
    now = utcnow()
    granted = session.scalars(
        select(AccessGrant.unit_code).where(
            AccessGrant.grantee_id == user.id,
            AccessGrant.unit_code.is_not(None),
            AccessGrant.revoked_at.is_(None),
            (AccessGrant.expires_at.is_(None)) | (AccessGrant.expires_at > now),
        )
    )
    return set(user.unit_codes) | {code for code in granted if code}


def _covers(unit_code: str, station: places.Unit) -> bool:
    """A police station registers its own FIRs; a district unit (AHTU, cyber cell, the
    resource centre) registers them at the police stations of its district."""
    if unit_code == station.code:
        return True
    try:
        unit = places.unit(unit_code)
    except InvalidValue:
        return False
    return unit.kind != "police_station" and unit.district == station.district


def require_place(
    session: Session, user: User, unit_code: str | None, station_code: str | None
) -> None:
    """Users keep cases only in their own or granted units, and register them only at the
    police stations of those units. Checked before any duplicate: a refused user must not
    learn whether an FIR exists at a station that is not theirs."""
    units = _units_of(session, user)
    if units is None:
        return
    own = ", ".join(user.unit_codes) or "none"
    if unit_code is not None and unit_code not in units:
        raise PermissionDenied(
            f"{user.username} may keep cases only in their own or granted units (own: {own});"
            f" not in {unit_code}"
        )
    if station_code is not None:
        station = places.unit(station_code)
        if not any(_covers(code, station) for code in units):
            raise PermissionDenied(
                f"{user.username} may register cases only at the police stations of their own"
                f" or granted units (own: {own}); not at {station_code}"
            )


def check_duplicate(
    session: Session, user: User, values: Mapping[str, Any], case_id: int | None
) -> None:
    """FIR numbers are unique per police station and year. A clash with a case the user
    cannot see is refused without naming it or confirming that it exists."""
    query = select(Case.id, Case.case_key).where(
        Case.police_station_code == values["police_station_code"],
        Case.fir_year == values["fir_year"],
        Case.fir_number == values["fir_number"],
    )
    if case_id is not None:
        query = query.where(Case.id != case_id)
    clash = session.execute(query).first()
    if clash is None:
        return
    fir = f"FIR {values['fir_number']}/{values['fir_year']}"
    station = places.unit(values["police_station_code"]).name
    if session.scalar(select(Case.id).where(Case.id == clash.id, visible_cases_filter(user))):
        raise Conflict(f"{fir} of {station} is already registered: case {clash.case_key}")
    raise Conflict(
        f"{fir} of {station} cannot be registered: check its number and year, or ask an"
        " administrator"
    )
