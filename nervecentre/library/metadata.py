"""What a document's text says about it: court, date, sections, outcome, MO tags, places.

Sections are read with the law package's own parser (:func:`nervecentre.law.parse_sections`)
from each phrase that names sections and an act ('under Sections 370 and 372 of the IPC',
'u/s 143 BNS', 'धारा 370 भादंवि'); phrases it cannot read are skipped, not guessed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from nervecentre import law, places
from nervecentre.errors import InvalidValue
from nervecentre.law import _data as law_data
from nervecentre.library import vocab

# Only the head of a long document is searched for its court and date.
_HEAD = 6_000
_DEVANAGARI = re.compile(r"[\u0900-\u097F]")
_LATIN = re.compile(r"[A-Za-z]")
_MARATHI_WORDS = (" आहे ", " आणि ", " यांनी ", " केले ", " नाही ")
_COURT = re.compile(
    r"^[\s\W]*(?:in\s+the\s+)?(?P<court>(?:high\s+court|supreme\s+court|court\s+of|sessions?\s+court"
    r"|special\s+court|court\s+of\s+the|[^\n]{0,60}\bcourt\b)[^\n]{0,120}"
    r"|[^\n]{0,80}न्यायालय[^\n]{0,80})$",
    re.IGNORECASE | re.MULTILINE,
)
_MONTH_NAMES = (
    "jan january", "feb february", "mar march", "apr april", "may", "jun june", "jul july",
    "aug august", "sep sept september", "oct october", "nov november", "dec december",
)  # fmt: skip
_MONTHS = {m: i + 1 for i, names in enumerate(_MONTH_NAMES) for m in names.split()}
_DATE = re.compile(
    r"(?P<d>\d{1,2})[./-](?P<m>\d{1,2})[./-](?P<y>(?:19|20)\d{2})"
    r"|(?P<iy>(?:19|20)\d{2})-(?P<im>\d{2})-(?P<id>\d{2})"
    r"|(?P<td>\d{1,2})(?:st|nd|rd|th)?\s+(?:day\s+of\s+)?(?P<tm>[A-Za-z]{3,9})[,.]?\s+(?P<ty>(?:19|20)\d{2})"
)
_DATE_CUE = re.compile(
    r"(?:date\s+of\s+(?:judgment|judgement|order|decision|pronouncement)|pronounced\s+on|"
    r"decided\s+on|dated|दिनांक|तारीख)",
    re.IGNORECASE,
)
_SECTION_CUE = r"(?:u\s*/\s*s\.?|under\s+sections?|sections?|secs?\.?|ss\.|धारा|धाराओं|कलम)"
_SECTION_BODY = (
    r"((?:[\s,]*(?:and|r\s*/\s*w|read\s+with|&|व|और|/)?[\s,]*"
    r"[0-9०-९]{1,4}(?:-?[A-Za-z]{1,2})?(?:\s*\([0-9a-z]{1,3}\))*)+)"
)


@cache
def _law_pattern() -> re.Pattern[str]:
    aliases = set()
    for act in law_data.acts().values():
        for alias in (act.code, *act.aliases):
            pieces = [p for p in re.split(r"[\s.()\-,/]+", alias.casefold()) if p]
            aliases.add(r"[\s.()\-]*".join(re.escape(p) for p in pieces))
    laws = "|".join(sorted(aliases, key=len, reverse=True))
    return re.compile(
        rf"{_SECTION_CUE}{_SECTION_BODY}[\s,]*(?:of\s+(?:the\s+)?)?(?P<law>(?<![a-z])(?:{laws})(?![a-z]))",
        re.IGNORECASE,
    )


def find_sections(text: str) -> list[str]:
    """Keys of the sections the text cites ('IPC 370'), each once, in the order first cited."""
    keys: dict[str, None] = {}
    norm = unicodedata.normalize("NFKC", text)
    for m in _law_pattern().finditer(norm):
        cell = f"{m['law']} {m.group(1)}".replace("\n", " ")
        try:
            refs = law.parse_sections(cell)
        except InvalidValue:
            continue
        for ref in refs:
            keys.setdefault(ref.key)
    return list(keys)


def find_court(text: str) -> str:
    """The court named at the head of the document ('' if none)."""
    m = _COURT.search(text[:_HEAD])
    if not m:
        return ""
    court = " ".join(m["court"].split()).strip(" ,.:;-")
    return court.title() if court.isupper() else court


def _as_date(m: re.Match[str]) -> date | None:
    try:
        if m["d"]:
            return date(int(m["y"]), int(m["m"]), int(m["d"]))
        if m["iy"]:
            return date(int(m["iy"]), int(m["im"]), int(m["id"]))
        month = _MONTHS.get(m["tm"].casefold())
        return date(int(m["ty"]), month, int(m["td"])) if month else None
    except ValueError:
        return None


def find_date(text: str) -> date | None:
    """The date of judgment or order: the first date after a cue ('dated'), else the first."""
    head = text[:_HEAD].translate(str.maketrans("०१२३४५६७८९", "0123456789"))
    for cue in _DATE_CUE.finditer(head):
        for m in _DATE.finditer(head, cue.end(), cue.end() + 60):
            if (found := _as_date(m)) is not None:
                return found
    for m in _DATE.finditer(head):
        if (found := _as_date(m)) is not None:
            return found
    return None


def find_language(text: str) -> str:
    """'en', 'hi' or 'mr' by script and common words; 'en+hi' or 'en+mr' when mixed."""
    sample = text[:20_000]
    deva, latin = len(_DEVANAGARI.findall(sample)), len(_LATIN.findall(sample))
    if deva < 20:
        return "en"
    indic = "mr" if sum(sample.count(w) for w in _MARATHI_WORDS) >= 2 else "hi"
    return indic if latin < deva else f"en+{indic}"


@cache
def _place_names() -> tuple[tuple[str, str], ...]:
    """(padded name, code) of states and districts, longest first."""
    names: list[tuple[str, str]] = []
    for s in places.states():
        names.append((vocab.padded(s.name), s.code))
    for d in places.districts():
        names.append((vocab.padded(d.name), d.code))
    return tuple(sorted(names, key=lambda n: -len(n[0])))


def find_places(text_padded: str) -> list[str]:
    """Codes of the states and districts the text names, in declared order."""
    return [code for name, code in _place_names() if name.strip() and name in text_padded]


@dataclass(frozen=True)
class Metadata:
    """What was read from a document's text."""

    kind: str = "document"
    court: str = ""
    decided_on: date | None = None
    outcome: str = ""
    language: str = "en"
    sections: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)


def read_metadata(text: str) -> Metadata:
    """Everything :class:`Metadata` holds, read from the text."""
    padded = vocab.padded(text)
    head = vocab.padded(text[:2_000])
    return Metadata(
        kind=vocab.first_found("kinds", head) or "document",
        court=find_court(text)[:200],
        decided_on=find_date(text),
        outcome=vocab.last_found("outcomes", padded),
        language=find_language(text),
        sections=find_sections(text),
        tags=vocab.found("modus_operandi", padded),
        places=find_places(padded),
    )
