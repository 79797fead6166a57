"""A crawl job in the database: its frontier and seen-set, its results, written in batches.

Everything a crawl learns goes through :meth:`JobStore.write` in one transaction per batch:
new URLs (inserted only if unseen, by key), URLs finished, findings (each appended to the
audit chain in the same transaction, once: a finding already recorded is skipped) and keyword
hits. A crawl killed between two batches loses only work that a resume redoes, and redoing it
never duplicates a finding or a hit.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from nervecentre.crawler.config import CrawlConfig, canonical_json
from nervecentre.crawler.frontier import DEFAULT_LEASE_SECONDS, Frontier
from nervecentre.crawler.models import (
    CrawlFinding,
    CrawlHost,
    CrawlJob,
    CrawlKeywordHit,
    CrawlPage,
    CrawlUrl,
)
from nervecentre.errors import NotFound
from nervecentre.security import audit
from nervecentre.store.base import utcnow
from nervecentre.store.db import Database

_URLS = cast(Table, CrawlUrl.__table__)


@dataclass(frozen=True, slots=True)
class Item:
    """A URL of the frontier, as the crawl loop handles it."""

    id: int
    url: str
    kind: str
    depth: int
    referrer: str | None


@dataclass(slots=True)
class Batch:
    """What the crawl learnt since the last write."""

    new_urls: list[dict[str, Any]] = field(default_factory=list)
    finished: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    pages: list[dict[str, Any]] = field(default_factory=list)
    keywords: list[dict[str, Any]] = field(default_factory=list)
    hosts: list[dict[str, Any]] = field(default_factory=list)

    def __len__(self) -> int:
        return (
            len(self.new_urls)
            + len(self.finished)
            + len(self.findings)
            + len(self.keywords)
            + len(self.hosts)
        )


@dataclass(slots=True)
class Written:
    """What a write added that was not there before (findings and hits are new once)."""

    findings: list[dict[str, Any]] = field(default_factory=list)
    keywords: list[dict[str, Any]] = field(default_factory=list)
    pages: int = 0


def create_job(db: Database, config: CrawlConfig, actor: str) -> int:
    """Record a new job with its seeds queued; returns its id."""
    with db.session() as session:
        return add_job(session, config, actor)


def add_job(
    session: Session, config: CrawlConfig, actor: str, *, schedule_id: int | None = None
) -> int:
    """:func:`create_job` inside the caller's transaction (a schedule claims its run and
    records the job in one)."""
    from nervecentre.crawler.urls import url_key

    job = CrawlJob(
        state="running",
        seeds=json.dumps(list(config.seeds)),
        settings=canonical_json(config.to_dict()),
        actor=actor[:120],
        schedule_id=schedule_id,
    )
    session.add(job)
    session.flush()
    rows = [
        {"job_id": job.id, "key": url_key(s), "url": s, "kind": "page", "depth": 0}
        for s in config.seeds
    ]
    _insert_ignore(session, _URLS, rows, ["job_id", "key"])
    job.pages_queued = len({row["key"] for row in rows})
    detail: dict[str, Any] = {
        "seeds": list(config.seeds),
        "hashsets": list(config.hashsets),
        "resumed": False,
    }
    if schedule_id is not None:
        detail["schedule"] = schedule_id
    audit.record(session, actor, "crawl.run", "crawl_job", job.id, detail)
    return int(job.id)


def load_job(db: Database, job_id: int) -> tuple[CrawlConfig, str]:
    """A job's configuration and state; NotFound for an unknown job."""
    with db.session() as session:
        job = session.get(CrawlJob, job_id)
        if job is None:
            raise NotFound(f"no crawl job {job_id}")
        return CrawlConfig.from_dict(json.loads(job.settings)), job.state


