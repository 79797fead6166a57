"""Table figures against the hand-counted registry, IPC/BNS together, need-to-know."""

from __future__ import annotations

from datetime import datetime

import pytest

from nervecentre.errors import InvalidValue, PermissionDenied
from nervecentre.reports import definitions as defs_module
from nervecentre.reports.definitions import parse
from nervecentre.reports.facts import Scope, load_facts, month_scope, year_scope
from nervecentre.reports.report import build_report
from nervecentre.reports.tables import compute
from nervecentre.reports.view import analyse, drill
from nervecentre.security.models import User
from tests.reports.conftest import Hand


def _table(hand: Hand, user: User | None, table: str, by: str | None, scope: Scope):  # type: ignore[no-untyped-def]
    with hand.db.session() as s:
        facts = load_facts(s, user, scope)
    return compute(facts, table, by, keep_cases=True)


def test_crime_table_by_district_counts_by_hand(hand: Hand) -> None:
    t = _table(hand, None, "crime", "district", year_scope(2023))
    assert t.row_keys == ["MH-THR", "MH-PAL"]  # most cases first
    assert t.value("MH-THR", "cases_registered") == 2
    assert t.value("MH-PAL", "cases_registered") == 1
    assert t.value("Total", "persons_arrested") == 3
    assert t.value("Total", "persons_charge_sheeted") == 3  # c1's two and c2's one
    assert t.value("Total", "persons_convicted") == 2
    assert t.value("Total", "persons_acquitted") == 0


def test_disposal_and_rates(hand: Hand) -> None:
    t = _table(hand, None, "disposal", "year", year_scope(2023))
    row = {c: t.value("2023", c) for c, _ in t.columns}
    assert row == {
        "cases_registered": 3, "cases_pending_investigation": 0, "cases_final_report": 1,
        "cases_charge_sheeted": 2, "cases_pending_trial": 1, "cases_convicted": 1,
        "cases_acquitted": 0,
    }  # fmt: skip
    charge_sheeting, conviction = t.rate_values[0]
    assert charge_sheeting == pytest.approx(200 / 3) and conviction == 100.0
    t25 = _table(hand, None, "disposal", "year", year_scope(2025))
    assert t25.rate_values[0] == [100.0, 0.0]  # c4 and c5 charge-sheeted; c5 acquitted


def test_victims_by_sex_and_age_and_rescued(hand: Hand) -> None:
    v = _table(hand, None, "victims", "year", year_scope(2023))
    got = {c: v.value("Total", c) for c, _ in v.columns}
    assert got == {
        "victims_female_minor": 1, "victims_female_adult": 1, "victims_male_minor": 1,
        "victims_male_adult": 1, "victims_transgender": 0, "victims_other": 1,
        "victims_total": 5,
    }  # fmt: skip
    r = _table(hand, None, "rescued", "year", year_scope(2025))
    assert r.value("2025", "rescued_female_minor") == 2
    assert r.value("2025", "rescued_female_adult") == 1
    assert r.value("2025", "rescued_transgender") == 0  # not rescued
    assert r.value("2025", "rescued_total") == 3


def test_purpose_rows(hand: Hand) -> None:
    t = _table(hand, None, "purpose", None, year_scope(2023))
    assert t.value("sexual_exploitation", "victims_total") == 2  # c1 (ITPA head)
    assert t.value("forced_labour", "victims_total") == 2  # c3 (IPC 374)
    assert t.value("other", "victims_minor") == 1  # c2: trafficking, no purpose known
    assert t.value("begging", "victims_total") == 0  # every purpose has its row
    assert t.value("Total", "victims_total") == 5


def test_ipc_and_bns_count_in_one_section_row(hand: Hand) -> None:
    scope = Scope(datetime(2023, 1, 1), datetime(2026, 1, 1), label="2023-2025")
    t = _table(hand, None, "sections", None, scope)
    assert t.value("BNS 143", "cases_ipc") == 2  # c1 and c2 under IPC 370
    assert t.value("BNS 143", "cases_bns") == 2  # c4 and c5 under BNS 143
    assert t.value("BNS 143", "cases_registered") == 4
    assert t.value("BNS 146", "cases_registered") == 2  # IPC 374 (c3) and BNS 146 (c4)
    assert t.value("ITPA 5", "cases_special") == 0 and t.value("ITPA 5", "cases_ipc") == 1
    label = t.row_labels[t.row_keys.index("BNS 143")]
    assert "IPC 370" in label and "Trafficking" in label
    assert not t.total_row  # a case under two sections counts in both rows


