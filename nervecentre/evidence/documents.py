"""Attach documents to cases and keep their chain of custody."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select

from nervecentre.cases.models import Case
from nervecentre.errors import InvalidValue, NotFound
from nervecentre.evidence.models import CustodyEntry, Document
from nervecentre.evidence.store import FileStore
from nervecentre.store.db import Database

CUSTODY_ACTIONS = ("added", "viewed", "exported", "transferred", "verified", "sealed")


def file_store(db: Database) -> FileStore:
    """The evidence store of this installation."""
    return FileStore(db.settings.files_dir)


def add_document(
    db: Database,
    case_key: str,
    stream: BinaryIO,
    filename: str,
    actor: str,
    title: str = "",
    media_type: str | None = None,
) -> Document:
    """Store a file for a case and record who added it; the first custody entry is 'added'."""
    if not actor.strip():
        raise InvalidValue("a document needs the name of who adds it")
    with db.session() as session:
        case_id = session.scalar(select(Case.id).where(Case.case_key == case_key))
        if case_id is None:
            raise NotFound(f"no case {case_key}")
        sha, size = file_store(db).put(stream, db.settings.max_upload_bytes)
        kind = media_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        doc = Document(
            case_id=case_id,
            sha256=sha,
            size=size,
            media_type=kind,
            filename=Path(filename).name[:300],
            title=title,
            added_by=actor,
        )
        doc.custody.append(CustodyEntry(actor=actor, action="added", note=f"sha256 {sha}"))
        session.add(doc)
    return doc


def record_custody(
    db: Database, document_id: int, actor: str, action: str, note: str = ""
) -> CustodyEntry:
    """Append a custody entry; 'verified' re-hashes the stored bytes and says if they match."""
    if action not in CUSTODY_ACTIONS:
        raise InvalidValue(f"custody action must be one of {', '.join(CUSTODY_ACTIONS)}")
    with db.session() as session:
        doc = session.get(Document, document_id)
        if doc is None:
            raise NotFound(f"no document {document_id}")
        if action == "verified":
            intact = file_store(db).verify(doc.sha256)
            note = (note + " " if note else "") + ("hash matches" if intact else "HASH MISMATCH")
        entry = CustodyEntry(document_id=document_id, actor=actor, action=action, note=note)
        session.add(entry)
    return entry
