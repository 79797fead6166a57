"""Registers uploaded through the web: staged on disk, checked (dry run), then confirmed.

The upload is a spreadsheet, never media. It holds victims' names in clear, so it is kept
owner-only (file 0600 in folders 0700) under DATA_DIR/uploads/<user id>/<token>/, by its
own (cleaned) file name, so that every message about it names the user's file. Only the
user who uploaded it can check, confirm or cancel it, and the import that is confirmed is
exactly the file that was checked (its SHA-256 is compared before importing).

A staged register is removed when its check fails, when it is cancelled and when it is
confirmed (whether the import succeeds or not); one left waiting longer than
``NERVECENTRE_UPLOAD_MAX_AGE_MINUTES`` is removed by the next upload, check or server start.
What waits is limited per user and in all (``NERVECENTRE_UPLOAD_QUOTA_USER_BYTES``,
``NERVECENTRE_UPLOAD_QUOTA_TOTAL_BYTES``).
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import BinaryIO

from nervecentre.errors import InputFileError, InvalidValue, NotFound
from nervecentre.imports.run import ImportReport, import_register
from nervecentre.security.models import User
from nervecentre.security.roles import require
from nervecentre.store.db import Database

SUFFIXES = (".xlsx", ".xlsm", ".csv")
ACTOR = "web"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_DIGEST = ".sha256"  # beside the register, in its token folder
# Characters kept in a staged file's name; any other becomes "_".
_NAME_EXTRA = frozenset(" ._-()[]+,@&'")
_MAX_STEM = 120
_BLOCK = 1 << 20


@dataclass(frozen=True)
class StagedUpload:
    """An uploaded register waiting for confirmation."""

    token: str
    filename: str
    size: int
    sha256: str


def _private_dir(path: Path) -> Path:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        path.chmod(0o700)  # made by an older version, or under a loose umask
    return path


def _root(db: Database) -> Path:
    return _private_dir(db.settings.data_dir / "uploads")


def _user_dir(db: Database, user: User) -> Path:
    return _private_dir(_root(db) / str(user.id))


def _size(folder: Path) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(folder):
        for name in files:
            try:
                total += (Path(dirpath) / name).stat().st_size
            except FileNotFoundError:
                continue  # removed meanwhile
    return total


def clean_name(filename: str, suffix: str) -> str:
    """The uploaded file's own name, safe to keep on disk and show: no folders, no control or
    path characters, not hidden, at most 120 characters before its suffix."""
    base = PurePath(filename.replace("\\", "/")).name
    kept = "".join(c if c.isalnum() or c in _NAME_EXTRA else "_" for c in base).strip(" .")
    stem = kept[: -len(suffix)] if kept.lower().endswith(suffix) else kept
    return (stem.strip(" .")[:_MAX_STEM] or "register") + suffix


def _staged(db: Database, user: User, token: str) -> Path:
    """The token's folder, if it is this user's; NotFound (the same) otherwise."""
    if not _TOKEN.match(token):
        raise InvalidValue("not an upload token", kind="token")
    folder = _user_dir(db, user) / token
    if not folder.is_dir():
        raise NotFound("that upload is gone (imported, cancelled or expired); upload it again")
    return folder


def _register(folder: Path) -> Path:
    for path in folder.iterdir():
        if path.suffix.lower() in SUFFIXES and not path.name.endswith(".rejects.csv"):
            return path
    raise NotFound("that upload is gone (imported, cancelled or expired); upload it again")


def expire_uploads(db: Database, *, now: float | None = None) -> int:
    """Remove staged registers left longer than the settings allow; returns how many."""
    limit = (now if now is not None else time.time()) - db.settings.upload_max_age_minutes * 60
    root = db.settings.data_dir / "uploads"
    if not root.is_dir():
        return 0
    removed = 0
    for entry in root.iterdir():
        if entry.is_dir():
            stale = [t for t in entry.iterdir() if t.stat().st_mtime < limit]
            for token_dir in stale:
                shutil.rmtree(token_dir, ignore_errors=True)
            removed += len(stale)
        elif entry.stat().st_mtime < limit:
            entry.unlink(missing_ok=True)  # left by an older version, in the folder itself
            removed += 1
    return removed


def _room(db: Database, user: User, name: str) -> tuple[int, str]:
    """How many more bytes may wait to be imported for this user (and on this server), and
    what to say when a file needs more."""
    settings = db.settings
    mine = settings.upload_quota_user_bytes - _size(_user_dir(db, user))
    everyone = settings.upload_quota_total_bytes - _size(_root(db))
    if mine <= everyone:
        return mine, (
            f"{name} was not kept: with it, your registers waiting to be imported would take "
            f"more than your {settings.upload_quota_user_bytes:,} bytes "
            "(NERVECENTRE_UPLOAD_QUOTA_USER_BYTES); import or cancel them first"
        )
    return everyone, (
        f"{name} was not kept: with it, the registers waiting to be imported on this server "
        f"would take more than {settings.upload_quota_total_bytes:,} bytes "
        "(NERVECENTRE_UPLOAD_QUOTA_TOTAL_BYTES); try again later"
    )


def stage_upload(db: Database, user: User, filename: str, stream: BinaryIO) -> StagedUpload:
    """Copy an uploaded register to the user's staging folder (owner-only), refusing wrong
    types, huge files and what would pass the quotas."""
    require(user, "import.run")
    expire_uploads(db)
    suffix = Path(filename).suffix.lower()
    name = clean_name(filename, suffix) if filename else "the file"
    if suffix not in SUFFIXES:
        raise InvalidValue(f"{name} is not a register: upload .xlsx or .csv", kind="file")
    room, refusal = _room(db, user, name)
    if room <= 0:
        raise InputFileError(refusal)
    limit = db.settings.max_upload_bytes
    token = secrets.token_urlsafe(18)
    folder = _user_dir(db, user) / token
    folder.mkdir(mode=0o700)
    target = folder / name
    digest, size = hashlib.sha256(), 0
    try:
        with os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
            while block := stream.read(_BLOCK):
                size += len(block)
                if size > limit:
                    raise InputFileError(f"{name} is larger than the {limit:,}-byte upload limit")
                if size > room:
                    raise InputFileError(refusal)
                digest.update(block)
                out.write(block)
        if size == 0:
            raise InputFileError(f"{name} is empty")
        # Counted again with this file in place: two uploads at once cannot both slip in.
        room, refusal = _room(db, user, name)
        if room < 0:
            raise InputFileError(refusal)
        sidecar = folder / _DIGEST
        with os.fdopen(os.open(sidecar, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
            out.write(digest.hexdigest())
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return StagedUpload(token, name, size, digest.hexdigest())


def check_upload(db: Database, user: User, token: str, *, ip: str | None = None) -> ImportReport:
    """Validate a staged register for ``user`` without writing anything (the report the user
    confirms); the check is audited. A register that cannot be read is removed."""
    require(user, "import.run")
    expire_uploads(db)
    folder = _staged(db, user, token)
    os.utime(folder)  # in use: not expired while the user reads the report
    try:
        return import_register(db, _register(folder), dry_run=True, user=user, actor=ACTOR, ip=ip)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def confirm_upload(db: Database, user: User, token: str, *, ip: str | None = None) -> ImportReport:
    """Import a staged register for real, as ``user`` (audited case by case), then remove it
    whatever happened."""
    require(user, "import.run")
    folder = _staged(db, user, token)
    try:
        os.utime(folder)
        path = _register(folder)
        expected = (folder / _DIGEST).read_text(encoding="ascii").strip()
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            while block := handle.read(_BLOCK):
                digest.update(block)
        if digest.hexdigest() != expected:
            raise InputFileError(f"{path.name} changed after it was checked; upload it again")
        return import_register(db, path, user=user, actor=ACTOR, ip=ip)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def discard_upload(db: Database, user: User, token: str) -> None:
    """Forget a staged register of this user (nothing happens for anyone else's)."""
    require(user, "import.run")
    try:
        folder = _staged(db, user, token)
    except (NotFound, InvalidValue):
        return
    shutil.rmtree(folder, ignore_errors=True)
