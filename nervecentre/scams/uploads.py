"""Complaint files uploaded through the API: staged owner-only, imported, then removed.

Each upload gets its own folder (0700) under ``DATA_DIR/uploads/scams``; files are written
there under cleaned names (0600), each at most ``max_upload_bytes``, and the folder is removed
once the import is done, whatever happened. Complaints record the uploaded file's own name.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path, PurePath
from typing import BinaryIO

from nervecentre.errors import InputFileError, InvalidValue
from nervecentre.scams.ingest import ImportReport
from nervecentre.scams.service import import_complaints
from nervecentre.store.db import Database

MAX_FILES = 500
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def clean_name(name: str, number: int) -> str:
    """A file name safe to write: its last part, odd characters as '_', never hidden."""
    base = _UNSAFE.sub("_", PurePath(name.replace("\\", "/")).name).lstrip("._")[:120]
    return f"{number:04d}-{base or 'upload'}"


def import_uploads(
    db: Database,
    files: Iterable[tuple[str, BinaryIO]],
    *,
    username: str,
    case: str | None = None,
) -> ImportReport:
    """Stage (name, stream) uploads, import them as ``username``, and remove them."""
    root = db.settings.data_dir / "uploads" / "scams"
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    folder = Path(tempfile.mkdtemp(prefix="upload-", dir=root))
    limit = db.settings.max_upload_bytes
    labels: dict[str, str] = {}
    try:
        for number, (name, stream) in enumerate(files):
            if number >= MAX_FILES:
                raise InvalidValue(f"at most {MAX_FILES} files in one upload")
            target = folder / clean_name(name, number)
            written = 0
            with target.open("wb") as out:
                target.chmod(0o600)
                while chunk := stream.read(1 << 20):
                    written += len(chunk)
                    if written > limit:
                        raise InputFileError(f"{name}: larger than the {limit:,}-byte upload cap")
                    out.write(chunk)
            labels[str(target)] = f"upload:{name[:200]}"
        if not labels:
            raise InvalidValue("no file uploaded")
        report = import_complaints(
            db, [folder], operator=f"web:{username}", username=username, case=case, labels=labels
        )
        report.errors = [replace(e, path=labels.get(e.path, e.path)) for e in report.errors]
        return report
    finally:
        shutil.rmtree(folder, ignore_errors=True)
