"""Write synthetic complaints as the files victims forward: .eml, .mbox and chat .txt."""

from __future__ import annotations

import html
import mailbox
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from nervecentre.synth._complaint import Complaint
from nervecentre.synth._random import between, pick, rng_for

_START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
_SUBJECTS = ("Your account is hacked", "Security alert", "Re: payment", "Last warning", "Hello")
_MBOX_SIZE = 25


def _when(rng: random.Random, number: int) -> datetime:
    return _START + timedelta(hours=number * 3 + between(rng, 0, 180))


def _email(item: Complaint, rng: random.Random, when: datetime) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = f"noreply{between(rng, 1, 999)}@mailer.invalid"
    msg["To"] = "complainant@victims.invalid"
    msg["Subject"] = pick(rng, _SUBJECTS) if item.campaign else "Your order and receipts"
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = f"<synth.{item.number:06d}.{rng.getrandbits(32):08x}@nervecentre.invalid>"
    cte = pick(rng, ("quoted-printable", "base64", "8bit"))
    if item.html:
        # Tags hidden inside addresses by the obfuscator stay as they are; the rest is escaped.
        paragraphs = "".join(
            f"<p>{html.escape(line, quote=False).replace('&lt;', '<').replace('&gt;', '>')}</p>"
            for line in item.body.split("\n")
        )
        msg.set_content(f"<html><body>{paragraphs}</body></html>", subtype="html", cte=cte)
    else:
        msg.set_content(item.body, cte=cte)
    return msg


def _chat(item: Complaint, rng: random.Random, when: datetime) -> str:
    if rng.random() < 0.4:
        return item.body + "\n"  # a pasted SMS
    sender = next((v for k, v in item.indicators if k == "phone"), None)
    label = f"{sender[:3]} {sender[3:8]} {sender[8:]}" if sender else "Unknown"
    lines = []
    for n, line in enumerate(item.body.split("\n")):
        at = when + timedelta(minutes=n)
        lines.append(f"{at:%d/%m/%y}, {at:%H:%M} - {label}: {line}")
    return "\n".join(lines) + "\n"


def write_files(folder: Path, items: Sequence[Complaint], seed: int) -> None:
    """Write every item to a file and set its `file` and `message` key (in place)."""
    for sub in ("eml", "mbox", "txt"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    box: mailbox.mbox | None = None
    box_count = 0
    box_number = 0
    for item in items:
        rng = rng_for(seed, "complaints/file", item.number)
        when = _when(rng, item.number)
        if item.channel == "chat":
            item.file = f"txt/{item.number:06d}.txt"
            (folder / item.file).write_text(_chat(item, rng, when), encoding="utf-8")
            continue
        msg = _email(item, rng, when)
        if rng.random() < 0.6:
            item.file = f"eml/{item.number:06d}.eml"
            item.message = str(msg["Message-ID"])
            (folder / item.file).write_bytes(msg.as_bytes())
            continue
        if box is None or box_count == _MBOX_SIZE:
            if box is not None:
                box.close()
            box_number += 1
            box = mailbox.mbox(folder / f"mbox/batch-{box_number:03d}.mbox", create=True)
            box.lock()
            box_count = 0
        entry = mailbox.mboxMessage(msg)
        entry.set_from("MAILER-DAEMON", when.timetuple())  # not the time of writing
        box.add(entry)
        item.file = f"mbox/batch-{box_number:03d}.mbox"
        item.message = box_count
        box_count += 1
    if box is not None:
        box.unlock()
        box.close()
