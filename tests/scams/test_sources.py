"""Reading complaint files: every format, MIME decoding, and hostile input."""

from __future__ import annotations

from pathlib import Path

from nervecentre.scams.dedup import body_key, scam_message_id
from nervecentre.scams.sources import Message, MessageError, read_messages
from tests.scams._cfb import build, outlook_message
from tests.scams.messages import (
    BTC,
    UPI,
    html_only_base64,
    mbox,
    scam_email,
    with_attachments,
    write,
    zip_of,
)


def _read(path: Path, **options: int) -> tuple[list[Message], list[MessageError]]:
    items = list(read_messages([path], **options))
    return (
        [i for i in items if isinstance(i, Message)],
        [i for i in items if isinstance(i, MessageError)],
    )


def test_eml_plain_text_with_headers(tmp_path: Path) -> None:
    path = write(tmp_path / "a.eml", scam_email().as_bytes())
    [message], errors = _read(path)
    assert not errors
    assert message.ref == "<m1@mailer.example>"
    assert message.format == "eml"
    assert message.parsed.subject == "Your account was hacked"
    assert BTC in message.parsed.body
    assert message.parsed.sent_at is not None and message.parsed.sent_at.utcoffset() is not None
    assert len(message.file_sha256) == 64 and message.sha256 == message.file_sha256


def test_html_only_base64_body_becomes_text_and_inline_tags_do_not_split(tmp_path: Path) -> None:
    [message], _ = _read(write(tmp_path / "h.eml", html_only_base64()))
    assert message.parsed.subject == "✓ pay"
    assert BTC in message.parsed.body  # <span> inside the address joined back
    assert "alert" not in message.parsed.text  # scripts dropped


def test_quoted_printable_latin1_attachment_and_zip_member_are_read(tmp_path: Path) -> None:
    data = with_attachments(
        zip_of({"inside/readme.txt": b"wallet 1BoatSLRHtKNngkdXEeobR76b53LETtpyT"})
    )
    [message], _ = _read(write(tmp_path / "z.eml", data))
    text = message.parsed.text
    assert UPI in text
    assert "1BoatSLRHtKNngkdXEeobR76b53LETtpyT" in text
    assert {"note.txt", "a.zip"} <= set(message.parsed.attachments)


def test_zip_bomb_is_a_warning_and_the_message_is_still_read(tmp_path: Path) -> None:
    bomb = zip_of({"big.txt": b" " * (16 * 1024 * 1024)})
    [message], errors = _read(write(tmp_path / "bomb.eml", with_attachments(bomb)))
    assert not errors
    assert any("over the cap" in w for w in message.parsed.warnings)
    assert BTC in message.parsed.text


def test_broken_zip_is_a_warning(tmp_path: Path) -> None:
    [message], _ = _read(write(tmp_path / "bz.eml", with_attachments(b"PK\x03\x04garbage")))
    assert any("not a readable zip" in w for w in message.parsed.warnings)


def test_wrong_and_unknown_charsets_are_decoded_with_a_warning(tmp_path: Path) -> None:
    raw = (
        b"From: a@b.example\nSubject: x\nMessage-ID: <c1@b>\nContent-Type: text/plain; "
        b"charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
    ) + "Paiement à ravi.k@ybl, café".encode("cp1252")
    [message], _ = _read(write(tmp_path / "w.eml", raw))
    assert "ravi.k@ybl" in message.parsed.body and "café" in message.parsed.body
    assert any("not valid utf-8" in w for w in message.parsed.warnings)
    raw2 = raw.replace(b"charset=utf-8", b"charset=x-klingon")
    [message2], _ = _read(write(tmp_path / "k.eml", raw2))
    assert any("unknown character set" in w for w in message2.parsed.warnings)
    assert "ravi.k@ybl" in message2.parsed.body