def _dialect_insert(session: Session) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def _insert_ignore(
    session: Session, table: Table, rows: Sequence[dict[str, Any]], conflict: list[str]
) -> None:
    if rows:
        statement = _dialect_insert(session)(table).on_conflict_do_nothing(index_elements=conflict)
        session.execute(statement, list(rows))


def _insert_new(
    session: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    conflict: list[str],
    *key: Any,
) -> set[tuple[Any, ...]]:
    """Insert the rows not there yet, in one statement; the ``key`` columns of those new."""
    if not rows:
        return set()
    statement = _dialect_insert(session)(table).on_conflict_do_nothing(index_elements=conflict)
    return {tuple(row) for row in session.execute(statement.returning(*key), list(rows)).all()}


class JobStore:
    """One job's rows: reads the frontier, writes batches."""

    def __init__(
        self,
        db: Database,
        job_id: int,
        actor: str,
        *,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
    ) -> None:
        self.db = db
        self.job_id = job_id
        self.actor = actor
        self.frontier = Frontier(db, job_id, lease_seconds=lease_seconds)

    def resume(self) -> None:
        """Mark a job running again (one more run) and audit it."""
        with self.db.session() as session:
            job = session.get(CrawlJob, self.job_id)
            if job is None:
                raise NotFound(f"no crawl job {self.job_id}")
            job.state, job.runs, job.updated_at = "running", job.runs + 1, utcnow()
            audit.record(
                session, self.actor, "crawl.run", "crawl_job", self.job_id, {"resumed": True}
            )

    def take(self, limit: int) -> list[Item]:
        """Lease up to ``limit`` queued URLs no other worker holds, oldest first (breadth
        first)."""
        return [Item(*row) for row in self.frontier.claim(limit)]

    def page_sha256(self, url: str) -> str | None:
        """The SHA-256 recorded for a page this job read (for findings made after its text
        has left memory)."""
        from nervecentre.crawler.urls import url_key

        with self.db.engine.connect() as conn:
            return conn.execute(
                select(_URLS.c.sha256).where(
                    _URLS.c.job_id == self.job_id, _URLS.c.key == url_key(url)
                )
            ).scalar()

    def write(self, batch: Batch, max_pages: int) -> Written:
        """Write a batch in one transaction; returns what was new: the findings and keyword
        hits, and the number of page URLs queued (never more than ``max_pages`` in all)."""
        written = Written()
        with self.db.session() as session:
            # The job's row first: several workers' writes then take their turns (the page
            # budget below is read and spent under this lock; on SQLite, the write lock).
            session.execute(
                update(CrawlJob).where(CrawlJob.id == self.job_id).values(updated_at=utcnow())
            )
            pages = [row for row in batch.new_urls if row["kind"] == "page"]
            _insert_ignore(
                session,
                _URLS,
                [r for r in batch.new_urls if r["kind"] != "page"],
                ["job_id", "key"],
            )
            written.pages = self._queue_pages(session, pages, max_pages)
            if batch.finished:
                session.execute(
                    update(CrawlUrl).execution_options(synchronize_session=False),
                    batch.finished,
                )
            _insert_ignore(
                session, cast(Table, CrawlHost.__table__), batch.hosts, ["job_id", "host"]
            )
            _insert_ignore(
                session, cast(Table, CrawlPage.__table__), batch.pages, ["job_id", "sha256"]
            )
            self._write_findings(session, batch.findings, written)
            hits = cast(Table, CrawlKeywordHit.__table__)
            new_hits = _insert_new(
                session,
                hits,
                batch.keywords,
                ["job_id", "page_key", "keyword"],
                hits.c.page_key,
                hits.c.keyword,
            )
            for hit in batch.keywords:  # a hit twice in one batch was inserted once
                if (hit["page_key"], hit["keyword"]) in new_hits:
                    new_hits.discard((hit["page_key"], hit["keyword"]))
                    written.keywords.append(hit)
        return written

    def _write_findings(
        self, session: Session, findings: list[dict[str, Any]], written: Written
    ) -> None:
        """Insert the findings not yet recorded and append each to the audit chain, all in
        a few statements: one insert, one append to the chain, one update of their links."""
        if not findings:
            return
        table = cast(Table, CrawlFinding.__table__)
        rows = [{k: v for k, v in f.items() if not k.startswith("_")} for f in findings]
        statement = _dialect_insert(session)(table).on_conflict_do_nothing(
            index_elements=["job_id", "media_key"]
        )
        inserted = session.execute(statement.returning(table.c.id, table.c.media_key), rows)
        ids = {key: ident for ident, key in inserted.all()}
        new, seen = [], set()
        for finding in findings:  # a finding twice in one batch was inserted once
            if finding["media_key"] in ids and finding["media_key"] not in seen:
                seen.add(finding["media_key"])
                new.append(finding)
        if not new:
            return
        entries = audit.record_many(
            session,
            self.actor,
            [("crawl.match", "crawl_finding", ids[f["media_key"]], f["_audit"]) for f in new],
        )
        session.execute(
            update(table)
            .where(table.c.id == bindparam("finding_id"))
            .values(audit_id=bindparam("entry_id"))
            .execution_options(synchronize_session=False),
            [
                {"finding_id": ids[f["media_key"]], "entry_id": e.id}
                for f, e in zip(new, entries, strict=True)
            ],
        )
        written.findings.extend(
            {**f, "id": ids[f["media_key"]], "audit_id": e.id}
            for f, e in zip(new, entries, strict=True)
        )

    def _queue_pages(self, session: Session, rows: list[dict[str, Any]], budget: int) -> int:
        # The budget counts pages actually queued: a link found twice is one page. The count
        # lives on the job row, which this write has locked (one writer per job at a time).
        if not rows:
            return 0
        spent = session.scalar(select(CrawlJob.pages_queued).where(CrawlJob.id == self.job_id))
        left = budget - int(spent or 0)
        queued = 0
        statement = _dialect_insert(session)(_URLS).on_conflict_do_nothing(
            index_elements=["job_id", "key"]
        )
        while rows and left > 0:
            chunk, rows = rows[:left], rows[left:]
            new = len(session.execute(statement.returning(_URLS.c.id), chunk).all())
            left -= new
            queued += new
        if queued:
            session.execute(
                update(CrawlJob)
                .where(CrawlJob.id == self.job_id)
                .values(pages_queued=CrawlJob.pages_queued + queued)
            )
        return queued

    def finish(self) -> bool:
        """Mark the job finished if its frontier is empty; False while any URL is queued
        (another worker still holds some, or has just queued more)."""
        queued = (
            select(_URLS.c.id)
            .where(_URLS.c.job_id == self.job_id, _URLS.c.state == "queued")
            .exists()
        )
        with self.db.session() as session:
            result = session.execute(
                update(CrawlJob)
                .where(CrawlJob.id == self.job_id, CrawlJob.state != "finished", ~queued)
                .values(state="finished", finished_at=utcnow(), updated_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            if result.rowcount:  # type: ignore[attr-defined]
                return True
            # Finished by another worker already (its time kept), or URLs still queued.
            return not session.scalar(select(queued))

    def summary(self) -> dict[str, int]:
        """The job's totals: pages read, media hashed, findings, URLs that failed."""
        u = _URLS.c
        with self.db.engine.connect() as conn:
            pages, media, errors = conn.execute(
                select(
                    func.count().filter(u.found_as == "page"),
                    func.count().filter(u.found_as == "media"),
                    func.count().filter(u.error.isnot(None)),
                ).where(u.job_id == self.job_id)
            ).one()
            matches = conn.execute(
                select(func.count())
                .select_from(CrawlFinding)
                .where(CrawlFinding.job_id == self.job_id)
            ).scalar()
        return {
            "pages": int(pages),
            "media": int(media),
            "matches": int(matches or 0),
            "errors": int(errors),
        }
