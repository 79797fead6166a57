"""Reading a person's name for resolution: scripts, titles, aliases, initials and spellings.

A written name becomes a :class:`ParsedName`: its tokens in a canonical spelling, which of
them are initials, and a coarse phonetic key per token. Indian names are transliterated
many ways (Laxmi/Lakshmi, Chaudhary/Chowdhury, Vikas/Bikash), so two keys are kept: the
canonical spelling (exact-ish) and a consonant skeleton that forgives vowels, aspiration
and doubled letters. The declarative part (titles, alias words, spelling groups) is in
``data/names.yaml``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.resources import files
from typing import Any

import yaml
from anyascii import anyascii
from indic_transliteration import sanscript

# Unicode blocks of the Brahmic scripts that sanscript reads, and its name for each.
_SCRIPTS = (
    (0x0900, 0x097F, sanscript.DEVANAGARI),
    (0x0980, 0x09FF, sanscript.BENGALI),
    (0x0A00, 0x0A7F, sanscript.GURMUKHI),
    (0x0A80, 0x0AFF, sanscript.GUJARATI),
    (0x0B00, 0x0B7F, sanscript.ORIYA),
    (0x0B80, 0x0BFF, sanscript.TAMIL),
    (0x0C00, 0x0C7F, sanscript.TELUGU),
    (0x0C80, 0x0CFF, sanscript.KANNADA),
    (0x0D00, 0x0D7F, sanscript.MALAYALAM),
)
_NOT_LETTER = re.compile(r"[^a-z@/.]+")
# Aspirates and spellings that sound alike, rewritten in this order (longest first).
_SOUNDS = (
    ("ksh", "ks"),
    ("x", "ks"),
    ("chh", "c"),
    ("ch", "c"),
    ("sh", "s"),
    ("ph", "f"),
    ("bh", "b"),
    ("dh", "d"),
    ("th", "t"),
    ("kh", "k"),
    ("gh", "g"),
    ("jh", "j"),
    ("ck", "k"),
    ("ow", "o"),
    ("q", "k"),
    ("z", "j"),
    ("w", "v"),
    ("v", "b"),
    ("y", "i"),
)
_VOWELS = frozenset("aeiou")


@dataclass(frozen=True, slots=True)
class NameRules:
    """The declarative rules of ``data/names.yaml``."""

    honorifics: frozenset[str]
    suffixes: tuple[str, ...]
    alias_markers: tuple[str, ...]
    canonical: dict[str, str]


@cache
def rules() -> NameRules:
    """The name rules, read once."""
    text = files("nervecentre.resolve").joinpath("data/names.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    canonical: dict[str, str] = {}
    for group in data["groups"]:
        for token in group:
            canonical[str(token)] = str(group[0])
    return NameRules(
        honorifics=frozenset(str(t) for t in data["honorifics"]),
        suffixes=tuple(sorted((str(s) for s in data["suffixes"]), key=len, reverse=True)),
        alias_markers=tuple(str(m) for m in data["alias_markers"]),
        canonical=canonical,
    )


def _script_of(char: str) -> str | None:
    code = ord(char)
    for low, high, script in _SCRIPTS:
        if low <= code <= high:
            return str(script)
    return None


def _indic_word(word: str, script: str) -> str:
    """One word of an Indic script in ITRANS, with the final inherent vowel dropped."""
    itrans = str(sanscript.transliterate(word, script, sanscript.ITRANS))
    # ITRANS writes the inherent vowel as a lower-case final "a" (long vowels are capitals):
    # spoken names drop it (राजेश is "Rajesh", not "Rajesha").
    if len(itrans) > 2 and itrans.endswith("a") and itrans[-2] not in "aeiouAEIOU":
        itrans = itrans[:-1]
    return itrans.replace("M", "n").replace(".N", "n").lower()


@lru_cache(maxsize=200_000)
def to_latin(text: str) -> str:
    """``text`` in lower-case Latin letters: Indic scripts transliterated, accents removed."""
    if text.isascii():  # most records: nothing to transliterate (the same result, faster)
        return " ".join(text.split()).casefold()
    words = []
    for word in unicodedata.normalize("NFC", text).split():
        script = next((s for ch in word if (s := _script_of(ch)) is not None), None)
        words.append(_indic_word(word, script) if script else anyascii(word))
    return " ".join(words).casefold()


@lru_cache(maxsize=200_000)
def skeleton(token: str) -> str:
    """A coarse phonetic key: first letter, then consonants with like sounds joined.

    'Lakshmi', 'Laxmi' and 'Luxmi' all give 'lksm'; 'Chaudhary' and 'Chowdhury' give 'cdr'.
    """
    if not token:
        return ""
    text = token
    for find, replace in _SOUNDS:
        text = text.replace(find, replace)
    head, rest = text[0], text[1:]
    out = [head]
    for ch in rest:
        if ch in _VOWELS or ch == "h":
            continue
        if out[-1] != ch:
            out.append(ch)
    return "".join(out)


@lru_cache(maxsize=200_000)
def spelling(token: str) -> str:
    """A finer key than the skeleton: like sounds joined, vowels kept but their length not."""
    text = rules().canonical.get(token, token)
    for find, replace in _SOUNDS:
        text = text.replace(find, replace)
    for find, replace in (("aa", "a"), ("ee", "i"), ("oo", "u"), ("ou", "o"), ("au", "o")):
        text = text.replace(find, replace)
    text = re.sub(r"(.)\1+", r"\1", text)
    # A final schwa is often written or not ("Sharma"/"Sharm" rarely, "Ram"/"Rama" often).
    return text[:-1] if len(text) > 3 and text.endswith("a") else text


@dataclass(frozen=True, slots=True, eq=False)
class ParsedName:
    """One written name, read: full tokens (canonical spelling) and initials.

    The keys the matcher needs are computed once here; equal names are one object
    (:func:`parse_name` interns them), so ``uid`` identifies a name for caching.
    """

    tokens: tuple[str, ...]
    initials: tuple[str, ...]
    keys: tuple[str, ...] = ()
    skeletons: tuple[str, ...] = ()
    sorted_tokens: tuple[str, ...] = ()
    sorted_keys: tuple[str, ...] = ()
    sorted_initials: tuple[str, ...] = ()
    uid: int = 0

    @property
    def text(self) -> str:
        """The canonical tokens joined, for display and string similarity."""
        return " ".join(self.tokens)

    def __bool__(self) -> bool:
        return bool(self.tokens or self.initials)


_INTERNED: dict[tuple[tuple[str, ...], tuple[str, ...]], ParsedName] = {}


def _intern(tokens: tuple[str, ...], initials: tuple[str, ...]) -> ParsedName:
    found = _INTERNED.get((tokens, initials))
    if found is None:
        keys = tuple(spelling(t) for t in tokens)
        found = ParsedName(
            tokens=tokens,
            initials=initials,
            keys=keys,
            skeletons=tuple(skeleton(t) for t in tokens),
            sorted_tokens=tuple(sorted(tokens)),
            sorted_keys=tuple(sorted(keys)),
            sorted_initials=tuple(sorted(initials)),
            uid=len(_INTERNED) + 1,
        )
        _INTERNED[(tokens, initials)] = found
    return found


def _strip_suffix(token: str) -> str:
    for suffix in rules().suffixes:
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            return token[: -len(suffix)]
    return token


@lru_cache(maxsize=200_000)
def parse_name(text: str) -> ParsedName:
    """Read one name (no aliases): 'Smt. R. K. Sharma' → tokens ('sharma',), initials r, k."""
    r = rules()
    latin = to_latin(text)
    tokens: list[str] = []
    initials: list[str] = []
    for raw in re.split(r"[\s,]+", latin):
        raw = raw.strip(".-'")
        if not raw:
            continue
        # "R.K." and "R.K" carry two initials; "Md." one abbreviation.
        pieces = [p for p in raw.split(".") if p]
        if len(pieces) > 1 and all(len(p) == 1 for p in pieces):
            initials.extend(pieces)
            continue
        word = _NOT_LETTER.sub("", raw.replace(".", ""))
        if not word or word in r.honorifics:
            continue
        if word in r.suffixes:
            continue
        if len(word) == 1:
            initials.append(word)
            continue
        canonical = r.canonical.get(word)
        if canonical is None:
            stripped = _strip_suffix(word)
            canonical = r.canonical.get(stripped, stripped)
        tokens.append(canonical)
    return _intern(tuple(tokens), tuple(initials))


_ALIAS_SPLIT: re.Pattern[str] | None = None


def _alias_pattern() -> re.Pattern[str]:
    global _ALIAS_SPLIT
    if _ALIAS_SPLIT is None:
        words = [re.escape(m) for m in rules().alias_markers if m.isalpha()]
        signs = [re.escape(m) for m in rules().alias_markers if not m.isalpha()]
        _ALIAS_SPLIT = re.compile(
            r"\s*(?:" + "|".join(signs) + r")\s*|\s+(?:" + "|".join(words) + r")\.?\s+"
            r"|[()\[\]]",
            re.IGNORECASE,
        )
    return _ALIAS_SPLIT


def split_aliases(text: str) -> list[str]:
    """'Rajesh @ Raju', 'Rajesh alias Raju', 'Rajesh (Raju)' → ['Rajesh', 'Raju']."""
    parts = [p.strip(" ,;-") for p in _alias_pattern().split(text)]
    return [p for p in parts if p]
