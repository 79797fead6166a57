"""Complaints into the database: each message once, each victim's copy as a complaint.

:func:`import_paths` reads files and folders (:mod:`nervecentre.scams.sources`), extracts the
indicators of each message, stores a message unless it is already known (by Message-ID or by
its normalised text, :mod:`nervecentre.scams.dedup`), records the complaint with the file's
SHA-256 (the file's bytes go to the evidence store; with a case, the file becomes one of the
case's documents with a custody entry), and finally regroups every message into campaigns.
A message that cannot be read is reported and the others are still imported.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from nervecentre.cases.models import Case
from nervecentre.cases.people import Person
from nervecentre.errors import NervecentreError, NotFound
from nervecentre.scams.campaigns import Document, cluster
from nervecentre.scams.chat import victim_phones
from nervecentre.scams.dedup import body_key, scam_message_id
from nervecentre.scams.demands import demands
from nervecentre.scams.indicators import Indicator, find_indicators
from nervecentre.scams.masking import masked_message, scam_subject, scam_text
from nervecentre.scams.models import (
    ScamCampaign,
    ScamComplaint,
    ScamIndicator,
    ScamMessage,
    ScamMessageIndicator,
)
from nervecentre.scams.sources import MAX_MESSAGE_BYTES, Message, MessageError, read_messages
from nervecentre.store.db import Database

# Messages stored per transaction.
BATCH = 200


@dataclass
class ImportReport:
    """What an import did: messages read, stored new, known already, and errors."""

    read: int = 0
    new_messages: int = 0
    duplicates: int = 0  # a message already stored, handed in again (a new complaint)
    already_imported: int = 0  # the same file and message imported before: nothing written
    indicators: int = 0
    campaigns: int = 0
    errors: list[MessageError] = field(default_factory=list)
    message_ids: list[int] = field(default_factory=list)
    case_ids: set[int] = field(default_factory=set)


def message_indicators(message: Message) -> list[Indicator]:
    """The validated indicators of a message (its subject, bodies, text attachments)."""
    return find_indicators(message.parsed.text)


def racket_indicators(message: Message) -> list[Indicator]:
    """The message's indicators of the racket: all of them but the complainant's own number.

    A chat's own side (:func:`~nervecentre.scams.chat.victim_phones`: the numbers that sent
    no payment details while another sender did) is the complainant, not the racket: their
    number is not stored as an indicator, so it never links two complaints into one campaign
    nor goes out in an export. It stays on the message, in its sender field, with its side;
    ``scam extract`` still lists it (it reports what the text holds)."""
    found = message_indicators(message)
    own = victim_phones(message.parsed.chat) if message.parsed.chat else frozenset()
    return [i for i in found if not (i.kind == "phone" and i.value in own)]


def _case_id(session: Session, case: str | None) -> int | None:
    if case is None:
        return None
    query = select(Case.id).where(
        or_(Case.case_key == case, Case.id == int(case))
        if case.isdigit()
        else Case.case_key == case
    )
    found = session.scalar(query)
    if found is None:
        raise NotFound(f"no case {case!r} (give its case key, e.g. MH-THN-PS01-2024-0012)")
    return int(found)


def _indicator_id(
    session: Session, cache: dict[tuple[str, str], int], kind: str, value: str
) -> int:
    key = (kind, value)
    if key not in cache:
        found = session.scalar(
            select(ScamIndicator.id).where(ScamIndicator.kind == kind, ScamIndicator.value == value)
        )
        if found is None:
            row = ScamIndicator(kind=kind, value=value)
            session.add(row)
            session.flush()
            found = row.id
        cache[key] = int(found)
    return cache[key]


def _stored_message(session: Session, message: Message) -> tuple[ScamMessage, bool]:
    parsed = message.parsed
    key = body_key(parsed)
    mid = scam_message_id(parsed)
    clauses = [ScamMessage.body_sha256 == key]
    if mid:
        clauses.append(ScamMessage.message_id == mid[:500])
    found = session.scalars(select(ScamMessage).where(or_(*clauses)).limit(1)).first()
    if found is not None:
        return found, False
    origin = parsed.inner if parsed.inner is not None and parsed.inner.sent_at else parsed
    sent = origin.sent_at
    if sent is not None and sent.tzinfo is not None:
        sent = sent.astimezone(UTC).replace(tzinfo=None)
    text = scam_text(parsed)
    row = ScamMessage(
        message_id=mid[:500] if mid else None,
        body_sha256=key,
        format=message.format,
        subject=scam_subject(parsed)[:500],
        sender=(parsed.inner.sender if parsed.inner else parsed.sender)[:500],
        sent_at=sent,
        body=text,
        masked=masked_message(parsed),
        demanded=json.dumps({k: str(v) for k, v in demands(text).items()}, sort_keys=True),
        warnings="\n".join(parsed.warnings),
    )
    session.add(row)
    session.flush()
    return row, True


def _store_batch(
    db: Database,
    batch: list[Message],
    report: ImportReport,
    cache: dict[tuple[str, str], int],
    case_id: int | None,
    complainant: int | None,
    actor: str,
    labels: Mapping[str, str],
) -> None:
    """Store a batch of messages in one transaction (a commit per message is 40 ms)."""
    if not batch:
        return
    with db.session() as session:
        for item in batch:
            seen = session.scalar(
                select(ScamComplaint.id).where(
                    ScamComplaint.file_sha256 == item.file_sha256,
                    ScamComplaint.message_sha256 == item.sha256,
                )
            )
            if seen is not None:
                report.already_imported += 1
                continue
            row, new = _stored_message(session, item)
            report.new_messages += new
            report.duplicates += not new
            if new:
                for indicator in racket_indicators(item):
                    ident = _indicator_id(session, cache, indicator.kind, indicator.value)
                    session.add(ScamMessageIndicator(message_id=row.id, indicator_id=ident))
                    report.indicators += 1
            session.add(
                ScamComplaint(
                    message_id=row.id,
                    path=labels.get(item.path, item.path)[:1000],
                    ref=None if item.ref is None else str(item.ref)[:500],
                    file_sha256=item.file_sha256,
                    message_sha256=item.sha256,
                    size=item.size,
                    case_id=case_id,
                    complainant_id=complainant,
                    actor=actor,
                )
            )
            session.flush()
            report.message_ids.append(row.id)


def _keep_file(db: Database, path: Path, case_key: str | None, actor: str) -> str | None:
    """Put a complaint file in the evidence store (and among the case's documents)."""
    from nervecentre.evidence.documents import add_document, file_store

    try:
        with path.open("rb") as handle:
            file_store(db).put(handle, path.stat().st_size + 1)
        if case_key is not None:
            with path.open("rb") as handle:
                add_document(db, case_key, handle, path.name, actor, "complaint")
    except (OSError, NervecentreError) as exc:
        return f"file not kept as evidence: {exc}"
    return None


def import_paths(
    db: Database,
    paths: Iterable[str | Path],
    *,
    actor: str,
    case: str | None = None,
    complainant: int | None = None,
    max_bytes: int = MAX_MESSAGE_BYTES,
    progress: Callable[[Message | MessageError], None] | None = None,
    labels: Mapping[str, str] | None = None,
) -> ImportReport:
    """Import every message under ``paths``; optionally attach the complaints to a case (by
    case key) and a complainant (a person's id). ``labels`` names files as the complaint
    records them (an upload's own name rather than where it was staged)."""
    report = ImportReport()
    cache: dict[tuple[str, str], int] = {}
    stored_files: set[str] = set()
    with db.session() as session:
        case_id = _case_id(session, case)
        if complainant is not None and session.get(Person, complainant) is None:
            raise NotFound(f"no person {complainant}")
        case_key = session.scalar(select(Case.case_key).where(Case.id == case_id))
    batch: list[Message] = []
    for item in read_messages(paths, max_bytes=max_bytes):
        if progress is not None:
            progress(item)
        if isinstance(item, MessageError):
            report.errors.append(item)
            continue
        report.read += 1
        if item.file_sha256 not in stored_files:
            stored_files.add(item.file_sha256)
            problem = _keep_file(db, Path(item.path), case_key, actor)
            if problem:
                report.errors.append(MessageError(item.path, None, problem))
        batch.append(item)
        if len(batch) >= BATCH:
            _store_batch(db, batch, report, cache, case_id, complainant, actor, labels or {})
            batch = []
    _store_batch(db, batch, report, cache, case_id, complainant, actor, labels or {})
    if case_id is not None:
        report.case_ids.add(case_id)
    report.campaigns = regroup(db)
    return report


def regroup(db: Database) -> int:
    """Cluster every stored message into campaigns; keep a campaign's id where its messages
    stay together (the id most of a group's messages had). Returns the number of campaigns."""
    with db.session() as session:
        rows = session.execute(
            select(ScamMessage.id, ScamMessage.masked, ScamMessage.campaign_id).order_by(
                ScamMessage.sent_at.is_(None), ScamMessage.sent_at, ScamMessage.id
            )
        ).all()
        links = session.execute(
            select(ScamMessageIndicator.message_id, ScamIndicator.kind, ScamIndicator.value).join(
                ScamIndicator, ScamIndicator.id == ScamMessageIndicator.indicator_id
            )
        ).all()
        found: dict[int, list[tuple[str, str]]] = {}
        for message_id, kind, value in links:
            found.setdefault(message_id, []).append((kind, value))
        labels = cluster([Document(masked, found.get(mid, [])) for mid, masked, _ in rows])
        groups: dict[int, list[tuple[int, int | None]]] = {}
        for (mid, _, old), label in zip(rows, labels, strict=True):
            groups.setdefault(label, []).append((mid, old))
        taken: set[int] = set()
        for members in sorted(groups.values(), key=len, reverse=True):
            olds = [old for _, old in members if old is not None and old not in taken]
            campaign_id = max(set(olds), key=olds.count) if olds else None
            if campaign_id is None:
                campaign = ScamCampaign()
                session.add(campaign)
                session.flush()
                campaign_id = campaign.id
            taken.add(campaign_id)
            moved = [mid for mid, old in members if old != campaign_id]
            for start in range(0, len(moved), 500):
                session.execute(
                    update(ScamMessage)
                    .where(ScamMessage.id.in_(moved[start : start + 500]))
                    .values(campaign_id=campaign_id)
                )
        session.flush()
        used = select(ScamMessage.campaign_id).where(ScamMessage.campaign_id.is_not(None))
        for empty in session.scalars(select(ScamCampaign).where(ScamCampaign.id.not_in(used))):
            session.delete(empty)
    return len(groups)
