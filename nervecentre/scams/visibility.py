"""Need-to-know for the tracker, in one place: which complaints and messages a user may see.

A complaint attached to a case is visible only to those who may see the case; one attached to
no case, to everyone with ``scam.view``; a message through any visible complaint.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, or_, select, true

from nervecentre.cases.models import Case
from nervecentre.scams.models import ScamComplaint
from nervecentre.security.access import visible_cases_filter
from nervecentre.security.models import User


def visible_complaints(user: User | None) -> Any:
    """WHERE clause on ScamComplaint: attached to no case, or to a case the user may see
    (None: the installation's own authority, every complaint)."""
    if user is None:
        return true()
    return or_(
        ScamComplaint.case_id.is_(None),
        ScamComplaint.case_id.in_(select(Case.id).where(visible_cases_filter(user))),
    )


def visible_messages(user: User | None) -> Select[Any]:
    """The ids of the messages the user may see."""
    return select(ScamComplaint.message_id).where(visible_complaints(user))
