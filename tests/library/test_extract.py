"""Text extraction per format, and hostile files refused with a clear reason."""

from __future__ import annotations

import io
import zipfile

import pytest
from pypdf import PdfReader, PdfWriter

from nervecentre.errors import InputFileError
from nervecentre.library import extract as ex
from nervecentre.library._pdf import write_pdf
from nervecentre.library.synth import docx_bytes

TEXT = "IN THE COURT OF THE SESSIONS JUDGE, THANE\nThe accused is convicted under Section 370 IPC."


def test_txt_utf8_and_bom_and_devanagari() -> None:
    hindi = "धारा ३७० भादंवि के अंतर्गत मानव तस्करी"
    assert ex.extract(hindi.encode(), "a.txt").text == hindi
    assert ex.extract(b"\xef\xbb\xbf" + hindi.encode(), "a.txt").text == hindi
    assert ex.extract(hindi.encode("utf-16"), "a.txt").text == hindi


def test_docx_paragraphs_and_kind_from_bytes_not_name() -> None:
    got = ex.extract(docx_bytes(TEXT), "misnamed.txt")
    assert got.kind == "docx"
    assert "Section 370 IPC" in got.text


def test_pdf_text_layer() -> None:
    got = ex.extract(write_pdf(TEXT), "j.pdf")
    assert (got.kind, got.pages, got.extraction) == ("pdf", 1, "text")
    assert "convicted under Section 370 IPC" in got.text


def test_scanned_pdf_is_marked_not_ocrd_without_tesseract(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ex, "ocr_available", lambda: False)
    scan = ex.extract(write_pdf(None, pages_of_scan=2), "scan.pdf")
    assert scan.extraction == "not OCR'd: Tesseract not installed"
    assert scan.text == ""
    mixed = ex.extract(write_pdf(TEXT, pages_of_scan=1), "mixed.pdf")
    assert mixed.extraction == "not OCR'd: Tesseract not installed (1 scanned pages)"
    assert "Section 370" in mixed.text


def test_corrupt_pdf() -> None:
    with pytest.raises(InputFileError, match=r"bad\.pdf: corrupt PDF"):
        ex.extract(b"%PDF-1.4\n" + b"\x00garbage" * 50, "bad.pdf")


def test_encrypted_pdf() -> None:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(write_pdf(TEXT))))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(InputFileError, match=r"locked\.pdf: encrypted PDF; needs a password"):
        ex.extract(out.getvalue(), "locked.pdf")


def test_zip_bomb_docx() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"\x00" * (50 * 1024 * 1024))
    with pytest.raises(InputFileError, match=r"bomb\.docx: refused: it would inflate"):
        ex.extract(out.getvalue(), "bomb.docx")


def test_corrupt_docx_and_plain_zip() -> None:
    with pytest.raises(InputFileError, match="corrupt DOCX"):
        ex.extract(b"PK\x03\x04" + b"junk" * 100, "broken.docx")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("notes.txt", "hello")
    with pytest.raises(InputFileError, match="not a Word document"):
        ex.extract(out.getvalue(), "archive.docx")


def test_wrong_encoding_and_binary_and_unknown_kind() -> None:
    with pytest.raises(
        InputFileError, match=r"latin\.txt: not UTF-8 text \(byte 0xe8 at offset 4\)"
    ):
        ex.extract("Procès-verbal".encode("cp1252"), "latin.txt")
    with pytest.raises(InputFileError, match="binary data"):
        ex.extract(b"abc\x00def", "x.txt")
    with pytest.raises(InputFileError, match="not a PDF, DOCX or TXT"):
        ex.extract(b"hello", "photo.jpg")
    with pytest.raises(InputFileError, match="not a valid PDF"):
        ex.extract(b"hello", "fake.pdf")


def test_control_characters_are_cleaned_and_text_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    assert ex.clean("a\x02b\x03c\r\nd") == "a b c\nd"
    monkeypatch.setattr(ex, "MAX_TEXT", 10)
    assert len(ex.extract(b"x" * 100, "long.txt").text) == 10
