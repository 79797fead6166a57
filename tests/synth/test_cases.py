"""Cases are plausible: times in order, the right penal code, statuses by age, real values."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time

from nervecentre import law
from nervecentre.cases import vocab
from nervecentre.cases.records import CaseRecord
from nervecentre.imports.people import parse_identifier
from nervecentre.types import normalise
from tests.synth.conftest import CONFIG

BNS_FROM = date(2024, 7, 1)
END = datetime.combine(CONFIG.end, time(23, 59))


def test_times_are_in_order(records: list[CaseRecord]) -> None:
    for r in records:
        assert r.occurred_from and r.occurred_to and r.info_received_at
        assert r.occurred_from <= r.occurred_to <= r.info_received_at <= r.fir_at <= END
        assert CONFIG.start <= r.fir_at.date() <= CONFIG.end
        for event in r.events:
            assert event.at <= END
            assert event.at.second == 0 and event.at.microsecond == 0
            if event.kind == "arrest":
                assert event.at > r.fir_at


def test_penal_code_follows_the_date_of_the_offence(records: list[CaseRecord]) -> None:
    codes = Counter()
    for r in records:
        penal = {c.ref.law for c in r.charges} & {"IPC", "BNS"}
        expected = "IPC" if r.occurred_from.date() < BNS_FROM else "BNS"  # type: ignore[union-attr]
        assert penal <= {expected}, (r.key, penal)
        if r.fir_at.date() < BNS_FROM:
            assert "BNS" not in penal
        codes.update(penal)
        for charge in r.charges:
            law.get_section(charge.ref)  # raises for a section the law data does not list
    assert codes["IPC"] and codes["BNS"]


def test_crime_heads_bring_their_sections(records: list[CaseRecord]) -> None:
    for r in records:
        refs = {c.ref for c in r.charges}
        for code in r.crime_heads:
            head = law.crime_head(code)
            wanted = set(head.sections_for(r.occurred_from.date()))  # type: ignore[union-attr]
            assert refs & wanted, (r.key, code)


def test_old_cases_are_further_along(records: list[CaseRecord]) -> None:
    decided = {"convicted", "acquitted", "discharged", "trial"}
    old = [r.status for r in records if r.fir_at.year <= 2020]
    new = [r.status for r in records if r.fir_at.date() >= date(2025, 10, 1)]
    assert sum(s in decided for s in old) > 0.6 * len(old)
    assert not any(s in {"convicted", "acquitted", "discharged"} for s in new)
    for r in records:
        vocab.check("case_status", r.status)
        if r.status in {"convicted", "acquitted", "discharged"}:
            assert any(e.kind == "verdict" for e in r.events)


def test_people_are_plausible(records: list[CaseRecord]) -> None:
    victims = [p for r in records for p in r.people if p.role == "victim"]
    genders = Counter(p.gender for p in victims)
    assert genders["female"] > 0.8 * len(victims) and genders["transgender"] > 0
    assert sum(p.age_band == "minor" for p in victims) > 0.15 * len(victims)
    for r in records:
        accused = [p for p in r.people if p.role == "accused"]
        assert 1 <= len(accused) <= 8
        assert len([p for p in r.people if p.role == "complainant"]) == 1
        for p in accused:
            assert all(vocab.check("accused_role", role) for role in p.accused_roles)


def test_every_identifier_normalises_to_its_value(records: list[CaseRecord]) -> None:
    kinds = Counter()
    for r in records:
        pairs = list(r.identifiers) + [i for p in r.people for i in p.identifiers]
        for value, raw in pairs:
            assert parse_identifier(raw) == value, raw
            assert normalise(value.kind, value.value) == value
            kinds[value.kind] += 1
    assert {"phone", "upi", "bank_account", "email", "url", "crypto"} <= set(kinds)


def test_phones_are_written_many_ways(records: list[CaseRecord]) -> None:
    shapes: dict[str, set[str]] = {}
    for r in records:
        for p in r.people:
            for value, raw in p.identifiers:
                if value.kind == "phone":
                    shapes.setdefault(value.value, set()).add(raw)
    assert any(len(s) >= 2 for s in shapes.values())
    assert {"+91 ", "-"} <= {
        c for raws in shapes.values() for r in raws for c in ("+91 ", "-") if c in r
    }


def test_routes_run_from_source_states_to_the_region(records: list[CaseRecord]) -> None:
    routes = [r.route for r in records if r.route]
    assert len(routes) > 0.3 * len(records)
    for route in routes:
        assert route[0].stage == "source" and route[-1].stage == "destination"
        assert route[-1].state == "MH"
    assert {"WB", "NP", "BD"} <= {route[0].state for route in routes}
