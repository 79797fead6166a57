"""Synthetic library documents: judgment-like texts with courts, sections, outcomes and MO.

Every name, court case number and fact is invented; the accused are 'A-1', 'A-2'. Texts
are in English, and some in Hindi or Marathi, written as TXT, DOCX or PDF (English only:
the small PDF writer has no Devanagari font). The same seed gives the same documents.
"""

from __future__ import annotations

import io
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from nervecentre.library._pdf import write_pdf

COURTS = (
    "IN THE COURT OF THE ADDITIONAL SESSIONS JUDGE, THANE",
    "IN THE COURT OF THE SESSIONS JUDGE, PALGHAR",
    "IN THE HIGH COURT OF JUDICATURE AT BOMBAY",
    "IN THE COURT OF THE SPECIAL JUDGE (ITPA), MUMBAI",
    "IN THE COURT OF THE DISTRICT AND SESSIONS JUDGE, RAIGAD AT ALIBAG",
)
# A theme: sections, MO phrases (English, Hindi/Marathi), source state, destination.
THEMES = {
    "spa": (
        "Sections 370 and 34 of the IPC and Sections 3, 4 and 5 of the ITPA",
        ["massage parlour", "decoy customer"], ["मसाज पार्लर", "डमी ग्राहक"], "West Bengal", "Thane",
    ),
    "job": (
        "Sections 370, 372 and 120-B of the IPC",
        ["placement agency", "job offer"], ["प्लेसमेंट एजेंसी", "नौकरी का झांसा"], "Jharkhand", "Mumbai",
    ),
    "bar": (
        "Sections 143 and 144 of the BNS and Sections 4 and 5 of the ITPA",
        ["dance bar", "debt bondage"], ["डांस बार", "कर्ज"], "Assam", "Raigad",
    ),
    "border": (
        "Sections 370, 370A and 34 of the IPC",
        ["across the border", "forged documents"], ["सीमा पार", "जाली दस्तावेज"], "Nepal", "Palghar",
    ),
    "online": (
        "Sections 66E and 67A of the IT Act and Section 370 of the IPC",
        ["social media", "sextortion"], ["सोशल मीडिया", "ब्लैकमेल"], "Karnataka", "Mumbai",
    ),
    "labour": (
        "Sections 146 and 143 of the BNS",
        ["child labour", "bangle factory"], ["बाल मजदूरी", "बंधुआ"], "Bihar", "Thane",
    ),
}  # fmt: skip
OUTCOMES = {
    "conviction": ("The accused A-1 and A-2 are convicted and sentenced to rigorous imprisonment "
                   "for seven years each.", "आरोपी A-1 और A-2 को दोषी ठहराया गया।"),
    "acquittal": ("The prosecution failed to prove the charge; the accused are acquitted, giving "
                  "them the benefit of doubt.", "आरोपी संदेह का लाभ देकर बरी किया गया।"),
}  # fmt: skip
_FILLER = (
    "The evidence of the panch witnesses and the investigating officer was recorded.",
    "The learned APP relied on the statements of the rescued victims under Section 164 CrPC.",
    "The defence argued that the raid was irregular and the panchnama was not signed.",
    "The call detail records placed the accused near the premises on the night of the raid.",
    "The victims were counselled at the shelter home and produced before the CWC.",
    "The money trail shows payments through UPI to accounts held by the accused.",
)


@dataclass
class SynthDocument:
    """One synthetic document and what it was planted with."""

    name: str
    title: str
    text: str
    theme: str
    language: str
    outcome: str
    decided_on: date
    sections: str = field(default="")


def _english(rng: random.Random, n: int, theme: str, outcome: str, when: date) -> str:
    sections, mo, _, source, dest = THEMES[theme]
    court = rng.choice(COURTS)
    number = rng.randint(10, 999)
    body = [rng.choice(_FILLER) for _ in range(rng.randint(4, 9))]
    return "\n".join([
        court,
        f"Sessions Case No. {number} of {when.year - 1}",
        f"State of Maharashtra versus A-1 and another (synthetic case {n})",
        f"Date of judgment: {when:%d.%m.%Y}",
        "JUDGMENT",
        f"1. The accused stand charged under {sections}.",
        f"2. The prosecution case is that the victims from {source} were brought to {dest} "
        f"by the accused, who used a {mo[0]} and a {mo[1]} to exploit them.",
        *(f"{i}. {line}" for i, line in enumerate(body, start=3)),
        f"{len(body) + 3}. {OUTCOMES[outcome][0]}",
    ])  # fmt: skip


def _devanagari(rng: random.Random, n: int, theme: str, outcome: str, when: date, lang: str) -> str:
    _, _, mo, _, dest = THEMES[theme]
    head = "न्यायालय सत्र न्यायाधीश, ठाणे" if lang == "mr" else "सत्र न्यायालय, मुंबई"
    if lang == "mr":
        facts = f"आरोपींनी {mo[0]} आणि {mo[1]} द्वारे पीडितांना {dest} येथे आणले आहे."
        law = "आरोपींवर कलम ३७० भादंवि आणि कलम ५ पिटा अन्वये गुन्हा दाखल आहे."
    else:
        facts = f"अभियुक्तों ने {mo[0]} और {mo[1]} के माध्यम से पीड़ितों को {dest} लाया।"
        law = "अभियुक्तों पर धारा ३७० भादंवि और धारा ५ पिटा के अंतर्गत मानव तस्करी का आरोप है।"
    return "\n".join(
        [head, f"सत्र प्रकरण क्र. {n}", f"दिनांक {when:%d.%m.%Y}", "निर्णय", law, facts,
         OUTCOMES[outcome][1]]
    )  # fmt: skip


def documents(
    count: int, seed: int = 1, *, devanagari_share: float = 0.1
) -> Iterator[SynthDocument]:
    """``count`` synthetic documents, deterministic for a seed."""
    rng = random.Random(seed)
    themes = sorted(THEMES)
    for n in range(1, count + 1):
        theme = rng.choice(themes)
        outcome = "conviction" if rng.random() < 0.6 else "acquittal"
        when = date(2019, 1, 1) + timedelta(days=rng.randint(0, 2500))
        if rng.random() < devanagari_share:
            lang = rng.choice(("hi", "mr"))
            text = _devanagari(rng, n, theme, outcome, when, lang)
        else:
            lang, text = "en", _english(rng, n, theme, outcome, when)
        title = f"Judgment {n}: State v. A-1 ({theme}, {when.year})"
        yield SynthDocument(
            f"judgment-{n:06d}", title, text, theme, lang, outcome, when, THEMES[theme][0]
        )


def docx_bytes(text: str) -> bytes:
    """The text as a DOCX, a paragraph per line (python-docx)."""
    import docx

    document = docx.Document()
    for line in text.split("\n"):
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def write_documents(folder: Path, count: int, seed: int = 1) -> list[Path]:
    """Write ``count`` documents into ``folder``, turn by turn TXT, DOCX and PDF (PDF only
    for English); returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, doc in enumerate(documents(count, seed)):
        fmt = ("txt", "docx", "pdf")[i % 3]
        if fmt == "pdf" and doc.language != "en":
            fmt = "txt"
        path = folder / f"{doc.name}.{fmt}"
        if fmt == "txt":
            path.write_text(doc.text, encoding="utf-8")
        elif fmt == "docx":
            path.write_bytes(docx_bytes(doc.text))
        else:
            path.write_bytes(write_pdf(doc.text))
        paths.append(path)
    return paths
