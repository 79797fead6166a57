"""Text out of one e-mail: MIME decoded (transfer encodings, charsets, HTML, text attachments).

A message's bytes become a :class:`Parsed`: its headers, the body a reader would see (plain
text preferred, else HTML turned into text), the text of every other text part and text
attachment (zip archives opened with caps), and warnings for what could not be read. Nothing
here raises on bad input except :class:`~nervecentre.errors.InputFileError` for bytes that are
no message at all; a bad part is a warning and the rest of the message is still read.
"""

from __future__ import annotations

import email
import email.policy
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage, Message
from email.utils import parsedate_to_datetime

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from nervecentre.errors import InputFileError
from nervecentre.scams.chat import ChatSender

# Attachments read as text; others are noted by name only.
TEXT_SUFFIXES = (".txt", ".text", ".csv", ".html", ".htm", ".eml", ".log", ".md")
# Zip archives: at most this many members, bytes each and in all, and this compression ratio.
ZIP_MAX_MEMBERS = 50
ZIP_MAX_MEMBER_BYTES = 2 * 1024 * 1024
ZIP_MAX_TOTAL_BYTES = 8 * 1024 * 1024
ZIP_MAX_RATIO = 100
# Block elements end a line; inline ones (span, b, font) do not, so an address split by tags
# ("bc1q<span>xy</span>z") comes out whole.
_BLOCK = re.compile(
    r"<(?:br|p|div|tr|li|ul|ol|table|h[1-6]|blockquote|pre|hr|td|th)\b[^>]*>"
    r"|</(?:p|div|tr|li|ul|ol|table|h[1-6]|blockquote|pre|td|th)\s*>",
    re.IGNORECASE,
)
_BLANKS = re.compile(r"[ \t\u00a0]+")
_LINES = re.compile(r"\n\s*\n+")


@dataclass
class Parsed:
    """What one e-mail says: headers, the reader's body, other text, and what went wrong."""

    message_id: str | None = None
    subject: str = ""
    sender: str = ""
    recipients: str = ""
    sent_at: datetime | None = None
    body: str = ""
    extra: list[str] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    inner: Parsed | None = None  # a message attached whole (message/rfc822): a forward
    chat: list[ChatSender] = field(default_factory=list)  # a chat export's senders

    @property
    def text(self) -> str:
        """Everything a reader could see, for indicator extraction: subject, body, the rest."""
        parts = [self.subject, self.body, *self.extra]
        if self.inner is not None:
            parts.append(self.inner.text)
        return "\n".join(p for p in parts if p)


def html_to_text(html: str) -> str:
    """The text of an HTML body: scripts and styles dropped, block elements on their own line."""
    tree = HTMLParser(_BLOCK.sub(lambda m: "\n" + m.group(0), html))
    tree.strip_tags(["script", "style", "head", "title", "noscript"])
    root = tree.body or tree.root
    text = root.text(separator="") if root is not None else ""
    return tidy(text)


def tidy(text: str) -> str:
    """Runs of blanks as one space, at most one empty line in a row, no trailing blanks."""
    lines = (_BLANKS.sub(" ", line).strip() for line in text.replace("\r\n", "\n").split("\n"))
    return _LINES.sub("\n\n", "\n".join(lines)).strip()


def decode_bytes(data: bytes, charset: str | None) -> tuple[str, str | None]:
    """Bytes as text in their declared charset, else a detected one; and a warning, if any."""
    if charset:
        try:
            return data.decode(charset), None
        except LookupError:
            warning = f"unknown character set {charset!r}"
        except UnicodeDecodeError:
            warning = f"text is not valid {charset}"
    else:
        try:
            return data.decode("utf-8"), None
        except UnicodeDecodeError:
            warning = None
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    if best is not None:
        guessed = best.encoding
        text = data.decode(guessed, errors="replace")
        note = f"{warning}; read as {guessed}" if warning else None
        return text, note
    return data.decode("utf-8", errors="replace"), (warning or "undecodable text") + (
        "; unreadable bytes replaced"
    )


def _part_text(part: Message, label: str, warnings: list[str]) -> str:
    try:
        payload = part.get_payload(decode=True)
    except Exception as exc:  # a broken part must not sink the message
        warnings.append(f"{label}: cannot decode ({exc})")
        return ""
    if not isinstance(payload, bytes):
        return ""
    for defect in part.defects:
        warnings.append(f"{label}: {type(defect).__name__}")
    text, warning = decode_bytes(payload, part.get_content_charset())
    if warning:
        warnings.append(f"{label}: {warning}")
    if part.get_content_subtype() == "html" or label.lower().endswith((".html", ".htm")):
        return html_to_text(text)
    return tidy(text)


