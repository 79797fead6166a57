"""Free text as people type it: no control characters anywhere, and reasons that say something.

One check for every text field the API, the forms and the importer take. Control
characters have no place in a name, a place or a brief: PostgreSQL refuses NUL in text,
a terminal obeys an escape sequence when a record is printed, and a lone surrogate cannot
even be written as UTF-8. Zero-width joiners stay: Indic scripts need them.
"""

from __future__ import annotations

import re
import unicodedata

from nervecentre.errors import InvalidValue

# Control characters (Unicode category Cc: C0, DEL, C1), lone surrogates (Cs), and the line
# and paragraph separators (Zl, Zp), which break a line as surely as a newline does. Tabs
# and line breaks are text in a multi-line field (a brief, a description). A regular
# expression, not a loop over characters: imports check every cell of large registers.
_REFUSED_IN_LINES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029]")
_REFUSED = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029]")
# Format characters (zero-width spaces, bidi overrides) hide in a reason, and say nothing.
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def check_text(text: str, label: str, *, lines: bool = True, kind: str | None = None) -> str:
    """``text`` unchanged, or InvalidValue naming ``label`` when it holds a control character.

    ``lines`` allows tabs and line breaks (multi-line fields); single-line fields refuse them.
    """
    found = (_REFUSED_IN_LINES if lines else _REFUSED).search(text)
    if found is not None:
        raise InvalidValue(
            f"{label} contains control characters (U+{ord(found.group()):04X}); remove them "
            "and retry",
            kind=kind,
        )
    return text


def clean_reason(text: str, what: str, *, minimum: int = 10, letters: int = 5) -> str:
    """A reason as it is kept: invisible characters dropped, spaces collapsed.

    It must then be ``minimum`` characters long and hold ``letters`` letters (of any
    script): ten NULs, zero-width spaces or full stops are no reason.
    """
    visible = "".join(
        " " if ch.isspace() else ch
        for ch in text
        if ch.isspace() or unicodedata.category(ch) not in _INVISIBLE
    )
    cleaned = " ".join(visible.split())
    if len(cleaned) < minimum or sum(ch.isalpha() for ch in cleaned) < letters:
        raise InvalidValue(
            f"{what} needs a reason of at least {minimum} characters, in words (it goes in "
            "the audit log)",
            kind="reason",
        )
    return cleaned
