"""Reading section references as police registers write them.

A register cell names acts and sections in many styles: 'IPC 370, 370A, 34; ITPA 3,4,5',
'370,372 IPC r/w 34', 'u/s 143(2), 144 BNS & 67B IT Act', 'कलम ३७० भादंवि'. The law
binds to the bare numbers after it, or before it when the cell names the law last. Words
we do not understand are an error, never silently dropped: a charge list must be exact.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from nervecentre.errors import InputFileError, InvalidValue
from nervecentre.law import _data
from nervecentre.law.refs import LAWS, SectionRef

MAX_CELL_CHARS = 500  # a real charge list is far shorter; longer input is the wrong column
MAX_RANGE = 20  # '383-389' expands; '1-500' is a typo
_DEVANAGARI_DIGITS = str.maketrans("०१२३४५६७८९", "0123456789")
_ALIAS_SPLIT = re.compile(r"[\s.()\-,/]+")
_ACT_YEARS = "1860|1956|2000|2012|2023"
# Words police write around section numbers that carry no meaning for the charge list.
_FILLERS = (
    r"u\s*/\s*s(?:ec)?|r\s*/\s*w|r\s*w|read\s+with|sections?|secs?|ss|s|under|of|the|acts?"
    r"|with|punishable|etc|no"
)
_FILLERS_DEVANAGARI = "कलम|अन्वये|धारा|सह|प्रमाणे"


@dataclass(frozen=True, slots=True)
class _Sec:
    section: str
    subsection: str
    text: str


@cache
def _alias_index() -> dict[str, str]:
    """Alias key (letters only) -> law code, e.g. 'ipc' -> 'IPC', 'itact' -> 'ITA'."""
    index: dict[str, str] = {}
    for act in _data.acts().values():
        for alias in (act.code, *act.aliases):
            key = "".join(_ALIAS_SPLIT.split(alias.casefold()))
            if index.setdefault(key, act.code) != act.code:
                raise InputFileError(f"law alias {alias!r} is claimed by two acts")
    return index


@cache
def _scanner() -> re.Pattern[str]:
    patterns = set()
    for act in _data.acts().values():
        for alias in (act.code, *act.aliases):
            pieces = [p for p in _ALIAS_SPLIT.split(alias.casefold()) if p]
            patterns.add(r"[\s.()\-]*".join(re.escape(p) for p in pieces))
    # Longest first, so 'i.t.p.a.' wins over 'i.t.'.
    laws = "|".join(sorted(patterns, key=len, reverse=True))
    return re.compile(
        rf"(?P<law>(?<![a-z])(?:{laws})(?![a-z]))"
        rf"(?:[\s.,]*act(?![a-z]))?(?:[\s.,]*(?:of\s*)?(?:{_ACT_YEARS})(?![0-9]))?"
        r"|(?P<range>(?<![0-9])(?P<lo>[0-9]{1,4})\s*(?:-|–|to)\s*(?P<hi>[0-9]{1,4})(?![0-9a-z]))"
        r"|(?P<sec>(?<![0-9])[0-9]{1,4}(?![0-9])(?:-?[a-z]{1,2}(?![a-z]))?)"
        r"(?P<sub>(?:\s*\(\s*(?:[0-9]{1,3}[a-z]?|[ivx]{1,5}|[a-z])\s*\))*)"
        r"|(?P<num>[0-9]+)"
        r"|(?P<strong>[;&+|\n]|(?<![a-z])(?:and|also)(?![a-z])|(?<!\S)व(?!\S))"
        rf"|(?P<filler>(?<![a-z])(?:{_FILLERS})(?![a-z])|{_FILLERS_DEVANAGARI})"
        r"|(?P<weak>[\s,/.:()\-–]+)"
        r"|(?P<bad>\S+?(?=[\s,;]|$))"
    )


def _law_code(text: str) -> str:
    return _alias_index()[("".join(_ALIAS_SPLIT.split(text)))]


def _fail(message: str, text: str) -> InvalidValue:
    shown = text if len(text) <= 80 else text[:77] + "..."
    return InvalidValue(f"{message} in section list {shown!r}", kind="section", value=text)


def _tokens(norm: str, text: str) -> list[list[str | _Sec]]:
    """Split a cell into clauses (at ';', '&', 'and'); each is a list of law codes and sections."""
    clauses: list[list[str | _Sec]] = [[]]
    for m in _scanner().finditer(norm):
        if m["law"] is not None:
            clauses[-1].append(_law_code(m["law"]))
        elif m["sec"] is not None:
            number, _, suffix = m["sec"].partition("-")
            section = (number + suffix).upper().lstrip("0") or "0"
            parts = re.findall(r"\(\s*([0-9a-z]+)\s*\)", m["sub"] or "")
            clauses[-1].append(_Sec(section, ")(".join(parts), m.group(0).strip()))
        elif m["range"] is not None:
            lo, hi = int(m["lo"]), int(m["hi"])
            if not 0 < hi - lo < MAX_RANGE:
                raise _fail(f"{m['range']!r} is not a usable range of sections", text)
            clauses[-1].extend(_Sec(str(n), "", m["range"]) for n in range(lo, hi + 1))
        elif m["num"] is not None:
            raise _fail(f"{m['num'][:12]} is not a section number", text)
        elif m["strong"] is not None:
            clauses.append([])
        elif m["bad"] is not None:
            # Quote the analyst's own spelling when normalising kept positions.
            bad = text[m.start() : m.end()] if len(text) == len(norm) else m["bad"]
            raise _fail(f"could not read {bad[:20]!r}", text)
    return [c for c in clauses if c]


def _bind(clause: list[str | _Sec]) -> list[tuple[str, _Sec]]:
    """Give each section in a clause that names at least one law its law."""
    runs: list[list[_Sec]] = [[]]
    laws: list[str] = []
    for item in clause:
        if isinstance(item, str):
            laws.append(item)
            runs.append([])
        else:
            runs[-1].append(item)
    if len(laws) == 1:
        return [(laws[0], s) for run in runs for s in run]
    out: list[tuple[str, _Sec]] = []
    if runs[0]:  # law named after its numbers: '370 IPC 3 ITPA'; a trailing run keeps the last
        for i, law in enumerate(laws):
            out += [(law, s) for s in runs[i]]
        out += [(laws[-1], s) for s in runs[-1]]
    else:  # law named before its numbers: 'IPC 370 ITPA 3'
        for i, law in enumerate(laws):
            out += [(law, s) for s in runs[i + 1]]
    return out


def _known(law: str, secs: Iterable[_Sec]) -> bool:
    keys = _data.sections_by_key()
    return all(f"{law} {s.section}" in keys for s in secs)


def _resolve_law(default_law: str | None) -> str | None:
    if default_law is None:
        return None
    key = "".join(_ALIAS_SPLIT.split(unicodedata.normalize("NFKC", default_law).casefold()))
    code = _alias_index().get(key)
    if code is None:
        raise InvalidValue(
            f"unknown law {default_law!r}; expected one of {', '.join(LAWS)}",
            kind="law",
            value=default_law,
        )
    return code


def parse_sections(text: str, default_law: str | None = None) -> list[SectionRef]:
    """All section references in a register cell, deduplicated, in the order written.

    ``default_law`` applies when the cell names no act at all ('370, 372' in an IPC
    column). Raises InvalidValue with a message for the analyst when the cell is empty,
    has words we cannot read, names an unknown act, or a section we do not list.
    """
    if not isinstance(text, str):
        raise InvalidValue(f"expected text, got {type(text).__name__}", kind="section", value=text)
    if len(text) > MAX_CELL_CHARS:
        raise InvalidValue(
            f"section list is {len(text)} characters long (at most {MAX_CELL_CHARS});"
            " is this the right column?",
            kind="section",
            value=text[:MAX_CELL_CHARS],
        )
    law_default = _resolve_law(default_law)
    norm = unicodedata.normalize("NFKC", text).translate(_DEVANAGARI_DIGITS).casefold()
    clauses = _tokens(norm, text)
    if not clauses:
        raise InvalidValue("no section given", kind="section", value=text)
    named = [[i for i in c if isinstance(i, str)] for c in clauses]
    pairs: list[tuple[str, _Sec]] = []
    lent: set[int] = set()
    for i, clause in enumerate(clauses):
        if named[i]:
            pairs += _bind(clause)
            continue
        # No law in this clause: borrow the nearest one named before it, else after it.
        secs = [s for s in clause if isinstance(s, _Sec)]
        before = [(j, n[-1]) for j, n in enumerate(named[:i]) if n][-1:]
        after = [(j, n[0]) for j, n in enumerate(named) if n and j > i][:1]
        options = before + after
        if not options and law_default:
            options = [(-1, law_default)]
        if not options:
            raise _fail(f"no act named for {secs[0].text!r} (write e.g. 'IPC 370')", text)
        lender, law = next((o for o in options if _known(o[1], secs)), options[0])
        lent.add(lender)
        pairs += [(law, s) for s in secs]
    bound_laws = {law for law, _ in pairs}
    for i, laws in enumerate(named):
        idle = [law for law in laws if law not in bound_laws and i not in lent]
        if idle:
            raise _fail(f"{idle[0]} is named without a section number", text)
    if not pairs:
        raise InvalidValue("no section given", kind="section", value=text)
    refs: list[SectionRef] = []
    keys = _data.sections_by_key()
    for law, sec in pairs:
        ref = SectionRef(law, sec.section, sec.subsection)
        if ref.key not in keys:
            name = _data.acts()[law].name
            raise _fail(f"{ref.key} is not in nervecentre's list of {name} sections", text)
        if ref not in refs:
            refs.append(ref)
    return refs


def parse_section(text: str, default_law: str | None = None) -> SectionRef:
    """Exactly one section reference: 'IPC 370(3)', 'u/s 370 IPC', 'Sec. 66-E IT Act', '370A'."""
    refs = parse_sections(text, default_law)
    if len(refs) != 1:
        raise _fail(f"expected one section, found {len(refs)}", text)
    return refs[0]


def format_sections(refs: Iterable[SectionRef]) -> str:
    """A register-style cell for ``refs``: 'IPC 370, 370A, 34; ITPA 3, 4'.

    ``parse_sections(format_sections(refs)) == list(refs)`` for deduplicated refs.
    """
    groups: list[tuple[str, list[str]]] = []
    for ref in refs:
        label = str(ref).split(" ", 1)[1]
        if groups and groups[-1][0] == ref.law:
            groups[-1][1].append(label)
        else:
            groups.append((ref.law, [label]))
    return "; ".join(f"{law} {', '.join(labels)}" for law, labels in groups)
