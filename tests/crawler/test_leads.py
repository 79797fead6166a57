"""Arachnid's loop: findings grouped by provider, notices, re-checks until removal."""

from __future__ import annotations

import hashlib
import json
import socket
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select, update
from typer.testing import CliRunner

from nervecentre.cli.main import app
from nervecentre.crawler import leads, notices, recheck
from nervecentre.crawler.lead_models import CrawlCheck
from nervecentre.crawler.models import CrawlFinding
from nervecentre.crawler.networks import Directory, import_blocks, read_blocks
from nervecentre.crawler.process import now_utc
from nervecentre.crawler.synthweb import SynthServer, SynthWeb, running
from nervecentre.errors import InputFileError, NotFound
from nervecentre.security import audit
from nervecentre.store.db import Database
from tests.crawler.conftest import FAST, crawl, load_hashset

NETWORKS = (
    "network,provider,asn,country,region,abuse_contact\n"
    "127.0.0.0/8,Loopback Hosting Pvt Ltd,64500,IN,Maharashtra,abuse@loopback.invalid\n"
    "127.0.0.0/30,Narrow Subnet Ltd,64501,IN,Goa,\n"
    "2001:db8::/32,Documentation Net,64502,NL,,\n"
)


@pytest.fixture(scope="module")
def small_web() -> Iterator[SynthServer]:
    with running(SynthWeb(seed=11, sites=1, pages=10)) as server:
        yield server


@pytest.fixture
def found(db: Database, small_web: SynthServer, tmp_path: Path) -> list[int]:
    """A crawl of the small web; the ids of its findings."""
    load_hashset(db, small_web, tmp_path)
    crawl(db, [f"{small_web.bases[0]}/"], max_pages=60)
    with db.session() as s:
        ids = list(s.scalars(select(CrawlFinding.id).order_by(CrawlFinding.id)))
    assert len(ids) >= 3, "the small web plants several known images"
    return ids


def _networks(tmp_path: Path, text: str = NETWORKS) -> Path:
    path = tmp_path / "networks.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_narrowest_range_names_the_provider(tmp_path: Path) -> None:
    directory = Directory(read_blocks(_networks(tmp_path)))
    assert directory.lookup("127.0.0.1").provider == "Narrow Subnet Ltd"  # type: ignore[union-attr]
    wide = directory.lookup("127.9.0.1")
    assert wide is not None and wide.provider == "Loopback Hosting Pvt Ltd"
    assert wide.region == "Maharashtra" and wide.asn == 64500
    assert directory.lookup("2001:db8::5").country == "NL"  # type: ignore[union-attr]
    assert directory.lookup("8.8.8.8") is None and directory.lookup("not-an-ip") is None


def test_iptoasn_tsv_is_read_and_unrouted_ranges_skipped(tmp_path: Path) -> None:
    path = tmp_path / "ip2asn.tsv"
    path.write_text(
        "1.0.0.0\t1.0.0.255\t13335\tUS\tCLOUDFLARENET\n"
        "1.0.1.0\t1.0.3.255\t0\tNone\tNot routed\n"
        "103.21.0.0\t103.21.3.255\t64512\tIN\tSYNTH-HOSTING-IN\n"
    )
    blocks = read_blocks(path)
    assert [b.provider for b in blocks] == ["CLOUDFLARENET", "SYNTH-HOSTING-IN"]
    assert Directory(blocks).lookup("103.21.2.9").country == "IN"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("network,provider\n10.0.0.0/33,X\n", "line 2: not a network"),
        ("first,last,provider\n10.0.0.9,10.0.0.1,X\n", "ends before it starts"),
        ("network,provider,country\n10.0.0.0/8,X,India\n", "2-letter ISO code"),
        ("network,provider\n10.0.0.0/8,\n", "provider is empty"),
        ("ip,owner\n10.0.0.1,X\n", "needs the columns provider"),
        ("1.0.0.0\t1.0.0.255\tAS-x\tUS\tX\n", "AS number must be a whole number"),
        ("network,provider\n", "no network ranges"),
    ],
)
def test_a_bad_network_list_names_the_line_and_writes_nothing(
    db: Database, tmp_path: Path, text: str, message: str
) -> None:
    import_blocks(db, _networks(tmp_path), dataset="units", actor="test")
    with pytest.raises(InputFileError, match=message):
        import_blocks(db, _networks(tmp_path, text), dataset="units", actor="test")
    assert len(Directory.load(db)) == 3  # the earlier import stands whole


