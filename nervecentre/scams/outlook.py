"""Outlook ``.msg`` files (MS-OXMSG, an OLE compound file) read with olefile.

``extract-msg`` would do more but is GPL-3.0, which the project does not ship; olefile is
BSD. Read: subject, sender, the transport headers (Message-ID, Date), the plain and HTML
bodies, and attachments that are text. Property streams are ``__substg1.0_<tag><type>``:
type ``001F`` is UTF-16LE text, ``001E`` 8-bit text in the message's code page, ``0102``
binary.
"""

from __future__ import annotations

import email
import email.policy
from email.utils import parsedate_to_datetime

import olefile

from nervecentre.errors import InputFileError
from nervecentre.scams.mime import (
    TEXT_SUFFIXES,
    Parsed,
    decode_bytes,
    html_to_text,
    message_id,
    tidy,
)

_SUBJECT = "0037"
_SENDER_NAME = "0C1A"
_SENDER_EMAIL = "0C1F"
_HEADERS = "007D"
_BODY = "1000"
_HTML = "1013"
_MESSAGE_ID = "1035"
_ATTACH_NAME = "3707"
_ATTACH_SHORT_NAME = "3704"
_ATTACH_DATA = "37010102"


def _stream(ole: olefile.OleFileIO, folder: str, name: str) -> bytes | None:
    path = f"{folder}__substg1.0_{name}" if folder else f"__substg1.0_{name}"
    if not ole.exists(path):
        return None
    with ole.openstream(path) as stream:
        data: bytes = stream.read()
    return data


def _string(ole: olefile.OleFileIO, tag: str, folder: str = "") -> str:
    data = _stream(ole, folder, tag + "001F")
    if data is not None:
        return data.decode("utf-16-le", errors="replace").rstrip("\x00")
    data = _stream(ole, folder, tag + "001E")
    if data is not None:
        return decode_bytes(data.rstrip(b"\x00"), "cp1252")[0]
    return ""


def parse_msg(data: bytes) -> Parsed:
    """Parse an Outlook message from its bytes."""
    if not data.startswith(olefile.MAGIC):
        raise InputFileError("not an Outlook .msg file (no OLE compound-file signature)")
    if len(data) < olefile.MINIMAL_OLEFILE_SIZE:
        raise InputFileError(f"corrupt Outlook .msg file: only {len(data):,} bytes")
    try:
        ole = olefile.OleFileIO(data)
    except (OSError, ValueError, IndexError) as exc:
        raise InputFileError(f"corrupt Outlook .msg file: {exc}") from None
    parsed = Parsed()
    try:
        _read(ole, parsed)
    except (OSError, ValueError, IndexError, KeyError) as exc:
        parsed.warnings.append(f"corrupt Outlook .msg structure: {exc}")
    finally:
        ole.close()
    return parsed


def _read(ole: olefile.OleFileIO, parsed: Parsed) -> None:
    parsed.subject = _string(ole, _SUBJECT)
    name, address = _string(ole, _SENDER_NAME), _string(ole, _SENDER_EMAIL)
    parsed.sender = f"{name} <{address}>" if name and address else (address or name)
    headers_text = _string(ole, _HEADERS)
    if headers_text:
        headers = email.message_from_string(headers_text, policy=email.policy.compat32)
        parsed.message_id = message_id(str(headers.get("Message-ID", "")))
        parsed.recipients = str(headers.get("To", "") or "")
        date = headers.get("Date")
        if date:
            try:
                parsed.sent_at = parsedate_to_datetime(str(date))
            except (TypeError, ValueError, IndexError):
                parsed.warnings.append(f"header Date: not a date ({str(date)[:60]!r})")
    parsed.message_id = parsed.message_id or message_id(_string(ole, _MESSAGE_ID))
    body = _string(ole, _BODY)
    html_raw = _stream(ole, "", _HTML + "0102")
    html = decode_bytes(html_raw, None)[0] if html_raw is not None else _string(ole, _HTML)
    if body:
        parsed.body = tidy(body)
        if html:
            parsed.extra.append(html_to_text(html))
    elif html:
        parsed.body = html_to_text(html)
    for entry in ole.listdir(streams=False, storages=True):
        folder = entry[0]
        if not folder.startswith("__attach_version1.0_") or len(entry) != 1:
            continue
        prefix = folder + "/"
        filename = _string(ole, _ATTACH_NAME, prefix) or _string(ole, _ATTACH_SHORT_NAME, prefix)
        parsed.attachments.append(filename or folder)
        if not filename.lower().endswith(TEXT_SUFFIXES):
            continue
        content = _stream(ole, prefix, _ATTACH_DATA)
        if content is None:
            continue
        text, warning = decode_bytes(content, None)
        if warning:
            parsed.warnings.append(f"{filename}: {warning}")
        parsed.extra.append(
            html_to_text(text) if filename.lower().endswith((".html", ".htm")) else tidy(text)
        )
