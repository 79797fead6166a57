"""Documents: content-addressed storage, hashes, custody log, tamper detection."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from sqlalchemy import select

from nervecentre.errors import InputFileError, InvalidValue, NotFound
from nervecentre.evidence.documents import add_document, file_store, record_custody
from nervecentre.evidence.models import CustodyEntry, Document
from nervecentre.imports import import_register
from nervecentre.store.db import Database
from tests.imports.registers import row, write_csv


@pytest.fixture
def case_key(db: Database, tmp_path: Path) -> str:
    import_register(db, write_csv(tmp_path / "reg.csv", [row(1)]))
    with db.session() as s:
        from nervecentre.cases.models import Case

        return s.scalars(select(Case.case_key)).one()


def test_document_is_stored_once_by_sha256_with_custody(db: Database, case_key: str) -> None:
    data = b"%PDF-1.4 synthetic charge sheet\n" * 100
    doc = add_document(db, case_key, io.BytesIO(data), "charge-sheet.pdf", actor="PSI More")
    again = add_document(db, case_key, io.BytesIO(data), "copy.pdf", actor="PSI More")
    assert doc.sha256 == again.sha256 == hashlib.sha256(data).hexdigest()
    assert doc.size == len(data) and doc.media_type == "application/pdf"
    stored = file_store(db).path_for(doc.sha256)
    assert stored.read_bytes() == data
    assert len(list(stored.parent.iterdir())) == 1
    record_custody(db, doc.id, "Analyst Kale", "viewed", "for report")
    entry = record_custody(db, doc.id, "Analyst Kale", "verified")
    assert entry.note == "hash matches"
    with db.session() as s:
        actions = s.scalars(
            select(CustodyEntry.action)
            .where(CustodyEntry.document_id == doc.id)
            .order_by(CustodyEntry.id)
        ).all()
        assert actions == ["added", "viewed", "verified"]
        assert s.scalar(select(Document.added_by).where(Document.id == doc.id)) == "PSI More"


def test_tampered_file_is_detected(db: Database, case_key: str) -> None:
    doc = add_document(db, case_key, io.BytesIO(b"original bytes"), "note.txt", actor="IO")
    path = file_store(db).path_for(doc.sha256)
    path.chmod(0o640)
    path.write_bytes(b"altered bytes")
    assert record_custody(db, doc.id, "Auditor", "verified").note == "HASH MISMATCH"


def test_bad_requests_are_refused(db: Database, case_key: str) -> None:
    with pytest.raises(NotFound):
        add_document(db, "NO/2023/1", io.BytesIO(b"x"), "x.txt", actor="IO")
    with pytest.raises(InvalidValue):
        add_document(db, case_key, io.BytesIO(b"x"), "x.txt", actor=" ")
    with pytest.raises(InvalidValue):
        record_custody(db, 1, "IO", "destroyed")
    with pytest.raises(InputFileError):
        file_store(db).path_for("../../etc/passwd")
    small = db.settings.__class__(**{**db.settings.__dict__, "max_upload_bytes": 10})
    db.settings = small
    with pytest.raises(InputFileError, match="larger"):
        add_document(db, case_key, io.BytesIO(b"x" * 11), "big.bin", actor="IO")
    assert not list(db.settings.files_dir.glob(".incoming-*"))


def test_stored_evidence_is_private_to_the_service_account(
    db: Database, case_key: str, tmp_path: Path
) -> None:
    import os
    import stat

    old = os.umask(0o022)  # a usual umask: without explicit modes, folders would be 0755
    try:
        doc = add_document(db, case_key, io.BytesIO(b"synthetic victim statement"), "s.txt", "PSI")
    finally:
        os.umask(old)
    stored = file_store(db).path_for(doc.sha256)
    assert stat.S_IMODE(stored.stat().st_mode) == 0o400
    for folder in (stored.parent, stored.parent.parent, file_store(db).root):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
