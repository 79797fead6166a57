"""What the tracker's pages and API show, read with need-to-know.

A complaint attached to a case is visible only to those who may see the case; one attached
to no case, to everyone with ``scam.view``. A message is visible through any visible
complaint, a campaign through any visible message, and every count and total is over what
the user may see.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nervecentre.cases.models import Case
from nervecentre.errors import NotFound
from nervecentre.scams.links import Lead, leads
from nervecentre.scams.models import (
    ScamCampaign,
    ScamComplaint,
    ScamIndicator,
    ScamMessage,
    ScamMessageIndicator,
)
from nervecentre.scams.naming import campaign_name
from nervecentre.scams.payments import CHAINS, Totals, totals
from nervecentre.scams.visibility import visible_complaints, visible_messages
from nervecentre.security.models import User
from nervecentre.security.roles import require

PAYMENT_KINDS = ("btc", "eth", "xmr", "ltc", "trx", "upi", "phone", "onion")


@dataclass
class CampaignRow:
    """A campaign in a list: its size, span, and what it asked for."""

    id: int
    label: str
    messages: int
    first: datetime | None
    last: datetime | None
    demanded: dict[str, Decimal]
    wallets: int = 0


@dataclass
class MessageRow:
    """A message in a list."""

    id: int
    subject: str
    sender: str
    sent_at: datetime | None
    format: str
    campaign_id: int | None
    complaints: int
    demanded: dict[str, Decimal]


@dataclass
class CampaignDetail:
    """Everything the campaign page shows."""

    campaign: CampaignRow
    messages: list[MessageRow]
    indicators: dict[str, list[tuple[str, int]]]  # kind -> [(value, messages)]
    complaints: list[tuple[int, str, str | None, int | None]]  # id, path, case key, case id
    timeline: list[tuple[date, int]]  # messages per week (Mondays)
    payments: Totals
    leads: list[Lead] = field(default_factory=list)


def _preview(body: str) -> str:
    """What stands for the subject of a message without one (an SMS, a chat)."""
    line = " ".join(body.split())
    return line if len(line) <= 70 else line[:69] + "…"


def _allowed(user: User | None) -> None:
    if user is not None:
        require(user, "scam.view")


def _demanded(values: list[str]) -> dict[str, Decimal]:
    total: dict[str, Decimal] = {}
    for text in values:
        for currency, amount in json.loads(text or "{}").items():
            total[currency] = total.get(currency, Decimal(0)) + Decimal(amount)
    return dict(sorted(total.items()))


def _added(amounts: list[dict[str, Decimal]]) -> dict[str, Decimal]:
    total: dict[str, Decimal] = {}
    for one in amounts:
        for currency, amount in one.items():
            total[currency] = total.get(currency, Decimal(0)) + amount
    return dict(sorted(total.items()))


def list_campaigns(session: Session, user: User | None) -> list[CampaignRow]:
    """Campaigns with at least one visible message, largest first."""
    _allowed(user)
    seen = visible_messages(user)
    rows = session.execute(
        select(
            ScamMessage.campaign_id, ScamMessage.sent_at, ScamMessage.demanded, ScamMessage.masked
        ).where(ScamMessage.id.in_(seen), ScamMessage.campaign_id.is_not(None))
    ).all()
    labels: dict[int, str] = {
        key: name for key, name in session.execute(select(ScamCampaign.id, ScamCampaign.label))
    }
    grouped: dict[int, list[Any]] = {}
    texts: dict[int, list[str]] = {}
    for campaign_id, sent_at, demanded, masked in rows:
        grouped.setdefault(campaign_id or 0, []).append((sent_at, demanded))
        texts.setdefault(campaign_id or 0, []).append(masked)
    payments: dict[int, list[tuple[str, str, int]]] = {}
    for campaign_id, kind, value, count in session.execute(
        select(ScamMessage.campaign_id, ScamIndicator.kind, ScamIndicator.value, func.count())
        .join(ScamMessageIndicator, ScamMessageIndicator.message_id == ScamMessage.id)
        .join(ScamIndicator, ScamIndicator.id == ScamMessageIndicator.indicator_id)
        .where(ScamMessage.id.in_(seen), ScamIndicator.kind.in_(PAYMENT_KINDS))
        .group_by(ScamMessage.campaign_id, ScamIndicator.kind, ScamIndicator.value)
    ):
        payments.setdefault(campaign_id or 0, []).append((kind, value, int(count)))
    wallets = Counter(
        campaign_id
        for campaign_id, _ in session.execute(
            select(ScamMessage.campaign_id, ScamIndicator.id)
            .join(ScamMessageIndicator, ScamMessageIndicator.message_id == ScamMessage.id)
            .join(ScamIndicator, ScamIndicator.id == ScamMessageIndicator.indicator_id)
            .where(ScamMessage.id.in_(seen), ScamIndicator.kind.in_(PAYMENT_KINDS))
            .distinct()
        )
    )
    out = []
    for campaign_id, items in grouped.items():
        dates = [d for d, _ in items if d is not None]
        out.append(
            CampaignRow(
                campaign_id,
                labels.get(campaign_id)
                or campaign_name(texts[campaign_id], payments.get(campaign_id, [])),
                len(items),
                min(dates, default=None), max(dates, default=None),
                _demanded([d for _, d in items]), wallets[campaign_id],
            )
        )  # fmt: skip
    return sorted(out, key=lambda c: (-c.messages, c.id))


def _message_rows(session: Session, user: User | None, *where: Any) -> list[MessageRow]:
    counts = (
        select(ScamComplaint.message_id, func.count().label("n"))
        .where(visible_complaints(user))
        .group_by(ScamComplaint.message_id)
        .subquery()
    )
    rows = session.execute(
        select(ScamMessage, counts.c.n)
        .join(counts, counts.c.message_id == ScamMessage.id)
        .where(*where)
        .order_by(ScamMessage.sent_at.is_(None), ScamMessage.sent_at, ScamMessage.id)
    ).all()
    return [
        MessageRow(
            m.id, m.subject or _preview(m.body), m.sender, m.sent_at, m.format, m.campaign_id, n,
            _demanded([m.demanded]),
        )
        for m, n in rows
    ]  # fmt: skip


def list_messages(session: Session, user: User | None, *, limit: int = 200) -> list[MessageRow]:
    """Visible messages, oldest first (at most ``limit``)."""
    _allowed(user)
    return _message_rows(session, user)[:limit]


def _weeks(dates: list[datetime]) -> list[tuple[date, int]]:
    if not dates:
        return []
    counts = Counter(d.date() - timedelta(days=d.weekday()) for d in dates)
    first, last = min(counts), max(counts)
    out, week = [], first
    while week <= last:
        out.append((week, counts.get(week, 0)))
        week += timedelta(days=7)
    return out


def campaign_detail(session: Session, user: User | None, campaign_id: int) -> CampaignDetail:
    """A campaign as the user may see it; NotFound when none of its messages is visible."""
    _allowed(user)
    messages = _message_rows(session, user, ScamMessage.campaign_id == campaign_id)
    if not messages:
        raise NotFound(f"no campaign {campaign_id}")
    ids = [m.id for m in messages]
    found = session.execute(
        select(ScamIndicator.kind, ScamIndicator.value, func.count())
        .join(ScamMessageIndicator, ScamMessageIndicator.indicator_id == ScamIndicator.id)
        .where(ScamMessageIndicator.message_id.in_(ids))
        .group_by(ScamIndicator.kind, ScamIndicator.value)
        .order_by(ScamIndicator.kind, func.count().desc(), ScamIndicator.value)
    ).all()
    indicators: dict[str, list[tuple[str, int]]] = {}
    for kind, value, count in found:
        indicators.setdefault(kind, []).append((value, int(count)))
    complaints: list[tuple[int, str, str | None, int | None]] = [
        (cid, path, key, case_id)
        for cid, path, key, case_id in session.execute(
            select(ScamComplaint.id, ScamComplaint.path, Case.case_key, ScamComplaint.case_id)
            .outerjoin(Case, Case.id == ScamComplaint.case_id)
            .where(ScamComplaint.message_id.in_(ids), visible_complaints(user))
            .order_by(ScamComplaint.id)
        )
    ]
    label = session.scalar(select(ScamCampaign.label).where(ScamCampaign.id == campaign_id))
    if not label:  # named from what this user may see (see scams.naming)
        masked = session.scalars(select(ScamMessage.masked).where(ScamMessage.id.in_(ids)))
        payments = [(k, v, n) for k, values in indicators.items() for v, n in values]
        label = campaign_name(masked, payments)
    dates = [m.sent_at for m in messages if m.sent_at is not None]
    wallets = [(k, v) for k, values in indicators.items() if k in CHAINS for v, _ in values]
    row = CampaignRow(
        campaign_id, label or "", len(messages), min(dates, default=None),
        max(dates, default=None), _added([m.demanded for m in messages]),
        sum(len(v) for k, v in indicators.items() if k in PAYMENT_KINDS),
    )  # fmt: skip
    pairs = [(k, v) for k, values in indicators.items() for v, _ in values]
    return CampaignDetail(
        row, messages, indicators, complaints, _weeks(dates), totals(session, wallets),
        leads(session, user, pairs),
    )  # fmt: skip


def message_detail(
    session: Session, user: User | None, message_id: int
) -> tuple[ScamMessage, list[tuple[str, str]]]:
    """A visible message and its indicators; NotFound otherwise."""
    _allowed(user)
    message = session.scalars(
        select(ScamMessage).where(ScamMessage.id == message_id,
                                  ScamMessage.id.in_(visible_messages(user)))
    ).first()  # fmt: skip
    if message is None:
        raise NotFound(f"no message {message_id}")
    found = session.execute(
        select(ScamIndicator.kind, ScamIndicator.value)
        .join(ScamMessageIndicator, ScamMessageIndicator.indicator_id == ScamIndicator.id)
        .where(ScamMessageIndicator.message_id == message_id)
        .order_by(ScamIndicator.kind, ScamIndicator.value)
    ).all()
    return message, [(kind, value) for kind, value in found]


def list_indicators(
    session: Session, user: User | None, *, kind: str | None = None, limit: int = 500
) -> list[tuple[str, str, int, int]]:
    """(kind, value, visible messages, campaigns) per indicator, most seen first."""
    _allowed(user)
    query = (
        select(
            ScamIndicator.kind, ScamIndicator.value, func.count(ScamMessage.id),
            func.count(func.distinct(ScamMessage.campaign_id)),
        )
        .join(ScamMessageIndicator, ScamMessageIndicator.indicator_id == ScamIndicator.id)
        .join(ScamMessage, ScamMessage.id == ScamMessageIndicator.message_id)
        .where(ScamMessage.id.in_(visible_messages(user)))
        .group_by(ScamIndicator.kind, ScamIndicator.value)
        .order_by(func.count(ScamMessage.id).desc(), ScamIndicator.kind, ScamIndicator.value)
        .limit(limit)
    )  # fmt: skip
    if kind:
        query = query.where(ScamIndicator.kind == kind)
    return [(k, v, int(n), int(c)) for k, v, n, c in session.execute(query)]
