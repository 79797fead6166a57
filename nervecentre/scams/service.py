"""The tracker's writes with their authority checks and audit entries (CLI, web and API).

Permissions: ``scam.import`` to import complaints, transactions and rates; attaching
complaints to a case needs the case visible to the user as well (need-to-know).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from sqlalchemy import select

from nervecentre.cases.models import Case
from nervecentre.errors import InvalidValue, NotFound
from nervecentre.scams.ingest import ImportReport, import_paths
from nervecentre.scams.sources import MAX_MESSAGE_BYTES
from nervecentre.security import audit
from nervecentre.security.access import visible_cases_filter
from nervecentre.security.models import User
from nervecentre.security.roles import require
from nervecentre.security.users import get_user
from nervecentre.store.db import Database


def _authority(db: Database, username: str | None, case: str | None) -> User | None:
    if username is None:
        return None
    user = get_user(db, username)
    require(user, "scam.import")
    if case is not None:
        # Looked up within what the user may see: a case out of sight answers as a missing one
        # (the same words, no internal id).
        query = select(Case.id).where(Case.case_key == case, visible_cases_filter(user))
        with db.session() as session:
            if session.scalar(query) is None:
                raise NotFound(f"no case {case!r}")
    return user


def import_complaints(
    db: Database,
    paths: Iterable[str | Path],
    *,
    operator: str,
    username: str | None = None,
    case: str | None = None,
    complainant: int | None = None,
    max_bytes: int = MAX_MESSAGE_BYTES,
    progress: Callable[[object], None] | None = None,
    labels: Mapping[str, str] | None = None,
) -> ImportReport:
    """Import complaint files as ``username`` (or the installation, named ``operator``)."""
    user = _authority(db, username, case)
    actor = user.username if user is not None else operator
    names = [str(p) for p in paths]
    report = import_paths(
        db,
        names,
        actor=actor,
        case=case,
        complainant=complainant,
        max_bytes=max_bytes,
        progress=progress,
        labels=labels,
    )
    audit.record(
        db,
        user if user is not None else operator,
        "scam.import",
        "scam_complaints",
        None,
        {
            "paths": [(labels or {}).get(n, n) for n in names[:20]],
            "read": report.read,
            "new_messages": report.new_messages,
            "duplicates": report.duplicates,
            "errors": len(report.errors),
            "run_by": operator,
            "case": case,
        },
        cases=report.case_ids,
    )
    return report


EXPORT_FORMATS = ("stix", "misp", "csv")


def export(
    db: Database,
    fmt: str,
    *,
    operator: str,
    user: User | None = None,
    campaign_ids: Sequence[int] = (),
    ip: str | None = None,
) -> str:
    """Campaigns (all visible ones when none is named) as STIX 2.1, MISP JSON or indicator
    CSV; ``user`` None is the installation's own authority. Audited as ``scam.export``."""
    from nervecentre.scams import exports, views

    if fmt not in EXPORT_FORMATS:
        raise InvalidValue(f"export format must be one of {', '.join(EXPORT_FORMATS)}")
    if user is not None:
        require(user, "export.run")
        require(user, "scam.view")
    with db.session() as session:
        if fmt == "csv" and not campaign_ids:
            text = exports.indicators_csv(views.list_indicators(session, user, limit=1_000_000))
            chosen: list[int] = []
        else:
            chosen = list(campaign_ids) or [c.id for c in views.list_campaigns(session, user)]
            details = [views.campaign_detail(session, user, number) for number in chosen]
            items = [
                exports.CampaignExport(
                    d.campaign.id, d.campaign.label or f"Campaign {d.campaign.id}",
                    d.campaign.first, d.campaign.last, d.campaign.messages, d.campaign.demanded,
                    [(k, v, n) for k, values in d.indicators.items() for v, n in values],
                )
                for d in details
            ]  # fmt: skip
            if fmt == "stix":
                text = exports.stix_bundle(items)
            elif fmt == "misp":
                text = exports.misp_json(items)
            else:
                rows = [(k, v, n, 1) for item in items for k, v, n in item.indicators]
                text = exports.indicators_csv(rows)
    audit.record(
        db,
        user if user is not None else operator,
        "scam.export",
        "scam_campaigns",
        None,
        {"format": fmt, "campaigns": chosen[:50], "run_by": operator},
        ip=ip,
    )
    return text


def import_payments(
    db: Database,
    path: Path,
    *,
    operator: str,
    username: str | None = None,
    address: str | None = None,
    rates_for: str | None = None,
) -> tuple[int, int]:
    """Import a transaction export (or, with ``rates_for`` a coin, a rate file); returns
    (written, already known). Audited as ``scam.import``."""
    from nervecentre.scams import payments

    user = _authority(db, username, None)
    if rates_for is not None:
        written, known = (
            payments.store_rates(db, rates_for, payments.read_rates(path), path.name),
            0,
        )
    else:
        written, known = payments.store_payments(
            db, payments.read_payments(path, address), path.name
        )
    audit.record(
        db,
        user if user is not None else operator,
        "scam.import",
        "scam_rates" if rates_for else "scam_transactions",
        None,
        {"file": path.name, "written": written, "known": known, "run_by": operator},
    )
    return written, known
