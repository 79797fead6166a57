"""The dashboard: headline figures and recent events, over visible cases only."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from nervecentre.cases import dashboard as dashboards
from nervecentre.cases.dashboard import Dashboard, dashboard
from nervecentre.errors import InvalidValue, PermissionDenied
from nervecentre.security import grants, users
from nervecentre.store.db import Database
from tests.search.test_search import Registry, make_registry
from tests.security.conftest import FAST, PASSWORD


@pytest.fixture
def reg(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Registry:
    return make_registry(db, tmp_path, monkeypatch)


def test_figures_over_every_case_for_an_admin(reg: Registry) -> None:
    d = dashboard(reg.db, reg.admin)
    assert (d.total_cases, d.open_cases) == (4, 3)  # case 4 is convicted
    assert d.by_status == [("Under investigation", 2), ("Charge-sheeted", 1), ("Convicted", 1)]
    assert d.by_district == [("Thane Rural", 3), ("Palghar", 1)]
    assert d.by_crime_head == [("Human trafficking", 2)]
    # 24 months up to the newest FIR (September 2024), oldest first, empty months as 0.
    assert len(d.by_month) == 24
    assert d.by_month[0] == ("2022-10", 0) and d.by_month[-1] == ("2024-09", 1)
    counts = dict(d.by_month)
    assert (counts["2023-03"], counts["2023-06"], counts["2023-04"]) == (2, 1, 0)
    assert sum(counts.values()) == 4
    assert [m for m, _ in dashboard(reg.db, reg.admin, months=3).by_month] == [
        "2024-07", "2024-08", "2024-09",
    ]  # fmt: skip


def test_recent_arrests_and_rescues_newest_first(reg: Registry) -> None:
    d = dashboard(reg.db, reg.admin, recent=3)
    numbers = {v: k for k, v in reg.ids.items()}
    arrests = d.recent_arrests
    # Cases 1, 2 and 4 had their arrests at the same minute: the newer event comes first.
    assert [numbers[e.case_id] for e in arrests] == [3, 4, 2]
    assert [e.at for e in arrests] == sorted((e.at for e in arrests), reverse=True)
    first = arrests[0]
    assert (first.kind, first.case_key, first.at) == (
        "arrest", "MH-THR-SHAHAPUR/2024/3", datetime(2024, 9, 11, 10, 0),
    )  # fmt: skip
    assert first.people == 1 and first.event_id > 0
    rescue = d.recent_rescues[0]
    assert (numbers[rescue.case_id], rescue.place) == (3, "Hotel Sai Palace")
    assert rescue.people == 1  # the one victim of case 3
    assert len(d.recent_rescues) == 3 and {e.kind for e in d.recent_rescues} == {"rescue"}
    assert dashboard(reg.db, reg.admin, recent=0).recent_arrests == []


def test_every_figure_stays_inside_need_to_know(reg: Registry) -> None:
    numbers = {v: k for k, v in reg.ids.items()}
    a = dashboard(reg.db, reg.inv_a)  # Shahapur: cases 1 and 4
    assert (a.total_cases, a.open_cases) == (2, 1)
    assert a.by_district == [("Thane Rural", 2)]
    assert a.by_status == [("Convicted", 1), ("Under investigation", 1)]
    assert a.by_crime_head == [("Human trafficking", 1)]
    assert sum(n for _, n in a.by_month) == 2 and a.by_month[-1] == ("2023-06", 1)
    assert {numbers[e.case_id] for e in a.recent_arrests + a.recent_rescues} == {1, 4}
    b = dashboard(reg.db, reg.inv_b)  # Boisar: case 2
    assert (b.total_cases, b.by_district) == (1, [("Palghar", 1)])
    assert {numbers[e.case_id] for e in b.recent_arrests + b.recent_rescues} == {2}
    grants.restrict_case(reg.db, "test", reg.ids[2], ["inv-a"], "the accused is a colleague")
    assert dashboard(reg.db, reg.inv_b) == Dashboard()  # nothing left to count
    assert dashboard(reg.db, reg.inv_a).total_cases == 3


def test_both_ways_of_finding_recent_events_agree(reg: Registry) -> None:
    for user in (reg.admin, reg.inv_a, reg.sup):
        with reg.db.session() as s:
            for kind in ("arrest", "rescue"):
                walked = dashboards._recent(s, user, kind, 5, walk=True)
                driven = dashboards._recent(s, user, kind, 5, walk=False)
                assert walked == driven and walked, (user.username, kind)


def test_limits_and_permissions(reg: Registry) -> None:
    with pytest.raises(InvalidValue, match="months"):
        dashboard(reg.db, reg.admin, months=0)
    with pytest.raises(InvalidValue, match="recent"):
        dashboard(reg.db, reg.admin, recent=1000)
    disabled = users.disable_user(reg.db, "inv-a", actor="test")
    with pytest.raises(PermissionDenied):
        dashboard(reg.db, disabled)


def test_an_empty_registry(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users, "hasher", lambda: FAST)
    admin = users.create_user(db, "admin", PASSWORD, "admin", actor="test")
    assert dashboard(db, admin) == Dashboard()
