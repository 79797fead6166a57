"""The library's declared vocabulary (``data/vocabulary.yaml``): MO tags, outcomes, kinds."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from nervecentre.errors import ConfigError

GROUPS = ("modus_operandi", "outcomes", "kinds")


@dataclass(frozen=True)
class Term:
    """A tag of the vocabulary: its code, label, and the phrases (as words) that find it."""

    code: str
    label: str
    phrases: tuple[str, ...]


def words(text: str) -> list[str]:
    """Runs of letters, digits and marks (Devanagari's vowel signs), lower-cased."""
    out: list[str] = []
    word: list[str] = []
    for ch in text + " ":
        if unicodedata.category(ch)[0] in "LNM":
            word.append(ch)
        elif word:
            out.append("".join(word).casefold())
            word = []
    return out


def padded(text: str) -> str:
    """The text as ' word word … ', in which a phrase is found as ' its words '."""
    return " " + " ".join(words(unicodedata.normalize("NFC", text))) + " "


@cache
def vocabulary() -> dict[str, dict[str, Term]]:
    """Group -> code -> term, read once."""
    raw = yaml.safe_load(
        resources.files(__package__).joinpath("data/vocabulary.yaml").read_text("utf-8")
    )
    out: dict[str, dict[str, Term]] = {}
    for group in GROUPS:
        entries = raw.get(group) if isinstance(raw, dict) else None
        if not isinstance(entries, dict):
            raise ConfigError(f"library vocabulary: missing group {group!r}")
        out[group] = {}
        for code, entry in entries.items():
            if not isinstance(entry, dict) or not entry.get("label") or not entry.get("phrases"):
                raise ConfigError(f"library vocabulary: {group}.{code} needs a label and phrases")
            phrases = tuple(" ".join(words(str(p))) for p in entry["phrases"])
            out[group][str(code)] = Term(str(code), str(entry["label"]), phrases)
    return out


def label(group: str, code: str) -> str:
    """The label of a code ('conviction' -> 'Convicted'); the code itself if undeclared."""
    term = vocabulary()[group].get(code)
    return term.label if term else code


def found(group: str, text_padded: str) -> list[str]:
    """Codes of the group whose phrases occur in a :func:`padded` text, in declared order."""
    return [
        t.code
        for t in vocabulary()[group].values()
        if any(f" {p} " in text_padded for p in t.phrases)
    ]


def last_found(group: str, text_padded: str) -> str:
    """The code whose phrase occurs last in the text ('' for none)."""
    best, where = "", -1
    for term in vocabulary()[group].values():
        for phrase in term.phrases:
            at = text_padded.rfind(f" {phrase} ")
            if at > where:
                best, where = term.code, at
    return best


def first_found(group: str, text_padded: str) -> str:
    """The code whose phrase occurs first in the text ('' for none)."""
    best, where = "", len(text_padded)
    for term in vocabulary()[group].values():
        for phrase in term.phrases:
            at = text_padded.find(f" {phrase} ")
            if 0 <= at < where:
                best, where = term.code, at
    return best