def test_binary_and_non_utf8_lists_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(b"network,provider\n10.0.0.0/8,Caf\xe9\n")
    with pytest.raises(InputFileError, match="not UTF-8"):
        read_blocks(path)
    path.write_bytes(b"\x00\x01\x02network")
    with pytest.raises(InputFileError, match="binary"):
        read_blocks(path)


def test_leads_notice_and_recheck_until_removal(
    db: Database, found: list[int], small_web: SynthServer, tmp_path: Path
) -> None:
    import_blocks(db, _networks(tmp_path), dataset="units", actor="test")
    groups = leads.leads(db, "provider")
    assert [g.key for g in groups] == ["Narrow Subnet Ltd"]  # 127.0.0.1 is in the /30
    first = groups[0].to_dict()
    assert first["findings"] == len(found) and first["still_served"] == len(found)
    by_country = leads.leads(db, "country")
    assert [g.key for g in by_country] == ["IN / Goa"]

    notice = notices.make_notice(db, "Narrow Subnet Ltd", actor="test", unit="Thane AHTU")
    with db.session() as s:
        urls = list(s.scalars(select(CrawlFinding.media_url)))
        digests = list(s.scalars(select(CrawlFinding.sha256)))
    assert all(u in notice.text for u in urls) and all(d in notice.text for d in digests)
    assert "Thane AHTU" in notice.text and f"NC-NOTICE-{notice.id:06d}" in notice.text
    with pytest.raises(NotFound):
        notices.make_notice(db, "Nobody Hosting", actor="test")
    sent = notices.mark_sent(db, notice.id, actor="test")
    assert sent.sent_at is not None

    # Everything is still served: present, nothing removed.
    counts = recheck.recheck(db, actor="test", interval=timedelta(0), options=_fast())
    assert counts == {"checked": len(found), "present": len(found), "removed": 0, "unreachable": 0}
    assert recheck.due_findings(db) == []  # checked now: due again in a day

    # One taken down (404), one whose server is gone for three checks in a row.
    gone, dark = found[0], found[1]
    base = small_web.bases[0]
    closed = _closed_port()
    with db.session() as s:
        s.execute(
            update(CrawlFinding)
            .where(CrawlFinding.id == gone)
            .values(media_url=f"{base}/no/such/image.jpg")
        )
        s.execute(
            update(CrawlFinding)
            .where(CrawlFinding.id == dark)
            .values(media_url=f"http://127.0.0.1:{closed}/x.jpg")
        )
    start = now_utc() + timedelta(days=1)
    for day in range(3):
        at = start + timedelta(days=day)
        recheck.recheck(db, actor="test", options=_fast(), now=at)
    with db.session() as s:
        removed = dict(
            s.execute(
                select(CrawlFinding.id, CrawlFinding.removed_at).where(
                    CrawlFinding.removed_at.is_not(None)
                )
            ).all()
        )
        outcomes = list(s.scalars(select(CrawlCheck.outcome).where(CrawlCheck.finding_id == dark)))
    assert set(removed) == {gone, dark}
    assert removed[gone] == start  # the first check that found it gone
    assert removed[dark] == start  # dated to the first of three unreachable checks
    assert outcomes == ["present", "unreachable", "unreachable", "unreachable"]
    assert len(recheck.history(db, gone)) == 2  # a removed finding is not checked again
    lead = leads.leads(db, "provider")[0].to_dict()
    assert lead["removed"] == 2 and lead["still_served"] == len(found) - 2
    assert lead["median_hours_to_removal"] is not None and lead["median_hours_to_removal"] > 20
    assert {e.action for e in audit.find(db, action="crawl.removed")} == {"crawl.removed"}
    assert len(audit.find(db, action="crawl.removed")) == 2