def test_mbox_messages_get_their_index_and_bad_ones_do_not_stop_the_rest(tmp_path: Path) -> None:
    good = scam_email().as_bytes()
    huge = scam_email(message_id="<huge@x>").as_bytes() + b"A" * 300_000 + b"\n"
    data = mbox(good, b"\x00\x01 not a message", huge, scam_email(message_id="<m3@x>").as_bytes())
    messages, errors = _read(write(tmp_path / "box.mbox", data), max_bytes=100_000)
    assert [m.ref for m in messages] == [0, 3]
    assert {e.ref: e.error for e in errors}[2].endswith("over the 100,000-byte cap")
    assert 1 in {e.ref for e in errors}
    assert messages[0].sha256 != messages[0].file_sha256


def test_mbox_from_quoting_and_body_lines_starting_with_from(tmp_path: Path) -> None:
    one = b"Subject: a\nFrom: x@y\n\nline\nFrom me to you\n\nFrom here on\n>From quoted\n"
    [message], _ = _read(write(tmp_path / "q.mbox", mbox(one)))
    body = message.parsed.body
    assert "From me to you" in body and "From here on" in body and "\nFrom quoted" in body


def test_outlook_msg(tmp_path: Path) -> None:
    data = outlook_message(
        "Your webcam",
        f"Pay to {BTC}",
        headers="Message-ID: <o1@x>\r\nDate: Mon, 07 Dec 2026 10:00:00 +0000\r\n",
        attachments={"n.txt": f"upi {UPI}".encode()},
    )
    [message], errors = _read(write(tmp_path / "o.msg", data))
    assert not errors
    assert (message.format, message.ref, message.parsed.subject) == ("msg", "<o1@x>", "Your webcam")
    assert BTC in message.parsed.body and UPI in message.parsed.text


def test_corrupt_msg_is_a_clear_error(tmp_path: Path) -> None:
    data = outlook_message("s", "b")[:700]
    _, [error] = _read(write(tmp_path / "bad.msg", data))
    assert "Outlook" in error.error or "corrupt" in error.error
    _, [error2] = _read(write(tmp_path / "notole.msg", b"hello"))
    assert "not an Outlook .msg file" in error2.error
    assert build({"x": b"1"})  # the writer itself works


def test_whatsapp_export_and_sms(tmp_path: Path) -> None:
    chat = (
        "12/03/2024, 10:15 - +91 98765 43210: Pay 5000 to ravi.k@ybl\n"
        "12/03/2024, 10:16 - +91 98765 43210: or the video goes viral\n"
    )
    [message], _ = _read(write(tmp_path / "chat.txt", chat))
    assert message.format == "whatsapp" and message.ref is None
    assert message.parsed.body == "Pay 5000 to ravi.k@ybl\nor the video goes viral"
    assert "+91 98765 43210" in message.parsed.text  # the sender is an indicator
    assert message.parsed.sent_at is not None and message.parsed.sent_at.month == 3
    [sms], _ = _read(write(tmp_path / "sms.txt", "Pay Rs 5000 to ravi.k@ybl now"))
    assert (sms.format, sms.ref) == ("text", None)


def test_text_starting_with_from_is_not_an_mbox(tmp_path: Path) -> None:
    [sms], errors = _read(write(tmp_path / "sms", "From Rahul: pay Rs 5000 to ravi.k@ybl"))
    assert not errors and sms.format == "text"
    box = mbox(scam_email().as_bytes())
    [message], _ = _read(write(tmp_path / "export", box))  # no suffix: sniffed
    assert message.format == "mbox" and message.ref == 0


