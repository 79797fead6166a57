"""Reading the text of a PDF, DOCX or TXT file, refusing hostile files with a clear reason.

The kind is decided by the bytes (a PDF starts ``%PDF-``, a DOCX is a ZIP holding
``word/document.xml``), not by the file name. PDFs give their text layer (pypdf); pages
without one are scanned images, OCR'd with Tesseract when Debian's ``tesseract-ocr`` and
pypdfium2 (to render pages) are installed, and marked "not OCR'd" otherwise. Every refusal
is an :class:`~nervecentre.errors.InputFileError` naming what is wrong with that file.
"""

from __future__ import annotations

import codecs
import functools
import importlib.util
import io
import shutil
import subprocess
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from nervecentre.errors import InputFileError

# A judgment runs to a few hundred pages; more than this is not a document we read whole.
MAX_PAGES = 2_000
# Text kept per document (characters): about 1,500 pages of judgment.
MAX_TEXT = 5_000_000
# A DOCX is a ZIP: refuse one that inflates past this, or by more than this ratio (a bomb).
MAX_UNZIPPED = 200 * 1024 * 1024
MAX_RATIO = 200
# A page with fewer characters than this in its text layer is taken as a scanned image.
SCANNED_CHARS = 16
# Tesseract's languages for the library's documents, as Debian packages them
# (tesseract-ocr-eng, -hin, -mar); those installed here are used.
OCR_LANGUAGES = ("eng", "hin", "mar")
NOT_OCRD = "not OCR'd: Tesseract not installed"
# A page is rendered at 300 dpi for OCR, less where that would exceed this many pixels (a
# hostile PDF can declare a page of 200 x 200 inches: 3.6 billion pixels at 300 dpi).
OCR_MAX_PIXELS = 40_000_000
OCR_TIMEOUT = 120  # seconds per page
_CONTROL = dict.fromkeys([c for c in range(32) if c not in (9, 10)] + [127], " ")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "txt": "text/plain",
}
SUFFIXES = {".pdf": "pdf", ".docx": "docx", ".txt": "txt"}


@dataclass(frozen=True)
class Extracted:
    """A file's text as read: its kind, page count, and how it was read."""

    kind: str  # pdf, docx or txt
    text: str
    pages: int
    extraction: str  # 'text', 'ocr', 'text+ocr', or why some pages were not read


def clean(text: str) -> str:
    """Text as stored: NFC, control characters out (tabs and line breaks kept), capped."""
    text = unicodedata.normalize("NFC", text).translate(_CONTROL)
    lines = (" ".join(line.split()) for line in text.replace("\r\n", "\n").split("\n"))
    out = "\n".join(lines)
    while "\n\n\n" in out:
        out = out.replace("\n\n\n", "\n\n")
    return out.strip()[:MAX_TEXT]


def sniff(data: bytes, name: str) -> str:
    """The file's kind from its first bytes (and, for text, its name)."""
    if data.startswith(b"%PDF-") or b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "docx"
    suffix = Path(name).suffix.lower()
    if suffix == ".txt":
        return "txt"
    if suffix in (".pdf", ".docx"):
        raise InputFileError(f"{name}: not a valid {suffix[1:].upper()} file (wrong content)")
    raise InputFileError(f"{name}: not a PDF, DOCX or TXT file")


def read_text_file(data: bytes, name: str) -> str:
    """A TXT file's text: UTF-8 or UTF-16 with a byte-order mark; anything else is refused."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise InputFileError(
                    f"{name}: broken {encoding} text at byte {exc.start}"
                ) from None
    if b"\x00" in data[:8192]:
        raise InputFileError(f"{name}: binary data, not text (a NUL byte)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputFileError(
            f"{name}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save it as UTF-8 and add it again"
        ) from None


def _check_zip(data: bytes, name: str) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise InputFileError(f"{name}: corrupt DOCX (not a readable ZIP archive)") from None
    with archive:
        entries = archive.infolist()
        names = {e.filename for e in entries}
        if "word/document.xml" not in names:
            raise InputFileError(f"{name}: a ZIP archive but not a Word document (DOCX)")
        total = sum(e.file_size for e in entries)
        packed = max(1, sum(e.compress_size for e in entries))
        if total > MAX_UNZIPPED or total / packed > MAX_RATIO:
            raise InputFileError(
                f"{name}: refused: it would inflate to {total:,} bytes ({total // packed}x "
                "its size), a ZIP bomb or far beyond any document"
            )


def read_docx(data: bytes, name: str) -> str:
    """A DOCX's paragraphs and table cells, in order (python-docx)."""
    _check_zip(data, name)
    import docx  # python-docx: loaded only for DOCX files

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # any parse failure is this file's problem
        raise InputFileError(f"{name}: corrupt DOCX ({type(exc).__name__})") from None
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(parts)