def test_the_commands(db: Database, found: list[int], tmp_path: Path) -> None:
    env = {"NERVECENTRE_DATABASE_URL": db.url, "NERVECENTRE_DATA_DIR": str(db.settings.data_dir)}
    runner = CliRunner()
    imported = runner.invoke(app, ["crawl", "networks", str(_networks(tmp_path))], env=env)
    assert imported.exit_code == 0 and "3 network ranges" in imported.output
    bad = runner.invoke(app, ["crawl", "networks", str(tmp_path / "missing.csv")], env=env)
    assert bad.exit_code == 66 and "cannot read" in bad.output
    lines = runner.invoke(app, ["crawl", "leads", "--json"], env=env)
    assert lines.exit_code == 0, lines.output
    lead = json.loads(lines.stdout.splitlines()[0])
    assert lead["type"] == "lead" and lead["key"] == "Narrow Subnet Ltd"
    assert runner.invoke(app, ["crawl", "leads", "--by", "owner"], env=env).exit_code == 65
    out = tmp_path / "notice.txt"
    made = runner.invoke(app, ["crawl", "notice", "Narrow Subnet Ltd", "-o", str(out)], env=env)
    assert made.exit_code == 0 and "TAKEDOWN NOTICE" in out.read_text()
    marked = runner.invoke(app, ["crawl", "notice", "x", "--sent", "1"], env=env)
    assert marked.exit_code == 0 and "recorded as sent" in marked.output
    checked = runner.invoke(app, ["crawl", "recheck", "--every", "0", "--json"], env=env)
    assert checked.exit_code == 0, checked.output
    events = [json.loads(line) for line in checked.stdout.splitlines()]
    assert events[-1]["type"] == "summary" and events[-1]["checked"] == len(found)
    assert {e["outcome"] for e in events[:-1]} == {"present"}
    once = runner.invoke(app, ["worker", "--once", "--every", "24"], env=env)
    assert once.exit_code == 0 and "0 findings checked" in once.output


def _fast() -> recheck.FetchOptions:
    return recheck.FetchOptions(timeout=FAST["timeout"], response_seconds=FAST["response_seconds"])


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_reports_and_notices_as_pdf_from_the_cli(
    db: Database, found: list[int], tmp_path: Path
) -> None:
    env = {"NERVECENTRE_DATABASE_URL": db.url, "NERVECENTRE_DATA_DIR": str(db.settings.data_dir)}
    runner = CliRunner()
    assert (
        runner.invoke(app, ["crawl", "networks", str(_networks(tmp_path))], env=env).exit_code == 0
    )
    with db.session() as s:
        rows = s.execute(
            select(CrawlFinding.id, CrawlFinding.host, CrawlFinding.md5, CrawlFinding.sha256,
                   CrawlFinding.pdq, CrawlFinding.page_sha256)
        ).all()  # fmt: skip
    host = rows[0].host
    out = tmp_path / "host.pdf"
    made = runner.invoke(app, ["crawl", "report", "--host", host, "-o", str(out)], env=env)
    assert made.exit_code == 0, made.output
    assert hashlib.sha256(out.read_bytes()).hexdigest() in made.output
    text = "\n".join(p.extract_text() for p in PdfReader(out).pages)
    for row in rows:  # every finding on the host, with its evidence hashes
        assert row.sha256 in text and row.md5 in text and row.page_sha256 in text
        assert row.pdq is None or row.pdq in text
    assert "Narrow Subnet Ltd" in text and "Evidence record" in text
    one = tmp_path / "one.json"
    made = runner.invoke(
        app,
        ["crawl", "report", "--finding", str(rows[0].id), "--format", "json", "-o", str(one)],
        env=env,
    )
    assert made.exit_code == 0 and json.loads(one.read_text())["findings"][0]["md5"] == rows[0].md5
    notice = tmp_path / "notice.pdf"
    made = runner.invoke(app, ["crawl", "notice", "Narrow Subnet Ltd", "-o", str(notice)], env=env)
    assert made.exit_code == 0, made.output
    notice_text = "\n".join(p.extract_text() for p in PdfReader(notice).pages)
    assert "TAKEDOWN NOTICE" in notice_text and all(r.sha256 in notice_text for r in rows)
    again = tmp_path / "again.pdf"
    exported = runner.invoke(app, ["crawl", "report", "--notice", "1", "-o", str(again)], env=env)
    assert exported.exit_code == 0 and again.read_bytes() == notice.read_bytes()  # invariant
    for argv, message in (
        (["crawl", "report", "-o", str(out)], "give one of"),
        (["crawl", "report", "--finding", "999", "-o", str(out)], "no crawl finding 999"),
        (["crawl", "report", "--host", host, "--format", "doc", "-o", str(out)], "pdf or json"),
    ):
        bad = runner.invoke(app, argv, env=env)
        assert bad.exit_code != 0 and message in bad.output and "Traceback" not in bad.output