def test_folder_walk_binary_missing_and_huge_files(tmp_path: Path) -> None:
    write(tmp_path / "in" / "a.eml", scam_email().as_bytes())
    write(tmp_path / "in" / "sub" / "b.txt", "Pay ravi.k@ybl")
    write(tmp_path / "in" / "img.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    write(tmp_path / "in" / ".hidden", "skip me")
    write(tmp_path / "in" / "truth.jsonl", '{"skip": "me"}')
    write(tmp_path / "in" / "huge.eml", b"Subject: x\n\n" + b"x" * 5000)
    items = list(read_messages([tmp_path / "in", tmp_path / "missing.eml"], max_bytes=4000))
    paths = [Path(i.path).name for i in items]
    assert paths == ["a.eml", "huge.eml", "img.png", "b.txt", "missing.eml"]
    errors = {Path(i.path).name: i.error for i in items if isinstance(i, MessageError)}
    assert "over the 4,000-byte cap" in errors["huge.eml"]
    assert errors["img.png"] == "a binary file, not a message"
    assert errors["missing.eml"] == "no such file or folder"


def test_malformed_mime_is_read_as_far_as_it_goes(tmp_path: Path) -> None:
    raw = (
        b"From: a@b\nSubject: broken\nMessage-ID: <b@x>\nContent-Type: multipart/mixed; "
        b'boundary="nope"\n\n--other\nContent-Type: text/plain\n\npay ravi.k@ybl\n'
    )
    [message], errors = _read(write(tmp_path / "m.eml", raw))
    assert not errors
    assert any("malformed MIME" in w for w in message.parsed.warnings)
    assert "ravi.k@ybl" in message.parsed.text


def test_forwards_inline_and_attached_share_the_original_key(tmp_path: Path) -> None:
    original = scam_email(name="Asha")
    attached = scam_email(message_id="<fwd1@victim.example>", subject="Fwd: look at this")
    attached.clear_content()
    attached.set_content("Please see the attached threat.")
    attached.add_attachment(original)
    inline = scam_email(message_id="<fwd2@victim.example>", subject="Fwd: Your account was hacked")
    inline.set_content(
        "FYI\n\n---------- Forwarded message ---------\nFrom: Hacker <h4x@mailer.example>\n"
        "Date: Mon, 7 Dec 2026\nSubject: Your account was hacked\n"
        "To: Asha <asha.rao@example.in>\n\n" + original.get_content()
    )
    paths = [write(tmp_path / n, m.as_bytes()) for n, m in
             (("o.eml", original), ("a.eml", attached), ("i.eml", inline))]  # fmt: skip
    parsed = [_read(p)[0][0].parsed for p in paths]
    assert scam_message_id(parsed[1]) == "<m1@mailer.example>"
    assert body_key(parsed[0]) == body_key(parsed[1]) == body_key(parsed[2])


def test_whatsapp_senders_keep_their_numbers_and_sides(tmp_path: Path) -> None:
    """The scammer's own number as a chat sender is an indicator; the victim's side is told
    apart (it sent no payment details), and a foreign number is never read as an Indian one."""
    from nervecentre.scams.chat import victim_phones
    from nervecentre.scams.indicators import find_indicators

    chat = (
        "12/03/24, 10:15\u202fpm - +91 98765 43210: I have your video. Pay or it goes out\n"
        "12/03/24, 10:16\u202fpm - +91 91234 56789: please don't\n"
        "12/03/24, 10:17\u202fpm - +91 98765 43210: pay to upi ravi.pay@ybl now\n"
        "12/03/24, 10:18\u202fpm - +44 7911 123456: who is this\n"
    )
    [message], _ = _read(write(tmp_path / "chat.txt", chat))
    assert message.format == "whatsapp"
    assert "ravi.pay@ybl" in message.parsed.body and "98765" not in message.parsed.body
    sides = {s.phone: s.role for s in message.parsed.chat}
    assert sides == {
        "+919876543210": "demands payment",
        "+919123456789": "other party",
        "+447911123456": "other party",
    }
    assert message.parsed.sender.startswith("+91 98765 43210 (demands payment)")
    found = {(i.kind, i.value) for i in find_indicators(message.parsed.text)}
    assert {("phone", "+919876543210"), ("phone", "+919123456789")} <= found
    assert ("phone", "+447911123456") in found and ("phone", "+917911123456") not in found
    assert victim_phones(message.parsed.chat) == {"+919123456789", "+447911123456"}
