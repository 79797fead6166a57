"""A crawler export (evidence report, notice) sent as a download, from the API and pages alike."""

from __future__ import annotations

from fastapi.responses import Response

from nervecentre.crawler.evidence_report import Export


def download(made: Export) -> Response:
    """The file as an attachment, its SHA-256 in ``X-Content-SHA256`` (kept in the audit too)."""
    return Response(
        made.content,
        media_type=made.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{made.filename}"',
            "X-Content-SHA256": made.sha256,
        },
    )
