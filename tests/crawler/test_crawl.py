"""The crawler on the synthetic web: recall, no false positive, every trap, the evidence."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import stat
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from nervecentre.crawler.models import CrawlFinding, CrawlHost, CrawlKeywordHit, CrawlPage, CrawlUrl
from nervecentre.crawler.synthweb import SynthServer, SynthWeb, running
from nervecentre.security import audit, audit_verify
from nervecentre.store.db import Database
from tests.crawler.conftest import crawl, load_hashset, matched, planted

Crawled = tuple[list[dict[str, Any]], dict[str, Any]]


def test_every_planted_image_is_found_and_nothing_else(
    trap_crawl: Crawled, trap_server: SynthServer
) -> None:
    events, summary = trap_crawl
    expected = planted(trap_server, robots_obeyed=True)
    found = matched(events)
    assert found - expected == set(), "false positives"
    assert expected - found == set(), "missed planted images"
    roles = {p.role for p in trap_server.truth().planted}
    assert roles == {"exact", "edited"}
    assert summary["matches"] == len(expected)
    # Edited copies match by PDQ only, within the threshold; exact copies by SHA-256 too.
    by_url = {e["media_url"]: e for e in events if e["type"] == "match"}
    for item in trap_server.truth().planted:
        signals = {
            m["signal"] for m in by_url[trap_server.bases[item.site] + item.media_path]["matches"]
        }
        assert ("sha256" in signals) == (item.role == "exact"), item
        assert "pdq" in signals


def test_keywords_in_every_character_set(trap_crawl: Crawled, trap_server: SynthServer) -> None:
    events, _ = trap_crawl
    hits = {(e["page_url"], e["keyword"]) for e in events if e["type"] == "keyword"}
    expected = {
        (trap_server.bases[site] + path, keyword)
        for site, path, keyword in trap_server.truth().keywords
    }
    base = trap_server.bases[0]
    from nervecentre.crawler.synthweb import LEGACY_KEYWORDS

    expected |= {(base + path, keyword) for path, (_, _, keyword) in LEGACY_KEYWORDS.items()}
    assert hits == expected


def test_traps_neither_hang_nor_flood(trap_crawl: Crawled, trap_server: SynthServer) -> None:
    events, summary = trap_crawl
    requests = trap_server.requests
    assert summary["seconds"] < 40
    # Session ids: six items of the shop, each fetched once whatever its session id.
    assert requests[(0, "/shop")] == 6
    # Query permutations: one list page.
    assert requests[(0, "/list")] == 1
    # The endless calendar stops at its budget; the redirect loop at its second hop.
    assert sum(n for (site, path), n in requests.items() if path.startswith("/calendar/")) <= 30
    assert requests[(0, "/loop/a")] == 1 and requests[(0, "/loop/b")] == 1
    errors = {
        e["url"].removeprefix(trap_server.bases[0]): e["error"]
        for e in events
        if e["type"] == "error"
    }
    assert errors["/loop/a"].startswith("redirect loop")
    assert errors["/redir/40"] == "more than 10 redirects"
    assert errors["/huge"].startswith("response larger than")
    assert errors["/huge-stream"].startswith("response larger than")
    assert errors["/bigpage"].startswith("response larger than")
    assert errors["/gzip-bomb"].startswith("response larger than")
    assert errors["/slow"].startswith("no complete response within")
    assert errors["/stall"].startswith(("no complete response", "timed out"))
    assert errors["/status/404"] == "HTTP 404" and errors["/status/500"] == "HTTP 500"
    assert errors["/img/bomb.png"].startswith("decompression bomb")
    assert errors["/img/truncated.jpg"] == "image is truncated"
    # 503 with Retry-After is tried again, then given up; 429 and 503 that recover are read.
    assert errors["/status/503"] == "HTTP 503" and requests[(0, "/status/503")] == 4
    assert requests[(0, "/flaky/429")] == 3 and "/flaky/429" not in errors
    # robots.txt is read once per host and recorded; what it disallows was not fetched.
    assert requests[(0, "/private/page")] == 0
    assert summary["errors"] == len(errors)


def test_robots_are_recorded(trap_db: Database, trap_crawl: Crawled) -> None:
    with trap_db.session() as s:
        hosts = s.scalars(select(CrawlHost)).all()
        skipped = s.scalars(select(CrawlUrl.url).where(CrawlUrl.state == "skipped")).all()
    assert len(hosts) == 2 and all(h.robots_status == 200 for h in hosts)
    assert any("Disallow: /private/" in (h.robots_txt or "") for h in hosts)
    assert any(url.endswith("/private/page") for url in skipped)


def test_each_finding_holds_its_evidence_and_is_audited(
    trap_db: Database, trap_crawl: Crawled, trap_server: SynthServer
) -> None:
    base = trap_server.bases[0]
    with trap_db.session() as s:
        moved = s.scalars(
            select(CrawlFinding).where(CrawlFinding.media_url == base + "/go/t-moved.jpg")
        ).one()
        findings = s.scalars(select(CrawlFinding)).all()
        pages = {p.sha256: p for p in s.scalars(select(CrawlPage))}
    evidence = json.loads(moved.evidence)
    assert evidence["redirect_chain"] == [
        {"url": base + "/go/t-moved.jpg", "status": 301, "location": base + "/img/t-moved.jpg"}
    ]
    assert evidence["final_url"] == base + "/img/t-moved.jpg"
    assert moved.page_url == base + "/traps" and moved.server_ip == "127.0.0.1"
    assert ["Content-Type", "image/jpeg"] in evidence["response_headers"]
    assert evidence["fetched_at_utc"].endswith("Z") and evidence["fetched_at_ist"].endswith(
        "+05:30"
    )
    assert evidence["hashes"]["sha256"] == moved.sha256 and moved.pdq
    assert moved.hashset == "synthetic" and moved.entry.startswith("synth-")
    # The page's HTML is kept, and its hash is the hash of the bytes served.
    with urllib.request.urlopen(base + "/traps", timeout=10) as response:
        served = response.read()
    assert moved.page_sha256 == hashlib.sha256(served).hexdigest()
    assert pages[moved.page_sha256].html == served.decode()
    # Every finding is in the audit chain, once, and the chain verifies.
    entries = audit.find(trap_db, action="crawl.match", limit=1000)
    assert sorted(int(e.target_id) for e in entries) == sorted(f.id for f in findings)
    assert {f.audit_id for f in findings} == {e.id for e in entries}
    assert audit_verify.verify(trap_db).ok


def test_no_image_bytes_reach_the_disk(
    trap_db: Database, trap_crawl: Crawled, trap_server: SynthServer
) -> None:
    """Look for a slice of every known image's bytes in the data folder, the database and
    every file written in the temporary folder during the run."""
    web = trap_server.web
    # 64 bytes from the middle of each: compressed pixels, not the headers every JPEG shares.
    served = [
        SynthWeb.image_bytes(spec)
        for by_name in web.images
        for spec in by_name.values()
        if spec.entry is not None
    ]
    slices = [data[len(data) // 2 : len(data) // 2 + 64] for data in served]
    assert trap_crawl[1]["media"] > len(slices)
    folders = [trap_db.settings.data_dir, Path(tempfile.gettempdir())]
    database = Path(trap_db.url.removeprefix("sqlite:///"))
    started = time.time() - trap_crawl[1]["seconds"] - 60
    candidates = [database, *database.parent.glob("nervecentre.db*")]
    for folder in folders:
        for root, _dirs, files in os.walk(folder):
            for name in files:
                path = Path(root) / name
                try:
                    info = path.lstat()
                except OSError:
                    continue
                # Regular files only: opening another session's FIFO or socket would block.
                fresh = info.st_mtime >= started and info.st_size < 64 << 20
                if stat.S_ISREG(info.st_mode) and fresh:
                    candidates.append(path)
    for path in candidates:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        assert not any(chunk in data for chunk in slices), f"image bytes found in {path}"


def test_same_host_and_budget_bound_the_crawl(db: Database, tmp_path: Path) -> None:
    web = SynthWeb(seed=5, sites=2, pages=30, traps=False)
    with running(web) as server:
        load_hashset(db, server, tmp_path)
        events, summary = crawl(db, [server.bases[0] + "/"], same_host=True, max_pages=10)
    pages = [e["url"] for e in events if e["type"] == "page"]
    assert len(pages) == summary["pages"] <= 10
    assert all(url.startswith(server.bases[0]) for url in pages)
    with db.session() as s:
        queued = s.scalar(select(func.count()).where(CrawlUrl.kind == "page"))
    assert queued == 10


def test_robots_recorded_but_not_obeyed(db: Database, tmp_path: Path) -> None:
    """With robots 'record', the disallowed page is fetched and its image found."""
    web = SynthWeb(seed=4, sites=1, pages=2)
    with running(web) as server:
        load_hashset(db, server, tmp_path)
        events, _ = crawl(db, [server.bases[0] + "/private/page"], robots="record", max_pages=5)
    found = [e for e in events if e["type"] == "match"]
    assert [e["media_url"] for e in found] == [server.bases[0] + "/private/img/t-private.jpg"]
    with db.session() as s:
        finding = s.scalars(select(CrawlFinding)).one()
        hits = s.scalar(select(func.count()).select_from(CrawlKeywordHit))
    assert json.loads(finding.evidence)["robots"] == "disallowed, fetched"
    assert hits == 0


@pytest.mark.parametrize("processes", [0, 2], ids=["threads", "processes"])
def test_the_same_bytes_at_two_urls_are_decoded_once(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, processes: int
) -> None:
    """An image served at two URLs is two findings, hashed from its bytes once, whether
    images are hashed on threads or in hashing processes."""
    from nervecentre.crawler import engine

    monkeypatch.setattr(engine, "default_processes", lambda: processes)
    calls: list[str] = []
    hash_once = engine.Crawl._hash

    # Counted where the crawl asks for an image to be hashed (in a hashing process, or on a
    # thread without them): a hashing process's own calls are not visible from here.
    async def counting(self: engine.Crawl, data: bytes, url: str, **options: Any) -> Any:
        assert (self.hash_procs is not None) == bool(processes)
        calls.append(url)
        return await hash_once(self, data, url, **options)

    monkeypatch.setattr(engine.Crawl, "_hash", counting)
    web = SynthWeb(seed=6, sites=1, pages=8, traps=False)
    name = next(s.name for s in web.images[0].values() if s.entry is not None)
    with running(web) as server:
        load_hashset(db, server, tmp_path)
        seeds = [f"{server.bases[0]}/img/{name}", f"{server.bases[0]}/gallery/img/{name}"]
        events, summary = crawl(db, seeds, max_pages=5)
    assert sorted(matched(events)) == sorted(seeds)
    assert len(calls) == 1 and summary["media"] == 2


def test_politeness_per_host(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """At most host_concurrency requests at once to a host, their starts host_delay apart
    (timed where the crawler sends them: the server's clock shares its thread's GIL)."""
    from nervecentre.crawler.fetch import Fetcher
    from nervecentre.crawler.urls import host_of

    starts: list[tuple[float, str]] = []
    fetch = Fetcher.fetch

    async def timed(self: Fetcher, url: str, *args: Any, **kwargs: Any) -> Any:
        starts.append((time.monotonic(), host_of(url)))
        return await fetch(self, url, *args, **kwargs)

    monkeypatch.setattr(Fetcher, "fetch", timed)
    web = SynthWeb(seed=7, sites=2, pages=8, traps=False)
    with running(web) as server:
        load_hashset(db, server, tmp_path)
        crawl(db, [f"{b}/" for b in server.bases], fetch={"host_concurrency": 2}, host_delay=0.04)
        peak = dict(server.peak)
    assert max(peak.values()) <= 2
    for base in server.bases:
        times = sorted(t for t, host in starts if base.endswith(host))
        assert len(times) > 20
        assert min(b - a for a, b in itertools.pairwise(times)) >= 0.035


def test_retry_after_is_waited_for(trap_crawl: Crawled, trap_server: SynthServer) -> None:
    times = [t for t, site, path in trap_server.log if (site, path) == (0, "/flaky/429")]
    assert len(times) == 3
    assert times[1] - times[0] >= 0.9 and times[2] - times[1] >= 0.9
