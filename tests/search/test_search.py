"""The case list: every filter, text search, sorting, paging, need-to-know and the audit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from nervecentre.cases.models import Case
from nervecentre.errors import InvalidValue
from nervecentre.imports import import_register
from nervecentre.search.cases import (
    MAX_PER_PAGE,
    SORTS,
    CaseQuery,
    parse_query,
    refresh_index,
    search_cases,
)
from nervecentre.security import audit, audit_verify, grants, tokens, users
from nervecentre.security.access import visible_cases_filter
from nervecentre.security.models import User
from nervecentre.store.db import Database
from nervecentre.web import create_app
from tests.imports.registers import row, write_csv
from tests.security.conftest import FAST, PASSWORD
from tests.web.conftest import sign_in

SHAHAPUR, AHTU, BOISAR = "MH-THR-SHAHAPUR", "MH-THR-AHTU", "MH-PAL-BOISAR"
# A BNS-era case of Thane Rural's AHTU: different words, people and sections everywhere.
BNS_CASE = {
    "FIR No": "3/2024", "Year": 2024, "FIR Date": "10/09/2024", "FIR Time": "09:30",
    "Info Received": "10/09/2024 08:00", "Occurrence From": "01/09/2024 10:00",
    "Occurrence To": "09/09/2024 20:00", "Sections": "BNS 143; ITPA 5", "Status": "CS",
    "Crime Head": "Human trafficking", "IO": "PI Sunita Kale", "Unit": "AHTU",
    "Place of Occurrence": "Hotel Sai Palace", "Brief Facts": "Two women rescued from a dance bar.",
    "Accused": "Kajal Prasad (F/30) - kajal.p@okaxis", "Victims": "Sita Kumari (F/22)",
    "Arrests": "Kajal Prasad 11/09/2024 10:00", "Rescue": "10/09/2024 23:00 at Hotel Sai Palace",
    "Route": "", "Identifiers": "",
}  # fmt: skip
POCSO_CASE = {
    "FIR Date": "01/06/2023", "Info Received": "01/06/2023 08:00",
    "Occurrence From": "30/05/2023 10:00", "Occurrence To": "31/05/2023 20:00",
    "Sections": "POCSO 14; IPC 370", "Status": "Convicted", "Verdict Date": "01/12/2025",
    "Crime Head": "Human trafficking",
}  # fmt: skip


def registry_rows() -> list[dict[str, Any]]:
    """Four FIRs: 1 and 4 of Shahapur, 2 of Boisar (Palghar), 3 of Thane Rural's AHTU."""
    return [
        row(1, Victims="Rina Das @ Rinki (F/16) - 9123456780; Mou Roy (F/19)"),
        row(2, District="Palghar", **{"Police Station": "Boisar"}),
        row(3, **BNS_CASE),
        row(4, **POCSO_CASE),
    ]


@dataclass
class Registry:
    """The four cases (by FIR number) and a user of each unit, plus an admin."""

    db: Database
    ids: dict[int, int]
    admin: User
    inv_a: User  # Shahapur
    inv_b: User  # Boisar
    sup: User  # Shahapur and the AHTU

    def find(self, user: User | None = None, **params: str) -> set[int]:
        """FIR numbers of the cases a search finds."""
        page = search_cases(self.db, user or self.admin, parse_query(params), audit_search=False)
        numbers = {v: k for k, v in self.ids.items()}
        return {numbers[r.id] for r in page.rows}


