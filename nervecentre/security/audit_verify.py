"""Checking the audit chain: every entry altered, deleted, reordered, forged or cut off.

What the walk catches on its own: an entry changed (its hash no longer matches), moved
(the id is hashed), deleted (a gap), changed and re-hashed (the next entry no longer
follows it), a row put beyond the chain head (the head does not name it; if an append has
stepped over it since, the ``audit.skip`` entry does), and an entry dated before the one
before it (a back-dated insertion). What it needs an anchor for: a rewritten chain or a
cut-off tail with the head rewound to match. Anchors are the checkpoint file (read by
default), the database's checkpoints, and ``expect``; only the first and the last are out
of reach of someone who rewrites the database.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from nervecentre.security.audit_chain import GENESIS, entry_hash
from nervecentre.security.audit_checkpoint import Anchor, checkpoint_file, read_checkpoints
from nervecentre.security.models import AuditCheckpoint, AuditEntry, AuditHead
from nervecentre.store.db import Database

#: At most this many problems are listed (the count of the others is given).
MAX_PROBLEMS = 100


@dataclass(frozen=True)
class Problem:
    """One thing wrong, at an entry (None for a damaged checkpoint file)."""

    entry_id: int | None
    text: str


@dataclass(frozen=True)
class VerifyResult:
    """What :func:`verify` found: ``first_bad_id`` and ``problem`` name the first of
    ``problems``; ``last_id`` and ``last_hash`` (the head) are worth keeping offline."""

    ok: bool
    entries_checked: int
    first_bad_id: int | None = None
    problem: str = ""
    last_id: int = 0
    last_hash: str = GENESIS
    problems: tuple[Problem, ...] = ()
    more_problems: int = 0
    anchors_checked: int = 0
    checkpoint_file: str = ""


_FIELDS = (
    *("id", "at", "actor", "action", "target_type", "target_id", "detail", "ip"),
    *("prev_hash", "hash"),
)
_COLUMNS = [getattr(AuditEntry, name) for name in _FIELDS]


@dataclass
class _Walk:
    """The state of one walk along the chain."""

    anchors: dict[int, list[Anchor]]
    head_id: int | None
    ordered_from: int
    skipped: list[tuple[int, int, int]]  # (from, to, stepped over by entry)
    problems: list[Problem] = field(default_factory=list)
    more: int = 0
    checked: int = 0
    expected_id: int = 1
    prev: str = GENESIS
    prev_at: datetime | None = None
    file_entries: list[int] = field(default_factory=list)

    def report(self, entry_id: int | None, text: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(entry_id, text))
        else:
            self.more += 1

    def row(self, fields: dict[str, object], file: str) -> None:
        entry_id, stored = int(str(fields.pop("id"))), str(fields.pop("hash"))
        at = fields["at"]
        assert isinstance(at, datetime)
        clean = not self.problems
        by = next((s for a, b, s in self.skipped if a <= entry_id <= b and s > entry_id), None)
        if by is not None:
            self.report(
                entry_id,
                f"entry {entry_id} was not written by nervecentre: it lay beyond the chain "
                f"head, and entry {by} stepped over it",
            )
            self.expected_id = entry_id + 1
            return
        if entry_id != self.expected_id:
            self.report(
                self.expected_id,
                f"entries {self.expected_id} to {entry_id - 1} are missing (deleted)",
            )
            self.prev = str(fields["prev_hash"])  # report the gap once, not the link after it
        if entry_hash(id=entry_id, **fields) != stored:  # type: ignore[arg-type]
            self.report(entry_id, f"entry {entry_id} was altered or moved from elsewhere")
        elif fields["prev_hash"] != self.prev:
            self.report(
                entry_id,
                f"entry {entry_id} does not follow entry {entry_id - 1}: an entry before it"
                " was altered and re-hashed, removed or reordered",
            )
        if self.head_id is not None and entry_id > self.head_id:
            self.report(
                entry_id,
                f"entry {entry_id} lies beyond the chain head (entry {self.head_id}): it was "
                "not written by nervecentre",
            )
        if entry_id >= self.ordered_from and self.prev_at is not None and at < self.prev_at:
            self.report(
                entry_id,
                f"entry {entry_id} is dated {at:%Y-%m-%d %H:%M:%S} UTC, before the entry "
                f"before it ({self.prev_at:%Y-%m-%d %H:%M:%S}): back-dated or inserted",
            )
        for anchor in self.anchors.get(entry_id, []):
            if anchor.hash != stored:
                self.report(entry_id, f"entry {entry_id} differs from {anchor.source}: rewritten")
        if fields["action"] == "audit.checkpoint" and file and _names(fields["detail"], file):
            self.file_entries.append(entry_id)
        if clean and not self.problems:
            self.checked += 1
        self.expected_id, self.prev, self.prev_at = entry_id + 1, stored, at


def _names(detail: object, file: str) -> bool:
    """Whether a checkpoint entry's detail says it wrote to ``file``."""
    try:
        parsed = json.loads(str(detail))
    except ValueError:
        return False
    return isinstance(parsed, dict) and parsed.get("file") == file