def test_code_breakdown(hand: Hand) -> None:
    scope = Scope(datetime(2023, 1, 1), datetime(2026, 1, 1))
    t = _table(hand, None, "crime", "code", scope)
    assert t.value("IPC", "cases_registered") == 3 and t.value("BNS", "cases_registered") == 2


def test_drill_down_gives_the_cases_behind_a_figure(hand: Hand) -> None:
    t = _table(hand, None, "crime", "district", year_scope(2023))
    assert t.cases is not None
    assert hand.names(t.cases[(0, 0)]) == {"c1", "c3"}
    assert hand.names(t.cases[(2, 0)]) == {"c1", "c2", "c3"}  # the total
    assert hand.names(t.cases[(0, 3)]) == {"c1"}  # persons convicted


def test_tables_cover_only_what_the_user_may_see(hand: Hand) -> None:
    t = _table(hand, hand.shahapur, "crime", "district", year_scope(2023))
    assert t.row_keys == ["MH-THR"] and t.value("Total", "cases_registered") == 1
    a = analyse(hand.db, hand.shahapur, "annual", "2023", table="crime", by="district")
    lines = drill(hand.db, hand.shahapur, a, 0, 0)
    assert [line.id for line in lines] == [hand.ids["c1"]]
    sup = analyse(hand.db, hand.sup, "annual", "2023", by="unit")
    assert sup.table.value("Total", "cases_registered") == 2  # c1 and c3, not Boisar's c2
    with pytest.raises(InvalidValue):
        drill(hand.db, hand.shahapur, a, 9, 0)


def test_unit_scope_and_periods(hand: Hand) -> None:
    r = build_report(hand.db, hand.admin, "annual", 2025, unit="Thane Rural AHTU", charts=False)
    assert r.cases == 1 and r.unit_name == "Thane Rural AHTU"
    m = build_report(hand.db, hand.admin, "monthly", "2025-11", charts=False)
    assert m.cases == 1 and m.scope.label == "November 2025"
    assert month_scope("2025-12").end == datetime(2026, 1, 1)
    with pytest.raises(InvalidValue, match="YYYY-MM"):
        month_scope("2025-13")
    with pytest.raises(InvalidValue, match="unit"):
        build_report(hand.db, hand.admin, "annual", 2025, unit="no such unit anywhere")


def test_sharing_needs_report_share(hand: Hand) -> None:
    with pytest.raises(PermissionDenied):
        build_report(hand.db, hand.shahapur, "annual", 2023, shared=True)
    assert build_report(hand.db, hand.sup, "annual", 2023, shared=True, charts=False).shared


def test_definitions_reject_typos() -> None:
    good = defs_module.definitions()
    assert "crime" in good.tables
    with pytest.raises(Exception, match="unknown measure"):
        other = {"code": "other", "label": "O", "heads": [], "sections": []}
        table = {"id": "x", "title": "x", "columns": ["nope"]}
        parse({"measures": {}, "tables": [table], "purposes": [other]})
    with pytest.raises(Exception, match="count"):
        parse({"measures": {"m": {"label": "m", "count": "cats"}}})


def test_figures_match_the_case_list(hand: Hand) -> None:
    """The month's cases of a unit in the report are the ones the case list finds."""
    from nervecentre.search.cases import parse_query, search_cases

    for user in (hand.admin, hand.sup, hand.shahapur):
        for unit, month, first, last in (
            ("MH-THR-AHTU", "2025-03", "2025-03-01", "2025-03-31"),
            ("MH-THR-SHAHAPUR", "2025-11", "2025-11-01", "2025-11-30"),
            ("MH-PAL-BOISAR", "2023-03", "2023-03-01", "2023-03-31"),
        ):
            report = build_report(hand.db, user, "monthly", month, unit=unit, charts=False)
            query = parse_query({"unit": unit, "date_from": first, "date_to": last})
            found = search_cases(hand.db, user, query, audit_search=False)
            assert report.cases == found.total, (user.username, unit, month)
            crime = report.tables[0]
            assert crime.value("Total", "cases_registered") == found.total


def test_the_monthly_chart_agrees_with_the_table_by_month(hand: Hand) -> None:
    report = build_report(hand.db, hand.admin, "annual", 2023)
    by_month = next(t for t in report.tables if t.id == "crime" and t.by == "month")
    chart = next(c for c in report.charts if c.id == "monthly")
    counted = {str(r[0]): int(r[1]) for r in chart.rows if int(r[1])}
    assert counted == {k: by_month.value(k, "cases_registered") for k in by_month.row_keys}
    assert sum(int(r[2]) for r in chart.rows) == 3  # rescued: c1, c2, c3's one each
