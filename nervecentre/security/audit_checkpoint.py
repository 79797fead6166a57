"""Checkpoints: the chain head, signed and kept outside the database.

Someone who can rewrite the database (and drop its triggers) can cut off the newest entries
and rewind the head, or rewrite the whole chain consistently; the chain alone then looks
intact. A checkpoint is a copy of the head kept where that person cannot reach: each
``audit checkpoint`` appends a line ``ENTRY_ID:HASH:MAC`` to a file outside the data
directory (on other media, ideally), and ``audit verify`` reads that file by default. The
MAC (HMAC-SHA-256 under a key derived from the secret key) means a line cannot be forged
by someone who can write the file but lacks the key; the same line, printed, can be kept in
the register book and given back to ``audit verify --expect``.
"""

from __future__ import annotations

import hmac
import os
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from nervecentre.errors import ConfigError, InputFileError, InvalidValue
from nervecentre.security import audit
from nervecentre.security.audit_chain import GENESIS
from nervecentre.security.fields import cipher_for
from nervecentre.security.models import AuditCheckpoint, AuditHead
from nervecentre.settings import ENV_PREFIX, Settings
from nervecentre.store.db import Database

_LINE = re.compile(r"^(\d{1,18}):([0-9a-f]{64})(?::([0-9a-f]{64}))?$")
_PURPOSE = "audit-checkpoint"
SETTING = ENV_PREFIX + "AUDIT_CHECKPOINT_FILE"


@dataclass(frozen=True)
class Anchor:
    """An (entry id, hash) known from outside the chain, and where it was read."""

    entry_id: int
    hash: str
    source: str


@dataclass(frozen=True)
class Checkpoint:
    """What :func:`checkpoint` recorded: the database row, the signed line and its file."""

    point: AuditCheckpoint
    line: str
    file: Path


def checkpoint_file(settings: Settings) -> Path:
    """Where checkpoints are kept: the setting, else beside (never inside) the data directory."""
    data = settings.data_dir.expanduser().absolute()
    configured = settings.audit_checkpoint_file
    if configured:
        path = Path(configured).expanduser().absolute()
    else:
        path = data.parent / f"{data.name}-audit-checkpoints.txt"
    if path.resolve().is_relative_to(data.resolve()):
        raise ConfigError(
            f"{SETTING}={configured!r} is inside the data directory {data}: whoever can rewrite "
            "the data can rewrite the checkpoints with it; keep them elsewhere"
        )
    return path


def _mac(settings: Settings, entry_id: int, digest: str) -> str:
    return cipher_for(settings).mac(_PURPOSE, f"{entry_id}:{digest}")


def signed_line(settings: Settings, entry_id: int, digest: str) -> str:
    """``ENTRY_ID:HASH:MAC``: the head as printed and as written to the checkpoint file."""
    return f"{entry_id}:{digest}:{_mac(settings, entry_id, digest)}"


def parse_line(settings: Settings, text: str) -> tuple[int, str]:
    """(entry id, hash) of ``ENTRY_ID:HASH`` or a signed ``ENTRY_ID:HASH:MAC`` (MAC checked)."""
    entry_id, digest, _signed = _parse(settings, text)
    return entry_id, digest


def _parse(settings: Settings, text: str) -> tuple[int, str, bool]:
    found = _LINE.match(text.strip().lower())
    if found is None:
        raise InvalidValue(
            "a checkpoint is ENTRY_ID:HASH (or ENTRY_ID:HASH:MAC) as `audit checkpoint` prints it",
            kind="checkpoint",
        )
    entry_id, digest, mac = int(found[1]), found[2], found[3]
    if mac is not None and not hmac.compare_digest(mac, _mac(settings, entry_id, digest)):
        raise InvalidValue(
            "the checkpoint's signature does not match: mistyped, forged, or made with "
            "another secret key",
            kind="checkpoint",
        )
    return entry_id, digest, mac is not None


def read_checkpoints(settings: Settings, path: Path) -> tuple[list[Anchor], list[str]]:
    """The signed heads in a checkpoint file, and what is wrong with the lines that are not.

    A missing file gives neither: whether it should exist is for :func:`verify` to say.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return [], []
    except OSError as exc:
        return [], [f"cannot read the checkpoint file {path}: {exc.strerror or exc}"]
    anchors, problems = [], []
    for number, line in enumerate(raw.decode("utf-8", "replace").splitlines(), 1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        try:
            entry_id, digest, signed = _parse(settings, text)
        except InvalidValue as exc:
            problems.append(f"line {number} of {path} is not a valid checkpoint: {exc}")
            continue
        if not signed:
            problems.append(f"line {number} of {path} is not signed: anyone could have written it")
            continue
        anchors.append(Anchor(entry_id, digest, f"the checkpoint on line {number} of {path}"))
    return anchors, problems


def checkpoint(db: Database, actor: audit.Actor) -> Checkpoint:
    """Record the chain head in the database and append it, signed, to the checkpoint file.

    The file is opened first, so a path that cannot be written records nothing.
    """
    path = checkpoint_file(db.settings)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    except OSError as exc:
        raise InputFileError(
            f"cannot write the checkpoint file {path}: {exc.strerror or exc} (set {SETTING})"
        ) from None
    with os.fdopen(fd, "a", encoding="ascii") as handle:
        with db.session() as session:
            last = session.execute(select(AuditHead.last_id, AuditHead.last_hash)).first()
            entry_id, digest = (int(last[0]), str(last[1])) if last else (0, GENESIS)
            line = signed_line(db.settings, entry_id, digest)
            point = AuditCheckpoint(
                entry_id=entry_id, entry_hash=digest, actor=audit.actor_name(actor)
            )
            session.add(point)
            session.flush()
            detail = {"hash": digest, "file": str(path)}
            audit.record(session, actor, "audit.checkpoint", "audit", entry_id, detail)
        stamp = f"{point.at:%Y-%m-%dT%H:%M:%S}Z {audit.actor_name(actor)}"
        handle.write(f"{line}  # {stamp}\n")
        handle.flush()
        os.fsync(handle.fileno())
    return Checkpoint(point, line, path)
