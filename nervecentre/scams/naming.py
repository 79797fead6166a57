"""Human-readable campaign names, the same every time for the same messages.

A name is the campaign's theme (what most of its messages threaten with, from a declared word
list) and its most used payment detail, shortened: "Webcam recording · BTC bc1qra…43qe". It
is computed from the messages a user may see (never stored), so a name never shows a wallet
from a complaint out of the user's sight.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

# Theme -> words (lower case, masked text) that say it; the first theme with most messages
# wins, so the order breaks ties.
THEMES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Webcam recording", ("webcam", "camera", "recorded you", "recording", "वेबकैम", "कॅमेरा")),
    ("Known password", ("<secret>", "password", "पासवर्ड")),
    ("Video-call threat", ("video call", "video-call", "वीडियो कॉल", "व्हिडिओ कॉल")),
    ("Darknet leak", ("darknet", "dark web", "hidden service", ".onion", "leak")),
    ("Fake police", ("police", "cyber cell", "arrest", "पुलिस", "पोलीस")),
)
DEFAULT_THEME = "Sextortion"
# Payment details in the order a name prefers them when equally used.
_KIND_ORDER = ("btc", "eth", "xmr", "ltc", "trx", "upi", "phone", "onion")


def theme(texts: Iterable[str]) -> str:
    """The theme most of `texts` (masked message texts) speak of, else DEFAULT_THEME."""
    counts: Counter[str] = Counter()
    for text in texts:
        lower = text.lower()
        for name, words in THEMES:
            if any(word in lower for word in words):
                counts[name] += 1
    if not counts:
        return DEFAULT_THEME
    best = max(counts.values())
    return next(name for name, _ in THEMES if counts[name] == best)


def shorten(value: str, *, keep: int = 6) -> str:
    """A long address as its first and last characters ('bc1qra…43qe')."""
    return value if len(value) <= 2 * keep + 2 else f"{value[:keep]}…{value[-4:]}"


def campaign_name(texts: Iterable[str], payments: Iterable[tuple[str, str, int]]) -> str:
    """The name of a campaign from its masked texts and its payment details as
    (kind, value, messages) — the detail most messages give, ties by kind then value."""
    ranked = sorted(
        (p for p in payments if p[0] in _KIND_ORDER),
        key=lambda p: (-p[2], _KIND_ORDER.index(p[0]), p[1]),
    )
    name = theme(texts)
    if ranked:
        kind, value, _ = ranked[0]
        name += f" · {kind.upper()} {shorten(value)}"
    return name
