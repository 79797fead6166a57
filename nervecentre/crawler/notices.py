"""Takedown notices: one per provider, from a template, recorded when made and when sent.

A notice names every finding of that provider still served (URL, page, server, first found,
SHA-256, the list entry matched) and never carries the material. The template is data
(``crawler/data/notice.txt``, Jinja2); the made text is kept with its SHA-256, so what was
sent can be shown later exactly. Marking a notice sent starts the clock of the time to
removal for its findings (:mod:`nervecentre.crawler.leads`). Both steps are audited.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC
from importlib import resources

import jinja2
from sqlalchemy import select

from nervecentre.crawler.lead_models import CrawlNotice
from nervecentre.crawler.leads import findings
from nervecentre.crawler.process import now_utc
from nervecentre.errors import NotFound
from nervecentre.security import audit
from nervecentre.store.db import Database
from nervecentre.types.times import IST

# Plain text for e-mail or paper, never HTML: nothing here is rendered by a browser.
_ENV = jinja2.Environment(
    autoescape=False,  # noqa: S701
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
)


def _template() -> jinja2.Template:
    text = resources.files("nervecentre.crawler").joinpath("data/notice.txt").read_text()
    return _ENV.from_string(text)


def make_notice(
    db: Database, provider: str, *, actor: audit.Actor, unit: str = "the cyber crime unit"
) -> CrawlNotice:
    """A notice to ``provider`` for its findings still served (stored, audited, not yet sent).

    Raises NotFound when the provider has no finding still served.
    """
    live = [f for f in findings(db) if f.provider == provider and f.removed_at is None]
    if not live:
        raise NotFound(f"no finding still served by {provider!r} (see nervecentre crawl leads)")
    created = now_utc()
    contacts = sorted({c for f in live if f.network and (c := f.network.abuse_contact)})
    with db.session() as session:
        notice = CrawlNotice(
            provider=provider, created_at=created, actor=audit.actor_name(actor), findings="[]"
        )
        notice.text, notice.sha256 = "", ""
        session.add(notice)
        session.flush()
        reference = f"NC-NOTICE-{notice.id:06d}"
        text = _template().render(
            reference=reference,
            provider=provider,
            asn=next((f.network.asn for f in live if f.network and f.network.asn), None),
            contacts=contacts,
            unit=unit,
            created_utc=created.strftime("%Y-%m-%d %H:%M"),
            created_ist=created.replace(tzinfo=UTC).astimezone(IST).strftime("%Y-%m-%d %H:%M"),
            findings=[
                {**f.to_dict(), "found_at": f.found_at.strftime("%Y-%m-%d %H:%M")} for f in live
            ],
            hosts=sorted({f.host for f in live}),
        )
        notice.text = text
        notice.sha256 = hashlib.sha256(text.encode()).hexdigest()
        notice.findings = json.dumps([f.id for f in live])
        detail = {"provider": provider, "findings": len(live), "sha256": notice.sha256}
        audit.record(session, actor, "crawl.notice", "notice", notice.id, detail, ip=None)
    return notice


def mark_sent(db: Database, notice_id: int, *, actor: audit.Actor) -> CrawlNotice:
    """Record a notice as sent now (once; a second call changes nothing)."""
    with db.session() as session:
        notice = session.get(CrawlNotice, notice_id)
        if notice is None:
            raise NotFound(f"no notice with id {notice_id}")
        if notice.sent_at is None:
            notice.sent_at = now_utc()
            detail = {"provider": notice.provider, "sha256": notice.sha256}
            audit.record(session, actor, "crawl.notice_sent", "notice", notice.id, detail, ip=None)
    return notice


def list_notices(db: Database) -> list[CrawlNotice]:
    """Every notice, newest first."""
    with db.session() as session:
        return list(session.scalars(select(CrawlNotice).order_by(CrawlNotice.id.desc())))
