"""What a case writer writes: the columns of its rows, their values, and what it reports."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice
from typing import Any

from nervecentre import law
from nervecentre.cases.records import CaseRecord, PersonRecord
from nervecentre.cases.vocab import protected_role
from nervecentre.security.fields import FieldCipher

# Stay well under SQLite's limit on bound parameters in one IN (...) list.
IN_CHUNK = 900
# Identifier ids remembered across batches; past this many the memory is given back and
# unknown identifiers are looked up again. A million-case register has about 2.3 million
# (about 200 bytes each here): at the former 1,000,000 the writer began looking up every
# batch's identifiers again at about 430,000 cases.
IDENT_CACHE = 4_000_000

CASE_COLS = (
    "id", "case_key", "fir_number", "fir_year", "police_station_code", "district_code",
    "unit_code", "fir_at", "info_received_at", "info_mode", "occurred_from", "occurred_to",
    "occurrence_place", "brief_facts", "crime_heads", "status", "investigating_officer",
    "batch_id", "created_at", "updated_at",
)  # fmt: skip
# The case columns a write sets from the register (an edit by hand keeps its value).
WRITTEN_CASE_COLS = frozenset(CASE_COLS[1:-2])
PERSON_COLS = (
    "id", "code", "source_ref", "protected", "name", "name_enc", "address_enc", "contact_enc",
    "address", "gender", "date_of_birth", "age", "age_band", "nationality", "home_state",
    "batch_id", "created_at",
)  # fmt: skip


# A person's editable fields and the columns an import writes for each.
PERSON_FIELD_COLUMNS = {
    "name": ("name", "name_enc"),
    "address": ("address", "address_enc"),
    "contact": ("contact_enc",),
}
# Rows attached to cases that an import writes, and what makes two of them the same.
SAME = {
    "charges": ("case_id", "law", "section", "subsection", "stage"),
    "case_roles": ("case_id", "person_id", "role"),
    "identifier_uses": ("identifier_id", "case_id", "person_id"),
    "case_links": ("case_id", "other_case_id", "kind"),
}


@dataclass
class WriteStats:
    """What a write did."""

    created: int = 0
    updated: int = 0
    #: Existing cases the records would not change (not written).
    unchanged: int = 0
    people: int = 0
    unresolved_links: list[tuple[str, str]] = field(default_factory=list)
    #: (FIR case key or person code, fields kept as edited in nervecentre)
    kept_edits: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    #: Records refused by need-to-know (not written).
    refused: int = 0
    #: Dry run: ids of the existing cases it read (named by records the user may write).
    examined: list[int] = field(default_factory=list)


#: Told of each record refused by need-to-know, with the reason to report.
Refused = Callable[[CaseRecord, str], None]


def chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def owned(key: str, ref: str) -> bool:
    # A ref made by person_ref() for this case: it can only exist if the case existed.
    return "#" not in key and ref.startswith(key) and ref[len(key) : len(key) + 1] == "#"


def person_code(cipher: FieldCipher, person: PersonRecord) -> str:
    """The pseudonymous code a new person gets: its own, or V-…/P-… derived from its ref."""
    return person.code or cipher.pseudonym("V" if protected_role(person.role) else "P", person.ref)


def secret_name(p: PersonRecord) -> str:
    # A protected person's aliases go into the encrypted name, in the register's notation.
    return " @ ".join([p.name, *(a for a in p.aliases if a)])


def secret_contact(p: PersonRecord) -> str:
    # Their phones and e-mails are contact details: encrypted; identifiers get a blind index.
    return p.contact or ", ".join(raw for _, raw in p.identifiers)


@lru_cache(maxsize=4096)
def equivalent(ref: law.SectionRef) -> str:
    return ", ".join(str(e) for e in law.equivalents(ref))


def case_values(rec: CaseRecord, batch_id: int | None) -> tuple[Any, ...]:
    """A case's columns CASE_COLS[1:-2] as the register gives them."""
    return (
        rec.key, rec.fir_number, rec.fir_year, rec.police_station_code, rec.district_code,
        rec.unit_code, rec.fir_at, rec.info_received_at, rec.info_mode, rec.occurred_from,
        rec.occurred_to, rec.occurrence_place, rec.brief_facts, ",".join(rec.crime_heads),
        rec.status, rec.investigating_officer, batch_id,
    )  # fmt: skip
