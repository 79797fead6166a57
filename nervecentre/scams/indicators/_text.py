"""Undo the ways mail hides indicators, keeping a map back to the original offsets.

Look-alike letters and digits are folded one character for one (Cyrillic and Greek
homoglyphs, full-width forms, Devanagari digits), so offsets stay put. Invisible characters
and inline HTML tags between characters are removed, block tags become line breaks, and
defanged forms ("hxxp", "[.]", "(dot)", "[:]//", "[at]") are re-fanged; those edits are
recorded so that a span found in the cleaned text maps back to the text the analyst sees.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass

_LOOKALIKES = {
    # Cyrillic
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i",
    "ј": "j", "ѕ": "s", "ԁ": "d", "һ": "h", "ԛ": "q", "ԝ": "w", "ո": "n", "ս": "u",
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
    "С": "C", "Т": "T", "Х": "X", "У": "Y", "І": "I", "Ј": "J", "Ѕ": "S", "Ԛ": "Q",
    "Ԝ": "W", "Ζ": "Z",
    # Greek
    "Α": "A", "Β": "B", "Ε": "E", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N",
    "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "ο": "o", "ν": "v", "α": "a",
    "ι": "i", "κ": "k", "ρ": "p", "υ": "u", "χ": "x",
}  # fmt: skip
_FOLD: dict[int, int] = {ord(k): ord(v) for k, v in _LOOKALIKES.items()}
_FOLD.update({c: c - 0xFF01 + 0x21 for c in range(0xFF01, 0xFF5F)})  # full-width ASCII
_FOLD[0x3000] = 0x20  # ideographic space
for _base in (0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6, 0x1D7CE, 0x1D7D8):
    _FOLD.update({_base + d: ord("0") + d for d in range(10)})  # Indic and math digits
_FOLD.update({c: ord("0") + (c - 0x1D7E2) % 10 for c in range(0x1D7E2, 0x1D800)})

# Every edit; the group that matched says what it becomes. Every branch starts with one of a
# few characters (_EDIT_START), found first by a pattern that is a plain class, which the
# regex engine scans for in C; _EDITS is then tried only there.
_EDITS = re.compile(
    r"(?:(?P<block>(?:</?(?:p|div|br|li|ul|ol|tr|td|th|table|tbody|h[1-6]|blockquote|pre|hr|body"
    r"|html|head|title|section|article|header|footer)\b(?:\s[^<>]{0,500})?/?>[ \t\r\n]*)+)"
    r"|(?P<drop><!--.*?-->|</?[A-Za-z][A-Za-z0-9]{0,15}(?:\s[^<>]{0,500})?/?>"
    r"|[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]"
    r"|&(?:#8203|#x200[bcdBCD]|#173|#xad|zwnj|zwj|shy|#8204|#8205|#65279);)"
    r"|(?P<dot>\[\.\]|\(\.\)|\{\.\}|(?:\[dot\]|\(dot\)|\{dot\})[ \t]?)"
    r"|(?P<colon>\[:\])"
    r"|(?P<slashes>\[://\]|\[:/\]/)"
    r"|(?P<at>(?:\[@\]|\(@\)|\[at\]|\(at\)|\{at\})[ \t]?))",
    re.IGNORECASE | re.DOTALL,
)
_EDIT_START = re.compile(r"[<&\[({\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
# "hxxp" becomes "http" in place (same length, so offsets stay put).
_HXXP = re.compile(r"[hH][xX][xX](?=[pP][sS]?(?::|\[:))")
_REPLACE = {"block": "\n", "drop": "", "dot": ".", "colon": ":", "slashes": "://", "at": "@"}
# Look-alikes and invisible characters: texts without any skip translate() altogether.
_FOLDABLE = re.compile(
    "[" + "".join(sorted(_LOOKALIKES)) + "\uff01-\uff5e\u3000\u0966-\u096f"
    "\u09e6-\u09ef\u0a66-\u0a6f\u0ae6-\u0aef\u0b66-\u0b6f\u0be6-\u0bef\u0c66-\u0c6f\u0ce6-\u0cef\U0001d7ce-\U0001d7ff]"
)


@dataclass(slots=True)  # not frozen: built once per message, and a frozen init costs more
class Cleaned:
    """Text with obfuscation undone, and where its offsets were in the original."""

    text: str
    _clean: tuple[int, ...] = ()
    _orig: tuple[int, ...] = ()
    defanged: tuple[int, ...] = ()  # where a defanged dot ("[.]", "(dot)") was restored

    @property
    def edited(self) -> bool:
        """Whether offsets moved (characters were removed or replaced by longer or shorter
        text); if not, an offset in the cleaned text is the same in the original."""
        return bool(self._clean)

    def origin(self, pos: int) -> int:
        """The offset in the original text of `pos` in the cleaned text."""
        i = bisect_right(self._clean, pos) - 1
        if i < 0:
            return pos
        return self._orig[i] + (pos - self._clean[i])


def _has_xx(text: str) -> bool:
    """Whether "xx" appears in any case: four substring finds (in C, memchr-based) cost a
    fraction of one regular-expression scan, which tests a character class at every offset."""
    return "xx" in text or "XX" in text or "xX" in text or "Xx" in text


def _fold_one(match: re.Match[str]) -> str:
    return chr(_FOLD[ord(match.group())])


def _edits(text: str) -> Iterator[re.Match[str]]:
    """What _EDITS.finditer would give, trying the pattern only where an edit can start."""
    search, match = _EDIT_START.search, _EDITS.match
    found = search(text)
    while found is not None:
        edit = match(text, found.start())
        if edit is None:
            found = search(text, found.start() + 1)
        else:
            yield edit
            found = search(text, edit.end())


def clean(text: str) -> Cleaned:
    """Fold look-alikes and undo hiding and defanging (see the module docstring)."""
    if not text.isascii():
        # Only the few foldable characters are touched (translate() would visit every one).
        text = _FOLDABLE.sub(_fold_one, text)
    if ("x" in text or "X" in text) and _has_xx(text):
        text = _HXXP.sub(lambda m: m.group().replace("x", "t").replace("X", "T"), text)
    if text.isascii() and not (  # no character an edit can start with (memchr calls, in C)
        "<" in text or "&" in text or "[" in text or "(" in text or "{" in text
    ):
        return Cleaned(text)
    pieces: list[str] = []
    clean_at: list[int] = []
    orig_at: list[int] = []
    dots: list[int] = []
    last = 0
    length = 0
    for match in _edits(text):
        start, end = match.span()
        kind = match.lastgroup or "drop"
        piece = text[last:start]
        if (kind == "at" or match.end() - start > 3) and piece.endswith((" ", "\t")):
            piece = piece[:-1]  # "evil [dot] com": the blanks around go with the brackets
        pieces.append(piece)
        length += len(piece)
        replacement = _REPLACE[kind]
        if kind == "dot":
            dots.append(length)
        pieces.append(replacement)
        length += len(replacement)
        clean_at.append(length)
        orig_at.append(end)
        last = end
    if not pieces:
        return Cleaned(text)
    pieces.append(text[last:])
    return Cleaned("".join(pieces), tuple(clean_at), tuple(orig_at), tuple(dots))
