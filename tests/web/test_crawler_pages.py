"""The Crawler's pages and API: crawl.view to read, crawl.notice to make notices; no media."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from pypdf import PdfReader

from nervecentre.crawler.lead_models import CrawlNotice
from nervecentre.crawler.models import CrawlFinding, CrawlJob
from nervecentre.crawler.networks import import_blocks
from nervecentre.security import audit, tokens
from tests.security.conftest import World

SignIn = Callable[[str], tuple[TestClient, str]]
Token = Callable[[str], dict[str, str]]
XSS = "<script>alert(1)</script>"


def _findings(world: World, tmp_path: Path) -> int:
    networks = tmp_path / "nets.csv"
    networks.write_text(
        f"network,provider,country,region\n192.0.2.0/24,Example Hosting {XSS},IN,Maharashtra\n",
        encoding="utf-8",
    )
    import_blocks(world.db, networks, dataset="t", actor="test")
    with world.db.session() as s:
        job = CrawlJob(seeds=json.dumps(["http://example.invalid/"]), settings=json.dumps(
            {"hashsets": ["synthetic"], "max_pages": 10, "max_depth": 2, "same_host": False,
             "robots": "obey"}
        ), actor="test")  # fmt: skip
        s.add(job)
        s.flush()
        for n in range(3):
            s.add(
                CrawlFinding(
                    job_id=job.id,
                    media_key=f"{n:064x}",
                    page_url=f"http://example.invalid/p{n}?q={XSS}",
                    media_url=f"http://example.invalid/i{n}.jpg?{XSS}",
                    host="example.invalid",
                    server_ip="192.0.2.7",
                    md5="0" * 32,
                    sha1="0" * 40,
                    sha256=f"{n + 1:064x}",
                    hashset="synthetic",
                    entry=f"K{n}",
                    signal="sha256",
                    distance=0,
                    evidence=json.dumps({"status": 200}),
                )
            )
        return job.id


def test_who_sees_the_crawler(world: World, signed_in: SignIn, tmp_path: Path) -> None:
    job = _findings(world, tmp_path)
    viewer, _ = signed_in("view")
    assert viewer.get("/crawl").status_code == 403
    assert 'href="/crawl"' not in viewer.get("/").text
    analyst, _ = signed_in("ana")
    assert 'href="/crawl"' in analyst.get("/").text
    listing = analyst.get("/crawl")
    assert listing.status_code == 200 and f'href="/crawl/jobs/{job}"' in listing.text
    page = analyst.get(f"/crawl/jobs/{job}")
    assert page.status_code == 200 and "i0.jpg" in page.text
    assert XSS not in page.text and "&lt;script&gt;" in page.text
    assert "<img" not in page.text  # no media, ever
    leads = analyst.get("/crawl/leads")
    assert leads.status_code == 200 and "Example Hosting" in leads.text and XSS not in leads.text
    assert "Make a notice" not in leads.text  # analysts read, they do not send notices
    assert analyst.get("/crawl/leads?by=owner").status_code == 422
    assert analyst.get("/crawl/jobs/999").status_code == 404


def test_an_investigator_makes_and_sends_a_notice(
    world: World, signed_in: SignIn, tmp_path: Path
) -> None:
    _findings(world, tmp_path)
    inv, csrf = signed_in("inv")
    provider = f"Example Hosting {XSS}"
    assert "Make a notice" in inv.get("/crawl/leads").text
    refused = inv.post("/crawl/notices", data={"provider": provider})
    assert refused.status_code == 403  # no CSRF token
    made = inv.post("/crawl/notices", data={"provider": provider, "csrf_token": csrf})
    assert made.status_code == 303
    with world.db.session() as s:
        notice = s.query(CrawlNotice).one()
        assert "i2.jpg" in notice.text and notice.sent_at is None
    page = inv.get("/crawl/notices")
    assert page.status_code == 200 and XSS not in page.text
    sent = inv.post(f"/crawl/notices/{notice.id}/sent", data={"csrf_token": csrf})
    assert sent.status_code == 303
    assert "sent" in inv.get("/crawl/notices").text
    assert [e.action for e in audit.find(world.db, action="crawl.notice_sent")] == [
        "crawl.notice_sent"
    ]
    analyst, analyst_csrf = signed_in("ana")
    assert (
        analyst.post("/crawl/notices", data={"provider": provider, "csrf_token": analyst_csrf})
    ).status_code == 403


def test_the_api(world: World, client: TestClient, token_for: Token, tmp_path: Path) -> None:
    job = _findings(world, tmp_path)
    headers = token_for("inv")
    jobs = client.get("/api/crawl/jobs", headers=headers)
    assert jobs.status_code == 200 and jobs.json()[0]["matches"] == 3
    detail = client.get(f"/api/crawl/jobs/{job}", headers=headers).json()
    assert len(detail["findings"]) == 3
    finding = detail["findings"][0]["finding"]
    one = client.get(f"/api/crawl/findings/{finding}", headers=headers).json()
    assert one["evidence"] == {"status": 200} and one["checks"] == []
    leads = client.get("/api/crawl/leads", params={"by": "country"}, headers=headers).json()
    assert [g["key"] for g in leads] == ["IN / Maharashtra"]
    provider = f"Example Hosting {XSS}"
    made = client.post("/api/crawl/notices", json={"provider": provider}, headers=headers)
    assert made.status_code == 201 and made.json()["findings"] == [1, 2, 3]
    nobody = client.post("/api/crawl/notices", json={"provider": "Nobody"}, headers=headers)
    assert nobody.status_code == 404
    # A read-only token reads leads but makes no notice.
    _, reader = tokens.create_token(world.db, "inv", "ro", actor="test")
    ro = {"Authorization": f"Bearer {reader}"}
    assert client.get("/api/crawl/leads", headers=ro).status_code == 200
    denied = client.post("/api/crawl/notices", json={"provider": provider}, headers=ro)
    assert denied.status_code == 403
    assert client.get("/api/crawl/jobs", headers=token_for("view")).status_code == 403


def _pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_evidence_reports_and_notices_as_pdf(
    world: World, client: TestClient, token_for: Token, signed_in: SignIn, tmp_path: Path
) -> None:
    _findings(world, tmp_path)
    headers = token_for("inv")
    one = client.get("/api/crawl/findings/1/report", headers=headers)
    assert one.status_code == 200 and one.headers["content-type"] == "application/pdf"
    assert one.headers["x-content-sha256"] == hashlib.sha256(one.content).hexdigest()
    text = _pdf_text(one.content)
    assert f"{1:064x}" in text and "0" * 40 in text  # SHA-256 and SHA-1 of the finding
    assert "K0" in text and "192.0.2.7" in text and "Example Hosting" in text
    data = client.get("/api/crawl/findings/1/report?format=json", headers=headers).json()
    assert data["content_sha256"] in text  # the PDF names the JSON's content hash
    body = {k: v for k, v in data.items() if k != "content_sha256"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert hashlib.sha256(canonical.encode()).hexdigest() == data["content_sha256"]
    host = client.get("/api/crawl/hosts/example.invalid/report", headers=headers)
    host_text = _pdf_text(host.content)
    assert all(f"{n:064x}" in host_text for n in (1, 2, 3))
    assert XSS in host_text  # hostile text is printed as text in a PDF, never run
    assert client.get("/api/crawl/hosts/nowhere.invalid/report", headers=headers).status_code == 404
    assert client.get("/api/crawl/findings/1/report?format=doc", headers=headers).status_code == 422
    reports = audit.find(world.db, action="crawl.report")
    assert sorted(json.loads(e.detail)["findings"] for e in reports) == [[1], [1], [1, 2, 3]]
    provider = f"Example Hosting {XSS}"
    made = client.post("/api/crawl/notices", json={"provider": provider}, headers=headers).json()
    notice = client.get(f"/api/crawl/notices/{made['id']}/pdf", headers=headers)
    notice_text = _pdf_text(notice.content)
    assert "NC-NOTICE-000001" in notice_text and made["sha256"] in notice_text
    assert all(f"{n:064x}" in notice_text for n in (1, 2, 3))
    assert client.get("/api/crawl/notices/99/pdf", headers=headers).status_code == 404
    assert client.get("/api/crawl/notices/1/pdf", headers=token_for("view")).status_code == 403
    # The same from the pages, which link to them.
    analyst, _ = signed_in("ana")
    assert 'href="/crawl/findings/1/report?format=pdf"' in analyst.get("/crawl/findings/1").text
    assert 'href="/crawl/notices/1/pdf"' in analyst.get("/crawl/notices").text
    page_pdf = analyst.get("/crawl/hosts/example.invalid/report")
    assert page_pdf.status_code == 200 and f"{3:064x}" in _pdf_text(page_pdf.content)
    assert analyst.get("/crawl/notices/1/pdf").content.startswith(b"%PDF")