def _skipped(db: Database) -> list[tuple[int, int, int]]:
    """The id ranges appends stepped over (rows found beyond the head), as they say."""
    found = []
    with db.session() as session:
        query = select(AuditEntry.id, AuditEntry.detail).where(AuditEntry.action == "audit.skip")
        for entry_id, detail in session.execute(query):
            try:
                span = json.loads(detail)
                found.append((int(span["from"]), int(span["to"]), int(entry_id)))
            except (ValueError, TypeError, KeyError):
                continue  # a damaged skip entry fails its own hash check
    return found


def _stored_anchors(db: Database) -> tuple[list[Anchor], tuple[int, str, int] | None]:
    with db.session() as session:
        rows = session.execute(
            select(AuditCheckpoint.entry_id, AuditCheckpoint.entry_hash, AuditCheckpoint.at)
        ).all()
        head = session.execute(
            select(AuditHead.last_id, AuditHead.last_hash, AuditHead.ordered_from)
        ).first()
    anchors = [
        Anchor(int(e), str(h), f"the checkpoint of {at:%Y-%m-%d %H:%M} UTC in the database")
        for e, h, at in rows
    ]
    return anchors, None if head is None else (int(head[0]), str(head[1]), int(head[2]))


def verify(
    db: Database,
    *,
    expect: tuple[int, str] | None = None,
    checkpoints: Path | None = None,
    use_checkpoint_file: bool = True,
) -> VerifyResult:
    """Walk the whole chain and report every entry altered, deleted, reordered, forged,
    back-dated or cut off (up to :data:`MAX_PROBLEMS`).

    ``expect`` is an (entry id, hash) kept offline; ``checkpoints`` the checkpoint file
    (default: the one the settings name), read unless ``use_checkpoint_file`` is False.
    """
    anchors, head = _stored_anchors(db)
    bad_lines: list[str] = []
    file, exists = "", False
    if use_checkpoint_file:
        path = checkpoints or checkpoint_file(db.settings)
        file, exists = str(path), path.exists()
        from_file, bad_lines = read_checkpoints(db.settings, path)
        anchors += from_file
    if expect is not None:
        anchors.append(Anchor(int(expect[0]), expect[1].strip().lower(), "the expected hash"))
    known: dict[int, list[Anchor]] = {}
    for anchor in anchors:
        known.setdefault(anchor.entry_id, []).append(anchor)
    walk = _Walk(
        known,
        head[0] if head else None,
        head[2] if head else 1,
        _skipped(db),
    )
    with db.engine.connect() as conn:
        rows = conn.execution_options(yield_per=2000).execute(
            select(*_COLUMNS).order_by(AuditEntry.id)
        )
        for row in rows:
            walk.row(dict(zip(_FIELDS, row, strict=True)), file)
    last = walk.expected_id - 1
    later = [a for a in anchors if a.entry_id > last]
    if later:
        far = max(later, key=lambda a: a.entry_id)
        walk.report(
            last + 1,
            f"the log ends at entry {last} but entry {far.entry_id} was recorded "
            f"({far.source}): cut off",
        )
    if head is None and last:
        walk.report(last, "the chain head record is missing")
    elif head is not None and head[0] > last:
        walk.report(
            last + 1, f"the log ends at entry {last} but the chain head names {head[0]}: cut off"
        )
    elif head is not None and head[0] == last and head[1] != walk.prev:
        walk.report(last, f"entry {last} does not match the chain head: rewritten")
    for text in bad_lines:
        walk.report(None, text)
    if use_checkpoint_file and walk.file_entries and not exists:
        walk.report(
            None,
            f"the checkpoint file {file} is missing, though entry {walk.file_entries[-1]} "
            "wrote a checkpoint to it",
        )
    found = walk.problems
    first = found[0] if found else None
    return VerifyResult(
        ok=not found,
        entries_checked=walk.checked,
        first_bad_id=first.entry_id if first else None,
        problem=first.text if first else "",
        last_id=last,
        last_hash=walk.prev,
        problems=tuple(found),
        more_problems=walk.more,
        anchors_checked=len(anchors),
        checkpoint_file=file,
    )
