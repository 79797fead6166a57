"""The tracker's writes with their authority checks and audit entries (CLI, web and API).

Permissions: ``scam.import`` to import complaints, transactions and rates; attaching
complaints to a case needs the case visible to the user as well (need-to-know).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import select

from nervecentre.cases.models import Case
from nervecentre.errors import NotFound
from nervecentre.scams.ingest import ImportReport, import_paths
from nervecentre.scams.sources import MAX_MESSAGE_BYTES
from nervecentre.security import audit
from nervecentre.security.access import require_case
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
        with db.session() as session:
            case_id = session.scalar(select(Case.id).where(Case.case_key == case))
        if case_id is None:
            raise NotFound(f"no case {case!r}")
        require_case(db, user, int(case_id))
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
) -> ImportReport:
    """Import complaint files as ``username`` (or the installation, named ``operator``)."""
    user = _authority(db, username, case)
    actor = user.username if user is not None else operator
    names = [str(p) for p in paths]
    report = import_paths(
        db, names, actor=actor, case=case, complainant=complainant, max_bytes=max_bytes
    )
    audit.record(
        db,
        user if user is not None else operator,
        "scam.import",
        "scam_complaints",
        None,
        {
            "paths": names[:20],
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
