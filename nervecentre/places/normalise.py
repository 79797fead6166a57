"""The one normalisation of place names, used by every place lookup."""

from __future__ import annotations

import unicodedata

# Words that say what kind of place a name is, not which one: 'Shahapur P.S.',
# 'PS Shahapur' and 'Shahapur Police Station' are the same station; 'Dist. Palghar'
# is Palghar. They are dropped wherever they occur.
NOISE_WORDS = frozenset(
    {
        "ps",
        "pstn",
        "police",
        "station",
        "stn",
        "dist",
        "distt",
        "district",
        "commissionerate",
        "commissionarate",
        "the",
        "of",
    }
)


def normalise_place(text: str) -> str:
    """A comparison key for a place name: 'Thane (Rural)' and 'THANE RURAL' both give 'thanerural'.

    Case, dots, spaces, hyphens, brackets and the NOISE_WORDS are ignored, so
    'Tilak Nagar' matches 'Tilaknagar' and 'D.B. Marg P.S.' matches 'DB Marg'. '&' reads
    as 'and'. Letters of other scripts (Devanagari) are kept.
    """
    folded = unicodedata.normalize("NFKC", text).casefold().replace("&", " and ").replace(".", "")
    spaced = "".join(ch if unicodedata.category(ch)[0] in "LMN" else " " for ch in folded)
    return "".join(word for word in spaced.split() if word not in NOISE_WORDS)
