"""Complaint files to messages: ``.eml``, ``.mbox``, Outlook ``.msg`` and plain text.

:func:`read_messages` walks files and folders (recursively, hidden entries skipped) and yields,
in a stable order, one :class:`Message` per message read or one :class:`MessageError` per
message or file that could not be: a huge message, a corrupt file or a binary one is reported
and reading goes on with the next. A message's ``ref`` is what the command line prints as
``message``: the Message-ID of an e-mail, the index (from 0) of a message within an mbox, and
None for plain text (a pasted SMS or a WhatsApp chat export).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from nervecentre.errors import InputFileError
from nervecentre.scams.chat import senders
from nervecentre.scams.mime import Parsed, decode_bytes, parse_bytes, tidy
from nervecentre.scams.outlook import parse_msg

# A message (or a text file) larger than this is refused, not read: complaints are small, and
# a multi-megabyte "message" is an attachment dump or an attack on the parser.
MAX_MESSAGE_BYTES = 25 * 1024 * 1024
FORMATS = ("eml", "mbox", "msg", "text", "whatsapp")
# Never complaints; skipped inside folders (a file named on the command line is still read).
SKIPPED_SUFFIXES = (".json", ".jsonl")
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# An mbox's first line: "From sender Mon Dec  7 10:00:00 2026" (not "From Rahul: pay now").
_MBOX_FROM = re.compile(rb"From \S+ +[A-Z][a-z]{2} [A-Z][a-z]{2} +\d{1,2} \d")
_HEADER_LINE = re.compile(rb"^[A-Za-z][A-Za-z0-9-]{0,60}:[ \t]?\S", re.MULTILINE)
_MAIL_HEADERS = re.compile(
    rb"^(?:from|to|subject|date|message-id|received|return-path|mime-version):",
    re.IGNORECASE | re.MULTILINE,
)
# WhatsApp exports: "12/03/2024, 10:15 - Name: text" (Android) or "[12/03/24, 10:15:22] Name:
# text" (iPhone); the prefix is dropped so that two exports of one message read the same.
_WHATSAPP = re.compile(
    r"^\u200e?\[?(\d{1,2})[/.](\d{1,2})[/.](\d{2,4}),? (\d{1,2}):(\d{2})(?::\d{2})?"
    r"(?:\s?[APap][Mm])?\]?(?: -)? ([^:\n]{1,60}): ",
    re.MULTILINE,
)


@dataclass(frozen=True)
class Message:
    """One message read from a complaint file."""

    path: str
    ref: str | int | None
    format: str
    parsed: Parsed
    sha256: str  # of the message's own bytes (the whole file for one-message files)
    file_sha256: str
    size: int


@dataclass(frozen=True)
class MessageError:
    """A message, or a whole file, that could not be read: where, and why."""

    path: str
    ref: str | int | None
    error: str


Item = Message | MessageError


def walk(paths: Iterable[str | Path]) -> Iterator[Path | MessageError]:
    """Files named, and files under folders named: sorted, hidden ones and data files
    (``.json``, ``.jsonl``: a corpus's truth, an export) skipped."""
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith(".") and not name.endswith(SKIPPED_SUFFIXES):
                        yield Path(root) / name
        elif path.is_file():
            yield path
        else:
            yield MessageError(str(path), None, "no such file or folder")


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in chunks (the evidence hash of a complaint file)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sniff(path: Path, head: bytes) -> str:
    """The format of a file, by its first bytes first and its name second."""
    suffix = path.suffix.lower()
    if head.startswith(_OLE):
        return "msg"
    if suffix in (".mbox", ".mbx") or _MBOX_FROM.match(head):
        return "mbox"
    if suffix == ".eml" or suffix == ".msg":
        return suffix[1:]
    block = re.split(rb"\r?\n\r?\n", head, maxsplit=1)[0]
    if _HEADER_LINE.match(head) and len(_MAIL_HEADERS.findall(block)) >= 2:
        return "eml"
    return "text"


def read_messages(
    paths: Iterable[str | Path], *, max_bytes: int = MAX_MESSAGE_BYTES
) -> Iterator[Item]:
    """Every message of every file under ``paths``, or an error for what could not be read."""
    for found in walk(paths):
        if isinstance(found, MessageError):
            yield found
            continue
        try:
            yield from _read_file(found, max_bytes)
        except OSError as exc:
            yield MessageError(str(found), None, f"cannot read: {exc.strerror or exc}")
        except Exception as exc:  # a parser bug on one file must not stop the others
            yield MessageError(str(found), None, f"unreadable: {type(exc).__name__}: {exc}")


def _read_file(path: Path, max_bytes: int) -> Iterator[Item]:
    with path.open("rb") as handle:
        head = handle.read(8192)
    kind = sniff(path, head)
    digest = file_sha256(path)
    name = str(path)
    if kind == "mbox":
        yield from _read_mbox(path, digest, max_bytes)
        return
    size = path.stat().st_size
    if size > max_bytes:
        yield MessageError(name, None, f"{size:,} bytes, over the {max_bytes:,}-byte cap")
        return
    if kind in ("eml", "text") and b"\x00" in head:
        yield MessageError(name, None, "a binary file, not a message")
        return
    data = path.read_bytes()
    try:
        if kind == "msg":
            parsed = parse_msg(data)
        elif kind == "eml":
            parsed = parse_bytes(data)
        else:
            parsed, kind = parse_text(data)
    except InputFileError as exc:
        yield MessageError(name, None, str(exc))
        return
    ref = parsed.message_id if kind in ("eml", "msg") else None
    yield Message(name, ref, kind, parsed, digest, digest, size)


def parse_text(data: bytes) -> tuple[Parsed, str]:
    """A pasted SMS or a WhatsApp chat export: the text, the chat's prefixes dropped."""
    text, warning = decode_bytes(data, None)
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise InputFileError("empty text")
    parsed = Parsed(warnings=[warning] if warning else [])
    chat = list(_WHATSAPP.finditer(text))
    if len(chat) >= 1 and chat[0].start() == 0:
        day, month, year, hour, minute, _ = chat[0].groups()
        # Every sender with its side of the chat (who sends payment details), so that the
        # scammer's number and the victim's own are told apart on the message.
        parsed.chat = senders(chat, text)
        parsed.sender = "; ".join(s.describe() for s in parsed.chat)[:500]
        try:
            full_year = int(year) + (2000 if len(year) == 2 else 0)
            parsed.sent_at = datetime(full_year, int(month), int(day), int(hour), int(minute))
        except ValueError:
            parsed.warnings.append("chat: the first date is not a date")
        parsed.body = tidy(_WHATSAPP.sub("", text))
        # Who wrote is evidence too (a scammer's number shows when it is not a contact): the
        # sender labels stay in the text read for indicators, one a line, with their side.
        parsed.extra.append("\n".join(f"{s.role}: {s.label}" for s in parsed.chat))
        return parsed, "whatsapp"
    parsed.body = tidy(text)
    return parsed, "text"


def _mbox_chunks(path: Path, max_bytes: int) -> Iterator[tuple[int, bytes | None, int]]:
    """(index, bytes or None when over the cap, size) per message of an mbox file.

    A message starts at a ``From sender date`` line at the start of the file or after an
    empty line (so a body line that happens to begin with "From " does not split a message);
    mboxrd's ``>From `` quoting is undone.
    """
    index, size, too_big, previous_blank = -1, 0, False, True
    lines: list[bytes] = []
    with path.open("rb") as handle:
        for line in handle:
            if previous_blank and line.startswith(b"From ") and _MBOX_FROM.match(line):
                if index >= 0:
                    yield index, None if too_big else b"".join(lines), size
                index, size, lines, too_big = index + 1, 0, [], False
                previous_blank = False
                continue
            previous_blank = line in (b"\n", b"\r\n")
            if index < 0:
                index = 0  # text before the first From line: read it as a message
            size += len(line)
            if too_big:
                continue
            if size > max_bytes:
                too_big, lines = True, []
                continue
            if line.startswith(b">") and line.lstrip(b">").startswith(b"From "):
                line = line[1:]
            lines.append(line)
    if index >= 0:
        yield index, None if too_big else b"".join(lines), size


def _read_mbox(path: Path, digest: str, max_bytes: int) -> Iterator[Item]:
    name = str(path)
    for index, data, size in _mbox_chunks(path, max_bytes):
        if data is None:
            yield MessageError(name, index, f"{size:,} bytes, over the {max_bytes:,}-byte cap")
            continue
        try:
            parsed = parse_bytes(data)
        except InputFileError as exc:
            yield MessageError(name, index, str(exc))
            continue
        except Exception as exc:  # one bad message must not stop the mbox
            yield MessageError(name, index, f"unreadable message: {exc}")
            continue
        sha = hashlib.sha256(data).hexdigest()
        yield Message(name, index, "mbox", parsed, sha, digest, size)
