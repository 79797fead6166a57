"""What "in the period" means, as NCRB counts, against two more cases counted by hand.

On top of the five cases of conftest.py:
  c6 Shahapur PS, FIR 2024-12-20, convicted: charge sheet filed 2025-02-10 (event), verdict
     2026-01-15 (event); 1 accused, arrested 2025-01-05; a female minor rescued 2024-12-19.
  c7 Boisar PS, FIR 2024-06-01, under investigation: 2 accused, one arrested 2025-04-01; a
     male adult rescued 2025-04-01.
c1-c5 have no charge_sheet or verdict event: their disposals are dated at the FIR.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from nervecentre.reports.facts import Scope, load_facts, year_scope
from nervecentre.reports.figures import ageing
from nervecentre.reports.tables import Table, compute
from tests.reports.conftest import BOISAR, SHAHAPUR, Hand, _case, _event, _person


@pytest.fixture
def periods(hand: Hand) -> Hand:
    with hand.db.session() as s:
        c6 = _case(s, "c6", SHAHAPUR, SHAHAPUR, "MH-THR", datetime(2024, 12, 20, 10, 0),
                   "convicted", "HT", ["ITPA 4"])  # fmt: skip
        a6 = _person(s, c6, "accused", "male", "adult")
        v6 = _person(s, c6, "victim", "female", "minor")
        _event(s, c6, "rescue", datetime(2024, 12, 19, 22, 0), [v6])
        _event(s, c6, "arrest", datetime(2025, 1, 5, 9, 0), [a6])
        _event(s, c6, "charge_sheet", datetime(2025, 2, 10, 11, 0), [])
        _event(s, c6, "verdict", datetime(2026, 1, 15, 15, 0), [])
        c7 = _case(s, "c7", BOISAR, BOISAR, "MH-PAL", datetime(2024, 6, 1, 8, 0),
                   "under_investigation", "HT", ["ITPA 4"])  # fmt: skip
        a7 = _person(s, c7, "accused", "male", "adult")
        _person(s, c7, "accused", "male", "adult")
        v7 = _person(s, c7, "victim", "male", "adult")
        _event(s, c7, "arrest", datetime(2025, 4, 1, 7, 0), [a7])
        _event(s, c7, "rescue", datetime(2025, 4, 1, 6, 0), [v7])
        s.commit()
        hand.ids.update(c6=c6.id, c7=c7.id)
    return hand


def _table(hand: Hand, table: str, by: str | None, scope: Scope) -> Table:
    with hand.db.session() as s:
        facts = load_facts(s, None, scope)
    return compute(facts, table, by, keep_cases=True)


def _totals(t: Table) -> dict[str, int]:
    return {c: t.value("Total", c) for c, _ in t.columns}


def test_disposal_in_2025_counts_what_happened_in_2025(periods: Hand) -> None:
    t = _table(periods, "disposal", "district", year_scope(2025))
    assert _totals(t) == {
        "cases_registered": 2,  # c4, c5
        "cases_pending_investigation": 1,  # c7, registered in 2024 and still open
        "cases_final_report": 0,
        "cases_charge_sheeted": 3,  # c4, c5 (dated at the FIR) and c6 (its event)
        "cases_pending_trial": 3,  # c2 (since 2023), c4, c6 (verdict only in 2026)
        "cases_convicted": 0,  # c6 is convicted, but in 2026
        "cases_acquitted": 1,  # c5
    }
    assert t.cases is not None
    pending_trial = [c for c, _ in t.columns].index("cases_pending_trial")
    assert periods.names(t.cases[(len(t.row_keys), pending_trial)]) == {"c2", "c4", "c6"}
    assert t.rate_values[-1] == [100.0, 0.0]  # 3 / (3 + 0); 0 / (0 + 1)


def test_arrests_rescues_and_charge_sheets_by_their_own_date(periods: Hand) -> None:
    crime = _table(periods, "crime", "district", year_scope(2025))
    assert _totals(crime) == {
        "cases_registered": 2,
        "persons_arrested": 4,  # c4's two, c6's one, c7's one (cases of 2024 too)
        "persons_charge_sheeted": 5,  # c4's three, c5's one, c6's one
        "persons_convicted": 0,
        "persons_acquitted": 1,
    }
    rescued = _table(periods, "rescued", "district", year_scope(2025))
    assert rescued.value("Total", "rescued_total") == 4  # c4's two, c5's, c7's; not c6's
    assert rescued.value("Total", "rescued_male_adult") == 1  # c7's, a case of 2024
    victims = _table(periods, "victims", "district", year_scope(2025))
    assert victims.value("Total", "victims_total") == 4  # victims of the cases of 2025


def test_2024_and_2026(periods: Hand) -> None:
    t24 = _totals(_table(periods, "disposal", "year", year_scope(2024)))
    assert t24["cases_registered"] == 2  # c6, c7
    assert t24["cases_pending_investigation"] == 2  # c6 (charge-sheeted in 2025), c7
    assert t24["cases_pending_trial"] == 1  # c2
    assert t24["cases_charge_sheeted"] == 0
    r24 = _table(periods, "rescued", "year", year_scope(2024))
    assert r24.value("Total", "rescued_female_minor") == 1  # c6's
    t26 = _table(periods, "disposal", "year", year_scope(2026))
    assert _totals(t26)["cases_convicted"] == 1 and t26.rate_values[-1][1] == 100.0  # c6
    assert _totals(t26)["cases_registered"] == 0
    assert _totals(t26)["cases_pending_trial"] == 2  # c2, c4
    assert _totals(t26)["cases_pending_investigation"] == 1  # c7


def test_a_month_breakdown_puts_each_figure_in_its_own_month(periods: Hand) -> None:
    t = _table(periods, "crime", "month", year_scope(2025))
    arrested = {k: t.value(k, "persons_arrested") for k in t.row_keys}
    assert {k: v for k, v in arrested.items() if v} == {"2025-01": 1, "2025-03": 2, "2025-04": 1}
    sheeted = {k: t.value(k, "persons_charge_sheeted") for k in t.row_keys}
    assert {k: v for k, v in sheeted.items() if v} == {"2025-02": 1, "2025-03": 3, "2025-11": 1}
    assert t.value("Total", "persons_arrested") == 4


def test_pendency_ageing_at_the_end_of_the_period(periods: Hand) -> None:
    scope = year_scope(2025)
    with periods.db.session() as s:
        facts = load_facts(s, None, scope)
    chart = ageing(facts, scope, now=datetime(2026, 12, 1))
    rows = {str(r[0]): (int(r[1]), int(r[2])) for r in chart.rows}
    assert rows["1–2 years"] == (1, 1)  # c7 (579 days), c6 (377 days)
    assert rows["6–12 months"] == (0, 1)  # c4
    assert rows["2–3 years"] == (0, 1)  # c2
    assert sum(a + b for a, b in rows.values()) == 4