def _zip_texts(data: bytes, name: str, warnings: list[str]) -> list[str]:
    """The text members of a zip attachment, within caps; a bomb or a password is a warning."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        warnings.append(f"{name}: not a readable zip archive ({exc})")
        return []
    if len(members) > ZIP_MAX_MEMBERS:
        warnings.append(f"{name}: {len(members)} members, only the first {ZIP_MAX_MEMBERS} read")
    texts: list[str] = []
    total = 0
    for info in members[:ZIP_MAX_MEMBERS]:
        label = f"{name}/{info.filename}"
        if info.is_dir() or not info.filename.lower().endswith(TEXT_SUFFIXES):
            continue
        if info.flag_bits & 0x1:
            warnings.append(f"{label}: encrypted, not read")
            continue
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > ZIP_MAX_MEMBER_BYTES or ratio > ZIP_MAX_RATIO:
            warnings.append(
                f"{label}: {info.file_size:,} bytes unpacked (ratio {ratio:.0f}), over the cap"
            )
            continue
        total += info.file_size
        if total > ZIP_MAX_TOTAL_BYTES:
            warnings.append(f"{name}: over {ZIP_MAX_TOTAL_BYTES:,} bytes unpacked, rest not read")
            break
        try:
            with archive.open(info) as member:
                raw = member.read(ZIP_MAX_MEMBER_BYTES + 1)[:ZIP_MAX_MEMBER_BYTES]
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as exc:
            warnings.append(f"{label}: cannot unpack ({exc})")
            continue
        text, warning = decode_bytes(raw, None)
        if warning:
            warnings.append(f"{label}: {warning}")
        texts.append(html_to_text(text) if label.lower().endswith((".html", ".htm")) else text)
    return texts


def _header(msg: Message, name: str, warnings: list[str]) -> str:
    try:
        value = msg.get(name)
        return re.sub(r"\s+", " ", str(value)).strip() if value is not None else ""
    except Exception as exc:  # a malformed header is a warning, not a failure
        warnings.append(f"header {name}: unreadable ({exc})")
        raw = msg.get_all(name, failobj=[""])
        return str(raw[0])[:300] if raw else ""


def message_id(value: str) -> str | None:
    """A Message-ID as its header writes it (angle brackets kept), blanks trimmed; or None."""
    cleaned = "".join(value.split())
    return cleaned if cleaned.strip("<>") else None


def _date(msg: Message, warnings: list[str]) -> datetime | None:
    raw = _header(msg, "Date", warnings)
    if not raw:
        return None
    try:
        return parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        warnings.append(f"header Date: not a date ({raw[:60]!r})")
        return None


def _walk(msg: Message, parsed: Parsed, depth: int) -> None:
    body_part = None
    if isinstance(msg, EmailMessage):
        try:
            body_part = msg.get_body(preferencelist=("plain", "html"))
        except Exception:  # get_body trips on some broken trees
            body_part = None
    for index, part in enumerate(msg.walk()):
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        name = part.get_filename() or ""
        label = name or f"part {index} ({ctype})"
        if part.get_content_maintype() == "multipart":
            # Its boundary was never found: the parts are raw text. Keep it, read as text.
            raw = part.get_payload()
            if isinstance(raw, str) and raw.strip():
                parsed.warnings.append(f"{label}: parts unreadable, kept as raw text")
                parsed.extra.append(tidy(raw))
            continue
        if ctype == "message/rfc822" or (name.lower().endswith(".eml") and depth < 2):
            continue  # attached messages are parsed on their own (below)
        if name:
            parsed.attachments.append(name)
        lname = name.lower()
        if ctype in ("application/zip", "application/x-zip-compressed") or lname.endswith(".zip"):
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                parsed.extra.extend(_zip_texts(payload, name or "zip", parsed.warnings))
            continue
        if part.get_content_maintype() != "text" and not lname.endswith(TEXT_SUFFIXES):
            continue
        text = _part_text(part, label, parsed.warnings)
        if part is body_part and not parsed.body:
            parsed.body = text
        elif text:
            parsed.extra.append(text)
    if not parsed.body and parsed.extra and body_part is None:
        parsed.body = parsed.extra.pop(0)


def _attached_message(msg: Message, depth: int, warnings: list[str]) -> Parsed | None:
    for part in msg.walk():
        if part.get_content_type() == "message/rfc822":
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            if isinstance(inner, Message):
                return _parse_message(inner, depth + 1)
        elif (part.get_filename() or "").lower().endswith(".eml"):
            data = part.get_payload(decode=True)
            if isinstance(data, bytes):
                return parse_bytes(data, depth=depth + 1)
    return None


def _parse_message(msg: Message, depth: int) -> Parsed:
    parsed = Parsed()
    for defect in msg.defects:
        parsed.warnings.append(f"malformed MIME: {type(defect).__name__}")
    parsed.message_id = message_id(_header(msg, "Message-ID", parsed.warnings))
    parsed.subject = _header(msg, "Subject", parsed.warnings)
    parsed.sender = _header(msg, "From", parsed.warnings)
    parsed.recipients = _header(msg, "To", parsed.warnings)
    parsed.sent_at = _date(msg, parsed.warnings)
    try:
        _walk(msg, parsed, depth)
    except Exception as exc:  # the headers are still worth keeping
        parsed.warnings.append(f"malformed MIME structure: {exc}")
    if depth < 3:
        try:
            parsed.inner = _attached_message(msg, depth, parsed.warnings)
        except Exception as exc:
            parsed.warnings.append(f"attached message unreadable: {exc}")
    return parsed


def parse_bytes(data: bytes, *, depth: int = 0) -> Parsed:
    """Parse one RFC 5322 message (its raw bytes, any line endings)."""
    if not data.strip():
        raise InputFileError("empty message")
    head = data[:4096]
    if b":" not in head.split(b"\n\n", 1)[0] and b":" not in head.split(b"\r\n\r\n", 1)[0]:
        raise InputFileError("not an e-mail message: no header lines")
    msg = email.message_from_bytes(data, policy=email.policy.default)
    return _parse_message(msg, depth)