def make_registry(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Registry:
    """Import the four cases and create the users (fast password hashing)."""
    monkeypatch.setattr(users, "hasher", lambda: FAST)
    import_register(db, write_csv(tmp_path / "reg.csv", registry_rows()))
    with db.session() as s:
        ids = {int(n): i for n, i in s.execute(select(Case.fir_number, Case.id))}

    def make(name: str, role: str, units: list[str]) -> User:
        return users.create_user(db, name, PASSWORD, role, actor="test", units=units)

    return Registry(
        db,
        ids,
        make("admin", "admin", []),
        make("inv-a", "investigator", [SHAHAPUR]),
        make("inv-b", "investigator", [BOISAR]),
        make("sup", "supervisor", [SHAHAPUR, AHTU]),
    )


@pytest.fixture
def reg(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Registry:
    return make_registry(db, tmp_path, monkeypatch)


def test_every_filter(reg: Registry) -> None:
    assert reg.find() == {1, 2, 3, 4}
    assert reg.find(district="MH-PAL") == {2}
    assert reg.find(district="Thane Rural") == {1, 3, 4}  # a name works too
    assert reg.find(police_station=SHAHAPUR) == {1, 3, 4}  # the AHTU's case was filed there
    assert reg.find(unit=AHTU) == {3}
    assert reg.find(unit=SHAHAPUR) == {1, 4}
    assert reg.find(status="under_investigation") == {1, 2}
    assert reg.find(status="Convicted") == {4}  # the label works too
    assert reg.find(date_from="2023-06-01") == {3, 4}  # inclusive
    assert reg.find(date_to="2023-06-01") == {1, 2, 4}  # the whole day
    assert reg.find(date_from="2023-03-15", date_to="2024-09-09") == {4}
    assert reg.find(date_from="2023-03-14", date_to="2023-03-14") == {1, 2}
    assert reg.find(section="POCSO 14") == {4}
    assert reg.find(section="ITPA 5") == {1, 2, 3}
    assert reg.find(district="MH-THR", status="under_investigation", section="ITPA 5") == {1}


def test_section_finds_its_equivalent_in_the_other_code(reg: Registry) -> None:
    # Cases 1, 2 and 4 are charged under IPC 370, case 3 (2024) under BNS 143.
    assert reg.find(section="IPC 370") == {1, 2, 3, 4}
    assert reg.find(section="BNS 143") == {1, 2, 3, 4}
    assert reg.find(section="u/s 143 BNS") == {1, 2, 3, 4}
    assert reg.find(section="370") == {1, 2, 3, 4}  # no act named: any act's 370
    assert reg.find(section="IPC 370A") == {1, 2}  # = BNS 144, which case 3 lacks
    assert reg.find(section="BNS 144") == {1, 2}
    assert reg.find(section="IPC 370", date_from="2024-07-01") == {3}


def test_text_finds_names_aliases_numbers_places_and_officers(reg: Registry) -> None:
    assert reg.find(q="Salim") == {1, 2, 4}  # the accused of 1, 2 and 4
    assert reg.find(q="salim shaikh") == {1, 2, 4}
    assert reg.find(q="Salu") == {1, 2, 4}  # an alias
    assert reg.find(q="sal") == {1, 2, 4}  # the start of a word
    assert reg.find(q="kajal") == {3}
    assert reg.find(q="Kajal Jadhav") == set()  # every word must occur
    assert reg.find(q="jadhav shahapur") == {1, 4}  # ... but anywhere in the case
    assert reg.find(text="1/2023") == {1}  # FIR number as written
    assert reg.find(q="MH-THR-SHAHAPUR/2024/3") == {3}  # case key
    assert reg.find(q="Sai Palace") == {3}  # occurrence place
    assert reg.find(q="sunita kale") == {3}  # investigating officer
    assert reg.find(q="dance bar") == {3}  # brief facts
    assert reg.find(q="trafficking") == {3, 4}  # crime head, by its name
    assert reg.find(q="HT") == {3, 4}  # ... or its code
    assert reg.find(q="Salim", district="MH-THR") == {1, 4}


def test_text_that_reads_as_an_identifier_finds_its_normalised_form(reg: Registry) -> None:
    assert reg.find(q="098765-43001") == {1}  # stored as +919876543001
    assert reg.find(q="+91 98765 43002") == {2}
    assert reg.find(q="9876543004") == {4}
    assert reg.find(q="SALIM2@ybl") == {2}
    assert reg.find(q="kajal.p@okaxis") == {3}
    assert reg.find(q="https://classifieds.example.in/ad/42") == {1, 2, 4}


def test_protected_victims_are_never_found_by_name_or_alias(reg: Registry) -> None:
    for name in ("Rina", "Rina Das", "Rinki", "Mou Roy", "Sita Kumari", "sita"):
        assert reg.find(q=name) == set(), name
    # They are still in the cases, by their pseudonymous code only.
    with reg.db.session() as s:
        assert s.scalar(text("SELECT count(*) FROM persons WHERE protected")) == 7


def test_hostile_text_is_searched_literally(reg: Registry) -> None:
    for hostile in (
        "'; DROP TABLE cases; --",
        '" OR 1=1 --',
        "salim' OR '1'='1",
        "<script>alert(1)</script>",
        "salim OR ravi",  # FTS syntax, too: OR is a word here
        'NEAR(salim ravi) AND "*',
        "*",
        "%",
        "_",
        "\\",
        "::",
        "sal:* | ravi & !x",
    ):
        assert reg.find(q=hostile) == set(), hostile
    assert reg.find(q='"salim"') == {1, 2, 4}  # quotes are just punctuation
    assert reg.find(q="salim\x00shaikh\t") == {1, 2, 4}  # control characters are spaces
    assert reg.find() == {1, 2, 3, 4}  # nothing was dropped


def test_pages_and_totals(reg: Registry) -> None:
    seen = []
    for page in (1, 2, 3):
        result = search_cases(reg.db, reg.admin, CaseQuery(page=page, per_page=1))
        assert (result.total, result.pages, result.page) == (4, 4, page)
        seen += [r.id for r in result.rows]
    last = search_cases(reg.db, reg.admin, CaseQuery(page=4, per_page=3))
    assert (last.total, last.pages, last.rows) == (4, 2, [])
    assert len(set(seen)) == 3
    empty = search_cases(reg.db, reg.admin, CaseQuery(text="nobody"))
    assert (empty.total, empty.pages, empty.rows) == (0, 1, [])
    text_page = search_cases(reg.db, reg.admin, CaseQuery(text="salim", per_page=2, page=2))
    assert (text_page.total, len(text_page.rows)) == (3, 1)
    beyond = search_cases(reg.db, reg.admin, CaseQuery(text="salim", per_page=2, page=5))
    assert (beyond.total, beyond.rows) == (3, [])


def test_rows_carry_names_labels_heads_and_sections(reg: Registry) -> None:
    row3 = search_cases(reg.db, reg.admin, CaseQuery(unit=AHTU)).rows[0]
    assert (row3.case_key, row3.fir_number, row3.fir_year) == ("MH-THR-SHAHAPUR/2024/3", "3", 2024)
    assert (row3.police_station_code, row3.police_station) == (SHAHAPUR, "Shahapur")
    assert (row3.district_code, row3.district, row3.unit_code) == ("MH-THR", "Thane Rural", AHTU)
    assert (row3.status, row3.status_label) == ("charge_sheeted", "Charge-sheeted")
    assert row3.crime_heads == ["Human trafficking"]
    assert row3.sections == ["BNS 143", "ITPA 5"]
    assert row3.fir_at.hour == 9 and row3.fir_at.minute == 30
    row1 = search_cases(reg.db, reg.admin, CaseQuery(text="1/2023")).rows[0]
    assert row1.sections == ["IPC 370", "IPC 370A", "ITPA 3", "ITPA 4", "ITPA 5"]


def test_sort_orders_are_stable(reg: Registry) -> None:
    def order(sort: str, **params: str) -> list[int]:
        page = search_cases(reg.db, reg.admin, parse_query({"sort": sort, **params}))
        numbers = {v: k for k, v in reg.ids.items()}
        return [numbers[r.id] for r in page.rows]

    # Cases 1 and 2 share their FIR date and time: the id decides, in the same direction.
    assert order("fir_at") == [1, 2, 4, 3]
    assert order("-fir_at") == [3, 4, 2, 1]
    assert order("-fir_at", q="salim") == [4, 2, 1]  # with text, too
    assert order("fir_number") == [1, 2, 4, 3]  # year, then number
    assert order("-fir_number") == [3, 4, 2, 1]
    assert order("district") == [2, 1, 3, 4]  # Palghar before Thane Rural
    assert order("-district") == [4, 3, 1, 2]
    assert order("status") == [1, 2, 3, 4]  # lifecycle: investigation, charge sheet, verdict
    assert order("-status") == [4, 3, 2, 1]
    assert set(SORTS) == {"fir_at", "-fir_at", "fir_number", "-fir_number", "district",
                          "-district", "status", "-status"}  # fmt: skip


def test_need_to_know_rows_and_totals(reg: Registry) -> None:
    assert reg.find(reg.inv_a) == {1, 4}
    assert reg.find(reg.inv_b) == {2}
    assert reg.find(reg.sup) == {1, 3, 4}
    assert reg.find(reg.inv_a, q="salim") == {1, 4}  # Boisar's Salim stays hidden
    assert reg.find(reg.inv_a, q="+91 98765 43002") == set()  # case 2's phone
    assert reg.find(reg.inv_a, district="MH-PAL") == set()
    assert reg.find(reg.inv_a, section="BNS 143") == {1, 4}
    for user in (reg.inv_a, reg.inv_b, reg.sup):
        page = search_cases(reg.db, user, CaseQuery(text="salim", per_page=1))
        assert page.total == len(reg.find(user, q="salim"))
    # Grants widen, restrictions narrow: the list follows access rules exactly.
    grants.grant_case(reg.db, "test", "inv-a", reg.ids[2], "joint probe of the Boisar network")
    assert reg.find(reg.inv_a) == {1, 2, 4}
    assert reg.find(reg.inv_a, q="98765 43002") == {2}
    grants.restrict_case(reg.db, "test", reg.ids[1], ["inv-b"], "the accused is a colleague")
    assert reg.find(reg.inv_a) == {2, 4}
    assert reg.find(reg.inv_b) == {1, 2}  # named on the restriction
    assert reg.find(reg.admin) == {1, 2, 3, 4}
    disabled = users.disable_user(reg.db, "sup", actor="test")
    assert search_cases(reg.db, disabled, CaseQuery()).total == 0


def test_totals_agree_with_the_visibility_filter(reg: Registry) -> None:
    grants.grant_unit(reg.db, "test", "inv-b", AHTU, "covering for leave at the AHTU")
    grants.restrict_case(reg.db, "test", reg.ids[4], ["inv-b"], "the accused is a colleague")
    lone = users.create_user(reg.db, "lone", PASSWORD, "analyst", actor="test", units=[])
    nobody = users.create_user(reg.db, "nobody", PASSWORD, "viewer", actor="test", units=[])
    grants.grant_case(reg.db, "test", "lone", reg.ids[3], "reviewing the AHTU's BNS case")
    assert (reg.find(lone), reg.find(nobody)) == ({3}, set())
    with reg.db.session() as s:
        for user in (reg.admin, reg.inv_a, reg.inv_b, reg.sup, lone, nobody):
            count = select(func.count()).select_from(Case).where(visible_cases_filter(user))
            expected = s.scalar(count)
            for sort in SORTS:
                page = search_cases(reg.db, user, CaseQuery(sort=sort, per_page=MAX_PER_PAGE))
                assert page.total == len(page.rows) == expected, (user.username, sort)
                # One row a page takes the other plan (walking the index) on SQLite.
                one_by_one = [
                    r.id
                    for n in range(1, expected + 1)
                    for r in search_cases(
                        reg.db, user, CaseQuery(sort=sort, page=n, per_page=1)
                    ).rows
                ]
                assert one_by_one == [r.id for r in page.rows], (user.username, sort)


def test_parse_query_reads_params_and_round_trips() -> None:
    q = parse_query(
        {
            "q": "  Salim  Shaikh ",
            "district": "Thane Rural",
            "police_station": "Shahapur P.S.",
            "status": "CHARGE-SHEETED",
            "section": "u/s 370 IPC",
            "date_from": "2023-01-01",
            "date_to": "2023-12-31",
            "sort": "district",
            "page": "2",
            "per_page": "25",
            "csrf": "ignored",
        }
    )
    assert q == CaseQuery(
        text="Salim Shaikh", district="MH-THR", police_station=SHAHAPUR,
        status="charge_sheeted", section="IPC 370", date_from=date(2023, 1, 1),
        date_to=date(2023, 12, 31), sort="district", page=2, per_page=25,
    )  # fmt: skip
    assert parse_query(q.as_params()) == q
    assert parse_query({}) == CaseQuery() and CaseQuery().as_params() == {}
    blank = {"text": " ", "district": "", "status": "", "page": "", "per_page": " "}
    assert parse_query(blank) == CaseQuery()
    assert parse_query({"section": "370"}).section == "370"
    assert parse_query({"text": "x" * 500}).text == "x" * 200
    assert parse_query({"unit": "MH-THR-AHTU"}).as_params() == {"unit": AHTU}
    assert not CaseQuery(sort="status", page=3).filtered and CaseQuery(unit=AHTU).filtered


@pytest.mark.parametrize(
    ("params", "kind", "message"),
    [
        ({"status": "foo"}, "status", "unknown status 'foo'; one of: registered, under_inv"),
        ({"date_from": "2025-13-01"}, "date_from", "not a date; write it as YYYY-MM-DD"),
        ({"date_to": "01/02/2025"}, "date_to", "not a date"),
        ({"date_from": "2025-03-01", "date_to": "2025-02-01"}, "date_from", "is after date_to"),
        ({"per_page": "0"}, "per_page", "from 1 to 200"),
        ({"per_page": "10000"}, "per_page", "from 1 to 200"),
        ({"per_page": "ten"}, "per_page", "whole number"),
        ({"page": "0"}, "page", "whole number"),
        ({"page": "-1"}, "page", "whole number"),
        ({"page": "9" * 5000}, "page", "whole number"),
        ({"sort": "name"}, "sort", "unknown sort 'name'; one of: fir_at, -fir_at"),
        ({"district": "Atlantis"}, "district", "no police district called 'Atlantis'"),
        ({"district": "x' OR '1'='1"}, "district", "no police district called"),
        ({"status": "trial' --"}, "status", "unknown status"),
        ({"police_station": "MH-THR-AHTU"}, "police_station", "not a police station"),
        ({"police_station": "Boisar", "district": "MH-THR"}, "police_station", "Boisar"),
        ({"unit": "Nowhere P.S."}, "unit", "no police unit called"),
        ({"section": "IPC 9999"}, "section", "IPC 9999 is not in nervecentre's list"),
        ({"section": "foo"}, "section", "could not read 'foo'"),
        ({"section": "9999"}, "section", "no act named"),
    ],
)
def test_parse_query_refuses_bad_values_clearly(
    params: dict[str, str], kind: str, message: str
) -> None:
    with pytest.raises(InvalidValue, match=None) as raised:
        parse_query(params)
    assert raised.value.kind == kind
    assert message in str(raised.value)


def test_search_cases_refuses_a_bad_query_built_by_hand(reg: Registry) -> None:
    for bad in (CaseQuery(sort="x"), CaseQuery(per_page=0), CaseQuery(page=0)):
        with pytest.raises(InvalidValue):
            search_cases(reg.db, reg.admin, bad)


def test_a_filtered_search_is_audited_once(reg: Registry) -> None:
    before = len(audit.find(reg.db, limit=1000))
    query = parse_query({"q": "salim", "district": "MH-THR", "page": "1"})
    page = search_cases(reg.db, reg.inv_a, query, ip="10.1.2.3")
    entry = audit.tail(reg.db, 1)[0]
    assert (entry.action, entry.actor, entry.target_type, entry.target_id, entry.ip) == (
        "search", "inv-a", "case", "", "10.1.2.3",
    )  # fmt: skip
    assert entry.details == {"query": {"text": "salim", "district": "MH-THR"}, "total": page.total}
    assert page.total == 2
    search_cases(reg.db, reg.inv_a, CaseQuery(sort="status", page=1))  # no filter: not audited
    search_cases(reg.db, reg.inv_a, query, audit_search=False)
    assert len(audit.find(reg.db, limit=1000)) == before + 1
    assert audit_verify.verify(reg.db).ok


def test_the_index_follows_changes_to_cases_and_people(reg: Registry, tmp_path: Path) -> None:
    rows = registry_rows()
    rows[0]["Accused"] = "Imran Qureshi (M/40) [recruiter]"
    rows[0]["Arrests"] = "Imran Qureshi 15/03/2023 02:30"
    rows[0]["Brief Facts"] = "Girls were lured with film offers."
    report = import_register(reg.db, write_csv(tmp_path / "again.csv", rows))
    assert (report.cases_updated, report.cases_unchanged, report.rejected_rows) == (1, 3, 0)
    assert reg.find(q="imran") == {1}
    assert reg.find(q="film offers") == {1}
    assert reg.find(q="salim") == {2, 4}
    assert reg.find(q="promise of work") == {2, 4}
    with reg.db.session() as s:
        s.execute(text("DELETE FROM cases WHERE id = :i"), {"i": reg.ids[4]})
    assert reg.find(q="salim") == {2}


def test_changes_queued_before_the_index_catches_up(reg: Registry, tmp_path: Path) -> None:
    """A delete and an id used again, both before one refresh (SQLite queues the delete).

    Imports bring the index up to date themselves when they commit.
    """
    sqlite = reg.db.dialect == "sqlite"
    assert refresh_index(reg.db) is False  # the import indexed what it wrote
    rows = registry_rows()
    rows[1]["Accused"] = "Imran Qureshi (M/40)"
    rows[1]["Arrests"] = ""
    import_register(reg.db, write_csv(tmp_path / "changed.csv", rows))  # case 2 updated
    with reg.db.session() as s:  # case 4 has the highest id: the next new case reuses it
        s.execute(text("DELETE FROM cases WHERE id = :i"), {"i": reg.ids[4]})
    new = row(5, **{"Accused": "Farid Ansari (M/50)", "Arrests": "", "Brief Facts": "Fresh."})
    # The import's refresh forgets the deleted case and indexes the new one under its id.
    import_register(reg.db, write_csv(tmp_path / "new.csv", [new]))
    assert refresh_index(reg.db) is False
    with reg.db.session() as s:
        reg.ids[5] = s.scalars(select(Case.id).where(Case.fir_number == "5")).one()
    assert (reg.ids[5] == reg.ids[4]) is sqlite  # SQLite gives the deleted case's id again
    assert reg.find(q="imran") == {2}
    assert reg.find(q="farid") == {5}
    assert reg.find(q="fresh") == {5}
    assert reg.find(q="salim") == {1}
    assert reg.find(q="promise of work") == {1, 2}
    # Rebuilt from scratch, the index says the same.
    assert refresh_index(reg.db, rebuild=True) is sqlite
    assert (reg.find(q="imran"), reg.find(q="farid"), reg.find(q="salim")) == ({2}, {5}, {1})


def test_postgresql_uses_the_full_text_indexes(reg: Registry) -> None:
    if reg.db.dialect != "postgresql":
        pytest.skip("PostgreSQL's GIN indexes; SQLite's FTS5 tables are queried by name")
    from nervecentre.search.fulltext import text_filter

    with reg.db.session() as s:
        where = text_filter(s, reg.db.dialect, "salim", bounded=False)
    assert where is not None
    query = select(func.count()).select_from(Case).where(where)
    sql = str(query.compile(reg.db.engine, compile_kwargs={"literal_binds": True}))
    with reg.db.engine.connect() as conn:
        conn.exec_driver_sql("SET enable_seqscan = off")
        plan = "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + sql))
    for index in ("search_cases_text", "search_persons_name", "search_aliases_alias"):
        assert index in plan, plan


@pytest.mark.parametrize("bound", ["9999-12-31", "0001-01-01"])
def test_date_bounds_at_the_ends_of_the_calendar(reg: Registry, bound: str) -> None:
    late = bound > "5000"
    assert reg.find(date_to=bound) == ({1, 2, 3, 4} if late else set())
    assert reg.find(date_from=bound) == (set() if late else {1, 2, 3, 4})
    assert reg.find(date_from="0001-01-01", date_to="9999-12-31") == {1, 2, 3, 4}
    built = CaseQuery(date_from=date.min, date_to=date.max)
    assert search_cases(reg.db, reg.admin, built, audit_search=False).total == 4
    _record, token = tokens.create_token(reg.db, "inv-a", "tests", actor="test")
    with TestClient(create_app(db=reg.db), client=("127.0.0.1", 50000)) as client:
        api = client.get(
            "/api/cases",
            params={"date_to": bound, "date_from": "0001-01-01"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert api.status_code == 200, api.text
        assert api.json()["total"] == (2 if late else 0)
        sign_in(client, "inv-a")
        page = client.get("/cases", params={"date_to": bound})
        assert page.status_code == 200, page.text
