"""A message's text with its personal variables masked, so that one template reads the same.

A racket sends one text to thousands, filling in each victim's name, e-mail address, an old
password of theirs, an amount and a fresh wallet. Masking replaces those with placeholders
(``<name>``, ``<email>``, ``<secret>``, ``<amount>``, ``<addr>``, ``<url>``, ``<num>``) before
messages are compared, and drops what only a forward adds (its header block, quote marks).
"""

from __future__ import annotations

import re
import unicodedata

from nervecentre.scams.mime import Parsed

# Forward and reply preambles: the scam text starts after their header block.
_FORWARD = re.compile(
    r"^[ \t>]*(?:-{2,}\s*(?:forwarded message|original message|weitergeleitete nachricht)\s*-{2,}"
    r"|begin forwarded message:|-{5,}\s*$)",
    re.IGNORECASE | re.MULTILINE,
)
_FORWARD_HEADER = re.compile(r"^(?:from|sent|date|to|cc|subject|reply-to)\s*:.*$", re.I)
_INVISIBLE = re.compile(r"[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f"
                        r"\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff]")  # fmt: skip
_EMAIL = re.compile(
    r"[\w.+-]+\s*(?:@|\[at\]|\(at\))\s*[\w-]+(?:\s*(?:\.|\[\.\]|\[dot\])\s*[\w-]+)+"
)
_URL = re.compile(r"\b(?:h[tx]{2}ps?|ftp)(?::|\[:\])//\S+|\bwww\.\S+|\b\S+\.onion\b\S*", re.I)
_UPI = re.compile(r"\b[\w.-]{2,}@[a-z]{2,}\b", re.IGNORECASE)
_SECRET = re.compile(
    r"\b(password|passcode|pass|pwd|pin|otp)(\s*(?:is|was|:|=|-)\s*|\s+)(\S+)", re.IGNORECASE
)
# "I know that tiger123 is your password", "x9! was one of your passwords".
_SECRET_BEFORE = re.compile(
    r"(\S+)(\s+(?:is|was|=)\s+(?:one of\s+)?(?:your|ur|the)\s+(?:password|passcode|pass|pwd|pin))",
    re.IGNORECASE,
)
_GREETING = re.compile(
    r"^(\s*(?:hi|hello|hey|dear|greetings|attention|namaste|good (?:morning|evening|day))\b"
    r"[ ,:]*)([^\n,!.:]{1,40})",
    re.IGNORECASE | re.MULTILINE,
)
_ADDR = re.compile(r"\b(?=\w*\d)(?=\w*[a-zA-Z])\w{20,}\b")
_AMOUNT = re.compile(
    r"(?<![^\W\d_])(?:(?:rs\.?|inr|usd|eur|₹|\$|€|£)\s*)?\d[\d,.\s]*\d(?:\s*(?:k|lakh|lakhs|crore|btc|xmr|"
    r"eth|usdt|inr|rs|rupees|usd|dollars))?|(?:rs\.?|₹|\$|€)\s*\d|\d",
    re.IGNORECASE,
)
_WORD = re.compile(r"<\w+>|[^\W\d_]+(?:'[^\W\d_]+)?")


def scam_text(parsed: Parsed) -> str:
    """The text of the scam itself: the message attached to a forward, or what follows an
    inline forward's header block, or the body."""
    if parsed.inner is not None and (parsed.inner.body or parsed.inner.extra):
        return scam_text(parsed.inner)
    body = parsed.body or "\n".join(parsed.extra)
    found = _FORWARD.search(body)
    if found is None:
        return body
    lines = body[found.end() :].split("\n")
    while lines and (not lines[0].strip() or _FORWARD_HEADER.match(lines[0].lstrip("> \t"))):
        lines.pop(0)
    return "\n".join(line.lstrip("> \t") if line.startswith(">") else line for line in lines)


def scam_subject(parsed: Parsed) -> str:
    """The scam's subject: the attached message's, or this one's without Fwd:/Re: prefixes."""
    if parsed.inner is not None and parsed.inner.subject:
        return parsed.inner.subject
    return re.sub(r"^(?:\s*(?:fwd?|fw|re|aw|wg)\s*:\s*)+", "", parsed.subject, flags=re.I)


def _names(parsed: Parsed) -> list[str]:
    """The recipient's own words (display name, mailbox name), to mask wherever they appear."""
    words: list[str] = []
    for source in (parsed.recipients, parsed.inner.recipients if parsed.inner else ""):
        display, _, address = source.partition("<")
        words += [w for w in re.findall(r"[^\W\d_]{3,}", display)]
        local = address.split("@", 1)[0] if "@" in address else source.split("@", 1)[0]
        words += [w for w in re.split(r"[\W\d_]+", local) if len(w) >= 3]
    return sorted({w.lower() for w in words}, key=len, reverse=True)


def mask(text: str, names: list[str] | None = None) -> str:
    """Text with personal variables as placeholders, lower-case, blanks collapsed."""
    text = unicodedata.normalize("NFKC", _INVISIBLE.sub("", text))
    text = _URL.sub(" <url> ", text)
    text = _EMAIL.sub(" <email> ", text)
    text = _UPI.sub(" <upi> ", text)
    text = _SECRET.sub(lambda m: f"{m.group(1)} <secret>", text)
    text = _SECRET_BEFORE.sub(lambda m: f"<secret>{m.group(2)}", text)
    text = _GREETING.sub(lambda m: f"{m.group(1)}<name>", text)
    text = _ADDR.sub(" <addr> ", text)
    text = _AMOUNT.sub(" <amount> ", text)
    text = text.lower()
    for name in names or ():
        text = re.sub(rf"\b{re.escape(name)}\b", "<name>", text)
    return " ".join(text.split())


def masked_message(parsed: Parsed) -> str:
    """The masked subject and scam text of a message, the input of campaign clustering."""
    return mask(scam_subject(parsed) + "\n" + scam_text(parsed), _names(parsed))


def words(masked: str) -> list[str]:
    """The words and placeholders of masked text, in order."""
    return _WORD.findall(masked)
