"""A minimal PDF writer for synthetic documents: Latin text in Helvetica, one font, no images.

Enough to give tests and demos real PDFs with a text layer (and, with ``lines=None``, a
page with none, as a scan without OCR would be) without a PDF library in the runtime.
"""

from __future__ import annotations

import textwrap

_LINES_PER_PAGE = 50
_WIDTH = 90  # characters per line at 10 pt Helvetica on A4, roughly


def _escape(line: str) -> bytes:
    text = line.encode("cp1252", "replace")
    return text.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _page_stream(lines: list[str] | None) -> bytes:
    if lines is None:  # a 'scanned' page: a drawn box, no text layer
        return b"0.5 g 72 400 450 300 re f"
    parts = [b"BT /F1 10 Tf 12 TL 56 800 Td"]
    parts += [b"(" + _escape(line) + b") Tj T*" for line in lines]
    parts.append(b"ET")
    return b"\n".join(parts)


def write_pdf(text: str | None, pages_of_scan: int = 0) -> bytes:
    """A PDF of the text (wrapped, paginated), then ``pages_of_scan`` pages without text."""
    lines: list[str] = []
    for paragraph in (text or "").split("\n"):
        lines += textwrap.wrap(paragraph, _WIDTH) or [""]
    pages: list[list[str] | None] = (
        [lines[i : i + _LINES_PER_PAGE] for i in range(0, len(lines), _LINES_PER_PAGE)]
        if text
        else []
    )
    pages += [None] * pages_of_scan
    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    objects.append(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    )
    kids = []
    for page in pages:
        stream = _page_stream(page)
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        content = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % content
        )
        kids.append(len(objects))
    refs = b" ".join(b"%d 0 R" % k for k in kids)
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (refs, len(kids))
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