@functools.cache
def ocr_languages() -> tuple[str, ...]:
    """The library's OCR languages that this machine's Tesseract has (none without it)."""
    if shutil.which("tesseract") is None:
        return ()
    try:
        # Our own arguments, no shell; Debian's tesseract-ocr, found on the PATH.
        done = subprocess.run(
            ["tesseract", "--list-langs"],  # noqa: S607
            capture_output=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return ()
    have = set(done.stdout.decode("utf-8", "replace").split()) if done.returncode == 0 else set()
    return tuple(lang for lang in OCR_LANGUAGES if lang in have)


def ocr_available() -> bool:
    """Whether scanned pages can be OCR'd here: tesseract with a language, and pypdfium2."""
    return bool(ocr_languages()) and importlib.util.find_spec("pypdfium2") is not None


def _ocr_pages(data: bytes, pages: list[int]) -> dict[int, str | None]:
    """Each page's OCR'd text, or None where Tesseract failed on it (or ran out of time)."""
    import pypdfium2  # type: ignore[import-not-found, unused-ignore]

    languages = "+".join(ocr_languages())
    out: dict[int, str | None] = {}
    pdf = pypdfium2.PdfDocument(data)
    with tempfile.TemporaryDirectory(prefix="nc-ocr-") as tmp:
        for index in pages:
            page = pdf[index]
            width, height = page.get_size()
            scale = min(300 / 72, (OCR_MAX_PIXELS / max(width * height, 1.0)) ** 0.5)
            png = Path(tmp) / f"page{index}.png"
            page.render(scale=scale).to_pil().save(png)
            command = ["tesseract", str(png), "stdout", "-l", languages]
            try:
                # Our own arguments, no shell; Debian's tesseract-ocr, found on the PATH.
                done = subprocess.run(  # noqa: S603
                    command,
                    capture_output=True,
                    timeout=OCR_TIMEOUT,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                out[index] = None
                continue
            ok = done.returncode == 0
            out[index] = done.stdout.decode("utf-8", "replace") if ok else None
            png.unlink(missing_ok=True)
    return out


def _pages(count: int, what: str = "") -> str:
    return f"{count} {what}page" if count == 1 else f"{count} {what}pages"


def _ocr_note(failed: int) -> str:
    """How a PDF with scanned pages was read: 'ocr' or 'text+ocr', and what fell short."""
    notes = []
    if failed:
        notes.append(f"OCR failed on {_pages(failed)}")
    missing = [lang for lang in OCR_LANGUAGES if lang not in ocr_languages()]
    if missing:
        notes.append(f"Tesseract lacks {', '.join(missing)}")
    return "; ".join(notes)


def read_pdf(data: bytes, name: str) -> tuple[str, int, str]:
    """A PDF's text layer, with scanned pages OCR'd where Tesseract is installed."""
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise InputFileError(f"{name}: encrypted PDF; needs a password, remove it first")
        count = len(reader.pages)
        if count > MAX_PAGES:
            raise InputFileError(f"{name}: {count:,} pages, more than the {MAX_PAGES:,} read")
        texts = [page.extract_text() or "" for page in reader.pages]
    except InputFileError:
        raise
    except FileNotDecryptedError:
        raise InputFileError(f"{name}: encrypted PDF; needs a password, remove it first") from None
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise InputFileError(f"{name}: corrupt PDF ({type(exc).__name__}: {exc})"[:300]) from None
    scanned = [i for i, t in enumerate(texts) if len(t.strip()) < SCANNED_CHARS]
    how = "text"
    if scanned:
        if ocr_available():
            read = _ocr_pages(data, scanned)
            for index, text in read.items():
                texts[index] = text or ""
            how = "ocr" if len(scanned) == count else "text+ocr"
            note = _ocr_note(sum(text is None for text in read.values()))
            how = f"{how} ({note})" if note else how
        elif len(scanned) == count:
            how = NOT_OCRD
        else:
            how = f"{NOT_OCRD} ({_pages(len(scanned), 'scanned ')})"
    return "\n\n".join(texts), count, how


def extract(data: bytes, name: str) -> Extracted:
    """The text of a PDF, DOCX or TXT file's bytes; InputFileError for a file we refuse."""
    kind = sniff(data, name)
    if kind == "pdf":
        text, pages, how = read_pdf(data, name)
        return Extracted(kind, clean(text), pages, how)
    if kind == "docx":
        return Extracted(kind, clean(read_docx(data, name)), 0, "text")
    return Extracted(kind, clean(read_text_file(data, name)), 0, "text")
