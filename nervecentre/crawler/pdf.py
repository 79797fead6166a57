"""The PDF layouts of the Crawler's exports (reportlab, as reports/pdf.py): takedown notices
and evidence reports. Text only — hashes, addresses, times — never an image.

PDFs are made with reportlab's ``invariant`` flag: the same content gives the same bytes,
so a file's SHA-256 names its content.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import Paragraph, Preformatted, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Table as PdfTable

from nervecentre.types.times import IST

_STYLES = getSampleStyleSheet()
_BODY = ParagraphStyle("crawl-body", parent=_STYLES["BodyText"], fontSize=8.5, leading=10.5)
_KEY = ParagraphStyle("crawl-key", parent=_BODY, fontName="Helvetica-Bold")
_MONO = ParagraphStyle("crawl-mono", parent=_BODY, fontName="Courier", fontSize=7.5, leading=9)
_PRE = ParagraphStyle("crawl-pre", parent=_MONO, fontSize=8, leading=10)
_LINE = 96  # characters of the notice's text on one line at 8 pt Courier on A4


def _esc(text: object) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _document(buffer: io.BytesIO, title: str) -> SimpleDocTemplate:
    return SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=title,
        author="nervecentre",
        leftMargin=1.6 * cm,
        rightMargin=1.6 * cm,
        topMargin=1.6 * cm,
        bottomMargin=1.6 * cm,
        invariant=1,
    )


def _facts(rows: list[tuple[str, object]], mono: frozenset[str] = frozenset()) -> PdfTable:
    cells = [
        [Paragraph(_esc(k), _KEY), Paragraph(_esc(v), _MONO if k in mono else _BODY)]
        for k, v in rows
        if v is not None and v != ""
    ]
    table = PdfTable(cells, colWidths=[4.2 * cm, 13.6 * cm])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ]
        )
    )
    return table


def _wrap(text: str) -> str:
    out = []
    for line in text.splitlines():
        while len(line) > _LINE:
            out.append(line[:_LINE])
            line = "      " + line[_LINE:]
        out.append(line)
    return "\n".join(out)


def notice_pdf(notice_id: int, provider: str, text: str, sha256: str) -> bytes:
    """A takedown notice as PDF: its text as kept, and the text's SHA-256."""
    buffer = io.BytesIO()
    reference = f"NC-NOTICE-{notice_id:06d}"
    story: list[Any] = [
        Preformatted(_wrap(text), _PRE),
        Spacer(1, 0.6 * cm),
        Paragraph(
            f"SHA-256 of this notice's text (UTF-8), as kept by the sender: "
            f"<font face='Courier'>{_esc(sha256)}</font>",
            _BODY,
        ),
    ]
    _document(buffer, f"Takedown notice {reference} to {provider}").build(story)
    return buffer.getvalue()


_MONO_KEYS = frozenset(
    {"MD5", "SHA-1", "SHA-256", "PDQ", "Page SHA-256", "TLS certificate SHA-256", "Settings"}
)


def _finding(item: dict[str, Any]) -> list[Any]:
    evidence = item.get("evidence") or {}
    network = ", ".join(
        str(v)
        for v in (item.get("provider"), item.get("asn") and f"AS{item['asn']}", item["country"])
        if v
    )
    rows: list[tuple[str, object]] = [
        ("Image URL", item["media_url"]),
        ("On page", item["page_url"]),
        ("Host", item["host"]),
        ("Server address", item.get("server_ip") or "unknown"),
        ("Network", network),
        ("Found", f"{item['found_at']} ({item['found_at_ist']})"),
        ("Removed", item.get("removed_at") or "still served at the last check"),
        ("MD5", item.get("md5")),
        ("SHA-1", item.get("sha1")),
        ("SHA-256", item["sha256"]),
        ("PDQ", item.get("pdq") and f"{item['pdq']} (quality {item.get('pdq_quality')})"),
        (
            "Matched",
            f"{item['hashset']} entry {item['entry']} by {item['signal']}, "
            f"distance {item['distance']}",
        ),
        ("Page SHA-256", item.get("page_sha256")),
        ("TLS certificate SHA-256", evidence.get("tls_certificate_sha256")),
        ("Settings", evidence.get("settings_sha256")),
        ("Crawl job", item["job"]),
        ("Audit entry", item.get("audit_id")),
    ]
    story: list[Any] = [
        Paragraph(_esc(f"Finding {item['finding']}"), _STYLES["Heading2"]),
        _facts(rows, _MONO_KEYS),
    ]
    checks = item.get("checks") or []
    if checks:
        story.append(Paragraph(f"Re-checks ({len(checks)})", _STYLES["Heading4"]))
        lines = [
            f"{c.get('checked_at', '')[:19]}  {c.get('outcome', '')}  "
            f"{c.get('status') or '-'}  {c.get('sha256') or ''}"
            for c in checks
        ]
        story.append(Preformatted(_wrap("\n".join(lines)), _MONO))
    record = json.dumps(evidence, indent=1, sort_keys=True, ensure_ascii=False)
    story += [
        Paragraph("Evidence record (as recorded at the time)", _STYLES["Heading4"]),
        Preformatted(_wrap(record), _MONO),
        Spacer(1, 0.4 * cm),
    ]
    return story


def evidence_pdf(data: dict[str, Any], *, made_by: str, made_at: datetime) -> bytes:
    """An evidence report (see :mod:`nervecentre.crawler.evidence_report`) as PDF."""
    scope = data["scope"]
    what = f"finding {scope['finding']}" if "finding" in scope else f"host {scope['host']}"
    buffer = io.BytesIO()
    ist = made_at.replace(tzinfo=UTC).astimezone(IST)
    story: list[Any] = [
        Paragraph(_esc(f"Crawl evidence report: {what}"), _STYLES["Title"]),
        _facts(
            [
                ("Findings", len(data["findings"])),
                ("Made by", made_by),
                ("Made at", f"{made_at:%Y-%m-%d %H:%M:%S} UTC ({ist:%Y-%m-%d %H:%M:%S} IST)"),
                ("Content SHA-256", data["content_sha256"]),
            ],
            frozenset({"Content SHA-256"}),
        ),
        Paragraph(
            "Each image was hashed in memory and discarded: no image is kept, and none is in "
            "this report. The content SHA-256 is that of the report's JSON export without its "
            "content_sha256 field (canonical: sorted keys, no spaces, UTF-8).",
            _BODY,
        ),
        Spacer(1, 0.4 * cm),
    ]
    for item in data["findings"]:
        story += _finding(item)
    _document(buffer, f"Crawl evidence report: {what}").build(story)
    return buffer.getvalue()
