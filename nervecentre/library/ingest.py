"""Adding files to the library: each read, stored once by hash, described and indexed.

A file that cannot be read (corrupt, encrypted, a ZIP bomb, too large, not UTF-8) gets its
own clear error and the others go on: one bad file in a folder of judgments stops nothing.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from nervecentre.cases.models import Case
from nervecentre.errors import InputFileError, InvalidValue, NervecentreError, NotFound
from nervecentre.evidence.store import FileStore
from nervecentre.library.extract import MEDIA_TYPES, SUFFIXES, extract
from nervecentre.library.metadata import read_metadata
from nervecentre.library.models import LibraryDocument, LibraryLink, LibrarySection, LibraryTag
from nervecentre.security import audit
from nervecentre.security.access import visible_cases_filter
from nervecentre.security.models import User
from nervecentre.security.roles import require
from nervecentre.store.db import Database

MAX_TITLE = 300


@dataclass(frozen=True)
class Added:
    """What became of one file: 'added', 'duplicate' (already stored) or 'error'."""

    path: str
    status: str
    document_id: int | None = None
    title: str = ""
    message: str = ""


def files_in(paths: Iterable[Path]) -> Iterator[Path]:
    """The files given, and the PDF, DOCX and TXT files under the folders given, sorted."""
    for path in paths:
        if path.is_dir():
            yield from sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
            )
        else:
            yield path


def find_case(session: Session, fir: str, user: User | None) -> Case:
    """The case a FIR names: its case key ('MH-TNE-PS01/2024/123'), or 'number/year' when
    only one case visible to ``user`` has it. NotFound for none, or for a case not visible."""
    text = fir.strip()
    conditions = [Case.case_key == text]
    number, _, year = text.rpartition("/")
    if number and year.isdigit():
        conditions.append((Case.fir_number == number) & (Case.fir_year == int(year)))
    query = select(Case).where(or_(*conditions))
    if user is not None:
        query = query.where(visible_cases_filter(user))
    found = session.scalars(query.limit(3)).all()
    exact = [c for c in found if c.case_key == text]
    if exact:
        return exact[0]
    if len(found) > 1:
        raise InvalidValue(f"FIR {text!r} names several cases; give the case key instead")
    if not found:
        raise NotFound(f"no case with FIR {text!r} (give its case key, e.g. MH-TNE-PS01/2024/123)")
    return found[0]


def _title(explicit: str | None, name: str, text: str) -> str:
    if explicit and explicit.strip():
        return " ".join(explicit.split())[:MAX_TITLE]
    first = next((line.strip() for line in text.splitlines() if len(line.strip()) > 3), "")
    return (Path(name).stem.replace("_", " ") if not first or len(first) > 200 else first)[
        :MAX_TITLE
    ]


def _read(path: Path, limit: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > limit:
            raise InputFileError(f"{path.name}: {size:,} bytes, more than the {limit:,}-byte limit")
        with path.open("rb") as handle:
            return handle.read(limit + 1)
    except OSError as exc:
        raise InputFileError(f"{path.name}: cannot be read ({exc.strerror or exc})") from None


def add_bytes(
    db: Database,
    data: bytes,
    name: str,
    *,
    actor: User | str,
    case: str | None = None,
    title: str | None = None,
    path: str = "",
    ip: str | None = None,
) -> Added:
    """Add one file's bytes: extract, describe, store once by hash, link to a case, audit."""
    user = actor if isinstance(actor, User) else None
    if user is not None:
        require(user, "library.add")
    limit = db.settings.max_upload_bytes
    if len(data) > limit:
        raise InputFileError(f"{name}: {len(data):,} bytes, more than the {limit:,}-byte limit")
    extracted = extract(data, name)
    meta = read_metadata(extracted.text)
    with db.session() as session:
        linked = find_case(session, case, user) if case else None
        store = FileStore(db.settings.files_dir)
        sha, size = store.put(io.BytesIO(data), limit)
        doc = session.scalar(select(LibraryDocument).where(LibraryDocument.sha256 == sha))
        status = "duplicate" if doc is not None else "added"
        if doc is None:
            doc = LibraryDocument(
                sha256=sha, size=size, media_type=MEDIA_TYPES[extracted.kind],
                filename=Path(name).name[:300], path=path[:1000],
                title=_title(title, name, extracted.text), kind=meta.kind, court=meta.court,
                decided_on=meta.decided_on, outcome=meta.outcome, language=meta.language,
                pages=extracted.pages, extraction=extracted.extraction, text=extracted.text,
                places=",".join(meta.places)[:400], added_by=audit.actor_name(actor),
            )  # fmt: skip
            doc.sections = [LibrarySection(section_key=k) for k in meta.sections]
            doc.tags = [LibraryTag(tag=t) for t in meta.tags]
            session.add(doc)
            session.flush()
        if linked is not None and all(link.case_id != linked.id for link in doc.links):
            doc.links.append(LibraryLink(case_id=linked.id))
        detail: dict[str, object] = {"sha256": sha, "title": doc.title, "status": status}
        if linked is not None:
            detail["case_id"] = linked.id
        cases = [linked.id] if linked is not None else []
        audit.record(session, actor, "library.add", "document", doc.id, detail, ip=ip, cases=cases)
        return Added(path or name, status, doc.id, doc.title, extracted.extraction)


def add_paths(
    db: Database,
    paths: Iterable[Path],
    *,
    actor: User | str,
    case: str | None = None,
    title: str | None = None,
    progress: Callable[[Added], None] | None = None,
) -> list[Added]:
    """Add files and folders; every file gets an :class:`Added`, errors included."""
    if isinstance(actor, User):
        require(actor, "library.add")
    if case:
        with db.session() as session:  # a missing case stops everything before any file
            find_case(session, case, actor if isinstance(actor, User) else None)
    results: list[Added] = []
    for file in files_in(paths):
        try:
            data = _read(file, db.settings.max_upload_bytes)
            done = add_bytes(
                db, data, file.name, actor=actor, case=case, title=title, path=str(file)
            )
        except NervecentreError as exc:
            done = Added(str(file), "error", message=str(exc))
        results.append(done)
        if progress is not None:
            progress(done)
    return results
