"""When two complaints are one message: the same Message-ID, or the same normalised text.

Victims forward a scam in different ways: attached whole (its Message-ID survives), inline
under a "Forwarded message" block (a new Message-ID, the text survives), or as a saved
``.eml`` (both survive). The text key is the SHA-256 of the scam's subject and text with
forward preambles, quote marks, invisible characters, case and blank runs taken out.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from nervecentre.scams.masking import scam_subject, scam_text
from nervecentre.scams.mime import Parsed

_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u2060-\u206f\ufeff]")


def normalised_text(parsed: Parsed) -> str:
    """The scam's subject and text as compared for duplicates."""
    text = scam_subject(parsed) + "\n" + scam_text(parsed)
    text = unicodedata.normalize("NFKC", _INVISIBLE.sub("", text)).casefold()
    return " ".join(text.split())


def body_key(parsed: Parsed) -> str:
    """SHA-256 (hex) of :func:`normalised_text`."""
    return hashlib.sha256(normalised_text(parsed).encode("utf-8")).hexdigest()


def scam_message_id(parsed: Parsed) -> str | None:
    """The Message-ID of the scam itself: an attached original's, else the message's own."""
    if parsed.inner is not None and parsed.inner.message_id:
        return parsed.inner.message_id
    return parsed.message_id
