"""A small registry built by hand, so that every figure of the tables can be counted by eye.

2023 (IPC):
  c1 Shahapur PS, Thane Rural: IPC 370 + ITPA 5 (heads HT, ITPA), convicted; 2 accused,
     2 arrested; victims: female minor (rescued), female adult.
  c2 Boisar PS, Palghar: IPC 370 (HT), charge-sheeted; 1 accused, 1 arrested; victim:
     male minor (rescued).
  c3 Thane Rural AHTU (filed at Shahapur): IPC 374, final report; 1 accused, none arrested;
     victims: male adult (rescued), one of unknown sex and age.
2025 (BNS):
  c4 Thane Rural AHTU: BNS 143 + BNS 146, pending trial; 3 accused, 2 arrested; victims:
     two female minors (rescued), one transgender adult.
  c5 Shahapur PS: BNS 143, acquitted; 1 accused; victim: female adult (rescued).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import count

import pytest

from nervecentre import law
from nervecentre.cases.models import Case, Charge, Event, EventParticipant
from nervecentre.cases.people import CaseRole, Person
from nervecentre.security import users
from nervecentre.security.models import User
from nervecentre.store.db import Database
from tests.security.conftest import FAST, PASSWORD

SHAHAPUR, AHTU, BOISAR = "MH-THR-SHAHAPUR", "MH-THR-AHTU", "MH-PAL-BOISAR"
_ids = count(1)


@dataclass
class Hand:
    """The hand-made registry: case ids by name, and users."""

    db: Database
    ids: dict[str, int]
    admin: User
    shahapur: User  # investigator of Shahapur PS: sees c1 and c5
    sup: User  # supervisor of Shahapur and the AHTU: c1, c3, c4, c5
    viewer: User

    def names(self, ids: list[int]) -> set[str]:
        back = {v: k for k, v in self.ids.items()}
        return {back[i] for i in ids}


def _person(
    session, case: Case, role: str, gender: str = "unknown", band: str = "unknown"
) -> Person:  # type: ignore[no-untyped-def]
    n = next(_ids)
    person = Person(
        code=f"V-{n:05d}-TEST{n:01d}"[:16] if role == "victim" else f"P-{n:05d}",
        source_ref=f"hand/{n}",
        protected=role == "victim",
        name="" if role == "victim" else f"Accused Person {n}",
        gender=gender,
        age_band=band,
    )
    session.add(person)
    session.flush()
    session.add(CaseRole(case_id=case.id, person_id=person.id, role=role))
    return person


def _case(
    session,
    name: str,
    unit: str,
    station: str,
    district: str,
    at: datetime,
    status: str,
    heads: str,
    sections: list[str],
) -> Case:  # type: ignore[no-untyped-def]
    number = next(_ids)
    case = Case(
        case_key=f"{station}/{at.year}/{number}", fir_number=str(number), fir_year=at.year,
        police_station_code=station, district_code=district, unit_code=unit, fir_at=at,
        status=status, crime_heads=heads, brief_facts=f"case {name}",
    )  # fmt: skip
    session.add(case)
    session.flush()
    for text in sections:
        ref = law.parse_section(text)
        session.add(Charge(case_id=case.id, law=ref.law, section=ref.section,
                           subsection=ref.subsection, section_key=ref.key))  # fmt: skip
    return case


def _event(session, case: Case, kind: str, at: datetime, people: list[Person]) -> None:  # type: ignore[no-untyped-def]
    event = Event(case_id=case.id, kind=kind, occurred_at=at)
    session.add(event)
    session.flush()
    for p in people:
        session.add(EventParticipant(event_id=event.id, person_id=p.id))


def build(db: Database) -> dict[str, int]:
    """Write the five cases; their ids by name."""
    with db.session() as s:
        c1 = _case(s, "c1", SHAHAPUR, SHAHAPUR, "MH-THR", datetime(2023, 3, 14, 22, 15),
                   "convicted", "HT,ITPA", ["IPC 370", "ITPA 5"])  # fmt: skip
        a = [_person(s, c1, "accused", "male", "adult") for _ in range(2)]
        v1 = _person(s, c1, "victim", "female", "minor")
        _person(s, c1, "victim", "female", "adult")
        _event(s, c1, "arrest", datetime(2023, 3, 15, 10, 0), a)
        _event(s, c1, "rescue", datetime(2023, 3, 14, 20, 0), [v1])
        c2 = _case(s, "c2", BOISAR, BOISAR, "MH-PAL", datetime(2023, 3, 20, 11, 0),
                   "charge_sheeted", "HT", ["IPC 370"])  # fmt: skip
        b = _person(s, c2, "accused", "male", "adult")
        v2 = _person(s, c2, "victim", "male", "minor")
        _event(s, c2, "arrest", datetime(2023, 3, 21, 9, 0), [b])
        _event(s, c2, "rescue", datetime(2023, 3, 20, 9, 0), [v2])
        c3 = _case(s, "c3", AHTU, SHAHAPUR, "MH-THR", datetime(2023, 8, 2, 16, 30),
                   "final_report", "BONDED_LABOUR", ["IPC 374"])  # fmt: skip
        _person(s, c3, "accused", "male", "adult")
        v3 = _person(s, c3, "victim", "male", "adult")
        _person(s, c3, "victim")
        _event(s, c3, "rescue", datetime(2023, 8, 2, 12, 0), [v3])
        c4 = _case(s, "c4", AHTU, SHAHAPUR, "MH-THR", datetime(2025, 3, 10, 13, 0),
                   "trial", "HT,BONDED_LABOUR", ["BNS 143", "BNS 146"])  # fmt: skip
        d = [_person(s, c4, "accused", "male", "adult") for _ in range(3)]
        w = [_person(s, c4, "victim", "female", "minor") for _ in range(2)]
        _person(s, c4, "victim", "transgender", "adult")
        _event(s, c4, "arrest", datetime(2025, 3, 11, 8, 0), d[:2])
        _event(s, c4, "rescue", datetime(2025, 3, 10, 6, 0), w)
        c5 = _case(s, "c5", SHAHAPUR, SHAHAPUR, "MH-THR", datetime(2025, 11, 2, 10, 0),
                   "acquitted", "HT", ["BNS 143"])  # fmt: skip
        _person(s, c5, "accused", "male", "adult")
        v5 = _person(s, c5, "victim", "female", "adult")
        _event(s, c5, "rescue", datetime(2025, 11, 1, 23, 0), [v5])
        s.commit()
        return {"c1": c1.id, "c2": c2.id, "c3": c3.id, "c4": c4.id, "c5": c5.id}


@pytest.fixture
def hand(db: Database, monkeypatch: pytest.MonkeyPatch) -> Hand:
    monkeypatch.setattr(users, "hasher", lambda: FAST)
    ids = build(db)

    def make(name: str, role: str, units: list[str]) -> User:
        return users.create_user(db, name, PASSWORD, role, actor="test", units=units)

    return Hand(
        db,
        ids,
        make("admin", "admin", []),
        make("inv-s", "investigator", [SHAHAPUR]),
        make("sup", "supervisor", [SHAHAPUR, AHTU]),
        make("view", "viewer", [SHAHAPUR]),
    )
