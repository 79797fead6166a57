"""Leads: an indicator seen in a complaint and also in the case registry.

A wallet, phone, UPI ID, e-mail or URL of a scam message that is an identifier of a case
(``identifiers`` / ``identifier_uses``: an accused's phone, a UPI ID in another case) is a
lead, shown on the campaign's page and on the case's and person's pages. The two sides are
matched through the registry's own normalisation (``nervecentre.types``), so a phone written
``098765-43210`` in a register meets ``+919876543210`` in a complaint. Only cases the user
may see are ever named.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select, true, tuple_
from sqlalchemy.orm import Session

from nervecentre.cases.models import Case
from nervecentre.cases.people import CaseRole, Identifier, IdentifierUse, Person
from nervecentre.scams.indicators import find_indicators
from nervecentre.scams.models import ScamIndicator, ScamMessage, ScamMessageIndicator
from nervecentre.scams.visibility import visible_messages
from nervecentre.security.access import visible_cases_filter
from nervecentre.security.models import User
from nervecentre.security.roles import can
from nervecentre.store.db import Database
from nervecentre.types import try_normalise

# Indicator kind -> registry identifier kind.
REGISTRY_KINDS = {
    "btc": "crypto", "eth": "crypto", "xmr": "crypto", "ltc": "crypto", "trx": "crypto",
    "phone": "phone", "upi": "upi", "email": "email", "url": "url", "onion": "url",
}  # fmt: skip


@dataclass(frozen=True)
class Lead:
    """An indicator of the tracker found among a visible case's identifiers."""

    kind: str
    value: str
    case_id: int
    case_key: str
    person_id: int | None
    person_code: str | None
    role: str | None


@dataclass(frozen=True)
class CampaignLink:
    """A registry identifier of a case that scam messages also give, and their campaigns."""

    kind: str
    value: str
    campaign_ids: tuple[int, ...]
    messages: int


def registry_key(kind: str, value: str) -> tuple[str, str] | None:
    """The (kind, value) the registry stores for an indicator, or None if it has no form."""
    registry_kind = REGISTRY_KINDS.get(kind)
    if registry_kind is None:
        return None
    raw = f"http://{value}" if kind == "onion" else value
    found = try_normalise(registry_kind, raw)
    return (registry_kind, found.value) if found is not None else None


def leads(session: Session, user: User | None, indicators: Iterable[tuple[str, str]]) -> list[Lead]:
    """Every visible case (and person) whose identifiers include one of ``indicators``."""
    keys: dict[tuple[str, str], tuple[str, str]] = {}
    for kind, value in indicators:
        key = registry_key(kind, value)
        if key is not None:
            keys[key] = (kind, value)
    if not keys:
        return []
    rows = session.execute(
        select(
            Identifier.kind, Identifier.value, Case.id, Case.case_key, Person.id, Person.code,
            CaseRole.role,
        )
        .join(IdentifierUse, IdentifierUse.identifier_id == Identifier.id)
        .join(Case, Case.id == IdentifierUse.case_id)
        .outerjoin(Person, Person.id == IdentifierUse.person_id)
        .outerjoin(
            CaseRole,
            (CaseRole.person_id == IdentifierUse.person_id) & (CaseRole.case_id == Case.id),
        )
        .where(tuple_(Identifier.kind, Identifier.value).in_(list(keys)))
        .where(visible_cases_filter(user) if user is not None else true())
        .order_by(Case.case_key)
    ).all()  # fmt: skip
    found = []
    for rkind, rvalue, case_id, case_key, person_id, code, role in rows:
        kind, value = keys[(rkind, rvalue)]
        found.append(Lead(kind, value, case_id, case_key, person_id, code, role))
    return list(dict.fromkeys(found))


def _scam_keys(kind: str, value: str) -> list[tuple[str, str]]:
    """The indicator (kind, value) pairs a registry identifier would be found as."""
    if kind == "crypto" or kind == "url":
        return [(i.kind, i.value) for i in find_indicators(value) if i.kind != "email"]
    if kind in ("phone", "upi", "email"):
        return [(kind, value.lower() if kind != "phone" else value)]
    return []


def campaign_links(
    session: Session, identifiers: Iterable[tuple[str, str]], visible_messages: object
) -> list[CampaignLink]:
    """Which registry identifiers scam messages also give; ``visible_messages`` is a select of
    the message ids the user may see."""
    wanted: dict[tuple[str, str], tuple[str, str]] = {}
    for kind, value in identifiers:
        for key in _scam_keys(kind, value):
            wanted[key] = (kind, value)
    if not wanted:
        return []
    rows = session.execute(
        select(ScamIndicator.kind, ScamIndicator.value, ScamMessage.id, ScamMessage.campaign_id)
        .join(ScamMessageIndicator, ScamMessageIndicator.indicator_id == ScamIndicator.id)
        .join(ScamMessage, ScamMessage.id == ScamMessageIndicator.message_id)
        .where(tuple_(ScamIndicator.kind, ScamIndicator.value).in_(list(wanted)))
        .where(ScamMessage.id.in_(visible_messages))  # type: ignore[arg-type]
    ).all()
    grouped: dict[tuple[str, str], tuple[set[int], set[int]]] = {}
    for kind, value, message_id, campaign_id in rows:
        messages, campaigns = grouped.setdefault(wanted[(kind, value)], (set(), set()))
        messages.add(message_id)
        if campaign_id is not None:
            campaigns.add(campaign_id)
    return [
        CampaignLink(kind, value, tuple(sorted(campaigns)), len(messages))
        for (kind, value), (messages, campaigns) in sorted(grouped.items())
    ]


def registry_links(
    db: Database, user: User, *, case_id: int | None = None, person_id: int | None = None
) -> list[CampaignLink]:
    """The identifiers of a (visible) case or person that complaints also give: the other
    side of a lead, for the case and person pages. Empty without ``scam.view``."""
    if not can(user, "scam.view"):
        return []
    query = (
        select(Identifier.kind, Identifier.value)
        .join(IdentifierUse, IdentifierUse.identifier_id == Identifier.id)
        .join(Case, Case.id == IdentifierUse.case_id)
        .where(visible_cases_filter(user))
        .distinct()
    )
    if case_id is not None:
        query = query.where(IdentifierUse.case_id == case_id)
    if person_id is not None:
        query = query.where(IdentifierUse.person_id == person_id)
    with db.session() as session:
        pairs = [(kind, value) for kind, value in session.execute(query)]
        return campaign_links(session, pairs, visible_messages(user))
