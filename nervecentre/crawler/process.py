"""What a fetched response is (by its bytes, never its Content-Type), and what it yields.

A page gives links, keyword hits and its text's hash; an image gives hashes and, when they
match a hash set, a finding with its evidence; a stylesheet gives more media. The image's
bytes exist only in memory, for as long as hashing them takes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from nervecentre.crawler.charset import decode_html
from nervecentre.crawler.fetched import Fetched
from nervecentre.crawler.links import Links, parse_css, parse_page
from nervecentre.hashing._magic import sniff

if TYPE_CHECKING:
    from nervecentre.hashing.digest import FileHashes
    from nervecentre.hashing.match import Match

IST = timezone(timedelta(hours=5, minutes=30), "IST")
_HTML_MARKS = (b"<!doctype", b"<html", b"<head", b"<body", b"<title", b"<meta", b"<div", b"<p")
_TEXT_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "application/xml", "text/xml")


def classify(body: bytes, content_type: str | None, hint: str) -> str:
    """'image', 'html', 'css' or 'other', from the bytes first and the declared type last."""
    media_type = sniff(body)
    if media_type is not None:
        return "image" if media_type.startswith("image/") else "other"
    declared = (content_type or "").split(";")[0].strip().lower()
    if hint == "css" or declared == "text/css":
        return "css"
    head = body[:1024].lstrip().lower()
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with its BOM
        return "html" if declared in _TEXT_TYPES or hint == "page" else "other"
    if any(mark in head for mark in _HTML_MARKS):
        return "html"
    if declared in _TEXT_TYPES and b"\x00" not in head:
        return "html"
    return "other"


@dataclass(slots=True)
class PageInfo:
    """What evidence needs of the page an image was found on."""

    url: str
    sha256: str
    html: str
    encoding: str
    chain: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class PageResult:
    """A parsed page."""

    info: PageInfo
    links: Links
    keywords: list[str]


def read_page(fetched: Fetched, keywords: Any) -> PageResult:
    """Decode and parse a page; match the keyword list on its text."""
    text, encoding = decode_html(fetched.body, fetched.header("Content-Type"))
    parsed = parse_page(text, fetched.final_url, want_text=bool(len(keywords)))
    info = PageInfo(
        fetched.final_url,
        hashlib.sha256(fetched.body).hexdigest(),
        text,
        encoding,
        [hop.to_dict() for hop in fetched.chain],
    )
    return PageResult(info, parsed.links, keywords.find(parsed.text) if len(keywords) else [])


def read_css(fetched: Fetched) -> Links:
    """Links of a stylesheet."""
    text, _ = decode_html(fetched.body, fetched.header("Content-Type"))
    return parse_css(text, fetched.final_url)


def evidence(
    *,
    job_id: int,
    settings_sha256: str,
    fetched: Fetched,
    hashes: FileHashes,
    matches: list[Match],
    page: PageInfo | None,
    page_url: str,
    robots: str,
) -> dict[str, Any]:
    """The evidence record of a finding (stored as JSON, and its essentials audited)."""
    at = fetched.at.astimezone(UTC)
    return {
        "job_id": job_id,
        "settings_sha256": settings_sha256,
        "page_url": page_url,
        "page_sha256": page.sha256 if page else None,
        "page_encoding": page.encoding if page else None,
        "page_redirect_chain": page.chain if page else [],
        "media_url": fetched.url,
        "final_url": fetched.final_url,
        "redirect_chain": [hop.to_dict() for hop in fetched.chain],
        "server_ip": fetched.server_ip,
        "proxy": fetched.proxy,
        "tls_certificate_sha256": fetched.tls_sha256,
        "http_version": fetched.http_version,
        "status": fetched.status,
        "response_headers": [[name, value] for name, value in fetched.headers],
        "fetched_at_utc": at.isoformat().replace("+00:00", "Z"),
        "fetched_at_ist": at.astimezone(IST).isoformat(),
        "robots": robots,
        "hashes": {
            "md5": hashes.md5,
            "sha1": hashes.sha1,
            "sha256": hashes.sha256,
            "pdq": hashes.pdq,
            "pdq_quality": hashes.quality,
            "size": hashes.size,
            "media_type": hashes.media_type,
        },
        "matches": [m.to_dict() for m in matches],
    }


def now_utc() -> datetime:
    """Now, in UTC, without tzinfo (as the tables store it)."""
    return datetime.now(UTC).replace(tzinfo=None)
