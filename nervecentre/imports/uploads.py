"""Registers uploaded through the web: staged on disk, checked (dry run), then confirmed.

The upload is a spreadsheet, never media. It is kept under DATA_DIR/uploads by a random
token until confirmed or abandoned, so the import that is confirmed is exactly the file
that was checked (its SHA-256 is compared before importing).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from nervecentre.errors import InputFileError, InvalidValue, NotFound
from nervecentre.imports.run import ImportReport, import_register
from nervecentre.security import audit
from nervecentre.security.models import User
from nervecentre.security.roles import require
from nervecentre.store.db import Database

SUFFIXES = (".xlsx", ".xlsm", ".csv")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


@dataclass(frozen=True)
class StagedUpload:
    """An uploaded register waiting for confirmation."""

    token: str
    filename: str
    size: int
    sha256: str


def _folder(db: Database) -> Path:
    folder = db.settings.data_dir / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _path(db: Database, token: str) -> Path:
    if not _TOKEN.match(token):
        raise InvalidValue("not an upload token", kind="token")
    for suffix in SUFFIXES:
        candidate = _folder(db) / f"{token}{suffix}"
        if candidate.is_file():
            return candidate
    raise NotFound("that upload is gone (already imported or abandoned); upload it again")


def stage_upload(db: Database, user: User, filename: str, stream: BinaryIO) -> StagedUpload:
    """Copy an uploaded register to the staging folder, refusing wrong types and huge files."""
    require(user, "import.run")
    suffix = Path(filename).suffix.lower()
    if suffix not in SUFFIXES:
        raise InvalidValue(
            f"{filename or 'the file'} is not a register: upload .xlsx or .csv", kind="file"
        )
    limit = db.settings.max_upload_bytes
    token = secrets.token_urlsafe(18)
    target = _folder(db) / f"{token}{suffix}"
    digest, size = hashlib.sha256(), 0
    with target.open("wb") as out:
        while block := stream.read(1 << 20):
            size += len(block)
            if size > limit:
                out.close()
                target.unlink()
                raise InputFileError(f"{filename} is larger than the {limit:,}-byte upload limit")
            digest.update(block)
            out.write(block)
    if size == 0:
        target.unlink()
        raise InputFileError(f"{filename} is empty")
    (target.with_suffix(".name")).write_text(filename[:200], encoding="utf-8")
    return StagedUpload(token, filename, size, digest.hexdigest())


def check_upload(db: Database, user: User, token: str) -> ImportReport:
    """Validate a staged register without writing anything (the report the user confirms)."""
    require(user, "import.run")
    return import_register(db, _path(db, token), dry_run=True, actor=user.username)


def confirm_upload(db: Database, user: User, token: str, *, ip: str | None = None) -> ImportReport:
    """Import a staged register for real, audit it, and remove the staged copy."""
    require(user, "import.run")
    path = _path(db, token)
    name_file = path.with_suffix(".name")
    original = name_file.read_text(encoding="utf-8") if name_file.is_file() else path.name
    report = import_register(db, path, actor=user.username)
    detail = {
        "file": original,
        "rows_read": report.rows_read,
        "created": report.cases_created,
        "updated": report.cases_updated,
        "rejected": report.rejected_rows,
        "kept_edits": report.kept_edits,
        "batch": report.batch_id,
    }
    audit.record(db, user, "import.run", "import_batch", report.batch_id, detail, ip=ip)
    discard_upload(db, token)
    return report


def discard_upload(db: Database, token: str) -> None:
    """Forget a staged register."""
    try:
        path = _path(db, token)
    except NotFound:
        return
    path.unlink(missing_ok=True)
    path.with_suffix(".name").unlink(missing_ok=True)
    rejects = path.with_name(path.stem + ".rejects.csv")
    rejects.unlink(missing_ok=True)
