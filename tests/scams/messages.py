"""Complaint files for the tests: e-mails, mboxes, chats, built from a few templates."""

from __future__ import annotations

import base64
import io
import zipfile
from email.message import EmailMessage
from pathlib import Path

# Valid addresses (checksums pass), and one with a character changed.
BTC = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
BTC2 = "1BoatSLRHtKNngkdXEeobR76b53LETtpyT"
BAD_BTC = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdr"
UPI = "ravi.k@ybl"

TEMPLATE = (
    "Hello {name},\n\nI know that {password} is your password. I recorded you through your "
    "webcam while you watched adult sites. Send {amount} BTC to my bitcoin wallet {wallet} "
    "within 48 hours or the video goes to all your contacts. Do not reply to this e-mail."
)
TEMPLATE_B = (
    "Dear {name}, your number was used in a video call. Pay Rs {amount} to UPI {wallet} today "
    "or the recording will be sent to your family and posted online. Call us on +91 98765 43210."
)


def scam_email(
    name: str = "Asha",
    *,
    to: str = "asha.rao@example.in",
    message_id: str = "<m1@mailer.example>",
    wallet: str = BTC,
    amount: str = "0.12",
    password: str = "tiger123",
    template: str = TEMPLATE,
    subject: str = "Your account was hacked",
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Hacker <h4x@mailer.example>"
    msg["To"] = f"{name} <{to}>"
    msg["Subject"] = subject
    msg["Message-ID"] = message_id
    msg["Date"] = "Mon, 07 Dec 2026 10:00:00 +0530"
    msg.set_content(template.format(name=name, password=password, amount=amount, wallet=wallet))
    return msg


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def html_only_base64(wallet: str = BTC) -> bytes:
    html = f"<html><body><p>Pay <b>0.1</b> BTC to bc1q<span>{wallet[4:]}</span></p>"
    html += "<script>alert(1)</script></body></html>"
    encoded = base64.encodebytes(html.encode()).decode()
    return (
        "From: x@evil.example\nTo: v@example.in\nSubject: =?utf-8?b?4pyTIHBheQ==?=\n"
        "Message-ID: <html1@evil.example>\nMIME-Version: 1.0\n"
        "Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: base64\n\n" + encoded
    ).encode()


def with_attachments(zip_bytes: bytes | None = None) -> bytes:
    msg = scam_email(message_id="<att@evil.example>")
    msg.add_attachment(
        f"Also pay to {UPI}".encode("iso-8859-1"),
        maintype="text",
        subtype="plain",
        filename="note.txt",
    )
    if zip_bytes is not None:
        msg.add_attachment(zip_bytes, maintype="application", subtype="zip", filename="a.zip")
    return msg.as_bytes()


def zip_of(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def mbox(*messages: bytes) -> bytes:
    parts = []
    for data in messages:
        parts.append(
            b"From MAILER-DAEMON Mon Dec  7 10:00:00 2026\n" + data.rstrip(b"\n") + b"\n\n"
        )
    return b"".join(parts)
