"""Tables of the Crawler: jobs, their frontier and seen-set, hosts, findings, pages, keywords.

``crawl_urls`` is both the frontier (rows still ``queued``) and the seen-set (every row): a URL
is unique per job by its key (SHA-256 of the canonical URL with its query sorted), so a URL
found again is never queued again, and a crawl killed at any moment resumes from its queued
rows. Findings are unique per job and media URL, and keyword hits per job, page and keyword,
so work redone after a resume never duplicates one. No media bytes are stored anywhere.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from nervecentre.store.base import Base, utcnow

# Lifecycle of a job and of a URL in its frontier.
JOB_STATES = ("running", "finished")
URL_STATES = ("queued", "done", "failed", "skipped")


class CrawlJob(Base):
    """One crawl: its seeds and settings (JSON, as run), who ran it, and its progress."""

    __tablename__ = "crawl_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(20), default="running")
    seeds: Mapped[str] = mapped_column(Text)  # JSON list
    settings: Mapped[str] = mapped_column(Text)  # JSON object: every setting the crawl ran with
    actor: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    runs: Mapped[int] = mapped_column(Integer, default=1)  # 1 + the number of resumes
    # Page URLs queued so far (the budget spent), kept here so that no write counts rows.
    pages_queued: Mapped[int] = mapped_column(Integer, default=0)
    schedule_id: Mapped[int | None] = mapped_column(Integer)  # the schedule that started it


class CrawlUrl(Base):
    """A URL of a job's frontier and seen-set, with what fetching it gave."""

    __tablename__ = "crawl_urls"
    __table_args__ = (
        UniqueConstraint("job_id", "key"),
        Index("ix_crawl_urls_job_id_state_id", "job_id", "state", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("crawl_jobs.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(10))  # page, media, css: as linked
    found_as: Mapped[str | None] = mapped_column(String(10))  # page, media, css, other: by bytes
    depth: Mapped[int] = mapped_column(Integer)
    referrer: Mapped[str | None] = mapped_column(Text)  # the page it was found on
    state: Mapped[str] = mapped_column(String(10), default="queued")
    status: Mapped[int | None] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(200))
    size: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[datetime | None] = mapped_column(DateTime)
    # A queued URL a worker has taken (crawler/store.py): no other worker takes it before
    # ``lease_until``, which the worker keeps pushing back while it runs.
    lease_owner: Mapped[str | None] = mapped_column(String(120))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime)


class CrawlSchedule(Base):
    """A crawl run again every ``every_hours`` by whichever worker finds it due first."""

    __tablename__ = "crawl_schedules"
    __table_args__ = (
        UniqueConstraint("name"),
        Index("ix_crawl_schedules_enabled_next_run_at", "enabled", "next_run_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    settings: Mapped[str] = mapped_column(Text)  # JSON: the CrawlConfig each run starts with
    every_hours: Mapped[float] = mapped_column(Float)
    next_run_at: Mapped[datetime] = mapped_column(DateTime)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    last_job_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class CrawlHost(Base):
    """A host a job contacted: its robots.txt as read (the text kept, and its hash)."""

    __tablename__ = "crawl_hosts"
    __table_args__ = (UniqueConstraint("job_id", "host"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("crawl_jobs.id", ondelete="CASCADE"))
    host: Mapped[str] = mapped_column(String(300))
    robots_status: Mapped[int | None] = mapped_column(Integer)
    robots_sha256: Mapped[str | None] = mapped_column(String(64))
    robots_txt: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class CrawlFinding(Base):
    """A fetched image that matched a hash set: the evidence, hashes only.

    ``evidence`` is JSON: the redirect chains, the response headers, every match (hash set,
    entry, signal, distance) and the SHA-256 of the job's settings; ``page_sha256`` is the
    hash of the HTML of the page the image was found on, whose text is kept in
    :class:`CrawlPage` (the page's text, never the image).
    """

    __tablename__ = "crawl_findings"
    __table_args__ = (UniqueConstraint("job_id", "media_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("crawl_jobs.id", ondelete="CASCADE"))
    media_key: Mapped[str] = mapped_column(String(64))
    page_url: Mapped[str] = mapped_column(Text)
    media_url: Mapped[str] = mapped_column(Text)
    host: Mapped[str] = mapped_column(String(300))
    server_ip: Mapped[str | None] = mapped_column(String(64))
    found_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    md5: Mapped[str] = mapped_column(String(32))
    sha1: Mapped[str] = mapped_column(String(40))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    pdq: Mapped[str | None] = mapped_column(String(64))
    pdq_quality: Mapped[int | None] = mapped_column(Integer)
    hashset: Mapped[str] = mapped_column(String(120))  # the best match's
    entry: Mapped[str] = mapped_column(String(120))
    signal: Mapped[str] = mapped_column(String(10))
    distance: Mapped[int] = mapped_column(Integer)
    page_sha256: Mapped[str | None] = mapped_column(String(64))
    evidence: Mapped[str] = mapped_column(Text)
    audit_id: Mapped[int | None] = mapped_column(BigInteger)
    # When a re-check first found the material gone (crawler/recheck.py); None while served.
    removed_at: Mapped[datetime | None] = mapped_column(DateTime)


class CrawlPage(Base):
    """The HTML of a page on which something matched, as fetched (bytes decoded as the page
    declared), kept once per job and content hash."""

    __tablename__ = "crawl_pages"
    __table_args__ = (UniqueConstraint("job_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("crawl_jobs.id", ondelete="CASCADE"))
    sha256: Mapped[str] = mapped_column(String(64))  # of the bytes as received
    url: Mapped[str] = mapped_column(Text)
    encoding: Mapped[str] = mapped_column(String(40))
    html: Mapped[str] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class CrawlKeywordHit(Base):
    """A keyword found on a page's text."""

    __tablename__ = "crawl_keyword_hits"
    __table_args__ = (UniqueConstraint("job_id", "page_key", "keyword"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("crawl_jobs.id", ondelete="CASCADE"))
    page_key: Mapped[str] = mapped_column(String(64))
    page_url: Mapped[str] = mapped_column(Text)
    keyword: Mapped[str] = mapped_column(String(400))
    found_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
