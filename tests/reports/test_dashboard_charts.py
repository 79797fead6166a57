"""The dashboard's charts on `/`: cases and rescues per month, pendency ageing, counted by
hand on the registry of conftest.py, inside need-to-know, and drawn accessibly."""

from __future__ import annotations

from datetime import datetime

from fastapi.testclient import TestClient

from nervecentre.cases.dashboard import dashboard
from nervecentre.web import create_app
from tests.reports.conftest import Hand
from tests.web.conftest import sign_in


def test_cases_and_rescues_per_month(hand: Hand) -> None:
    board = dashboard(hand.db, hand.admin, now=datetime(2026, 12, 1))
    pairs = {m: (a, b) for m, a, b in board.month_pairs if a or b}
    # 24 months to the newest FIR (2025-11): c4 and its two rescued, c5 and its one.
    assert pairs == {"2025-03": (1, 2), "2025-11": (1, 1)}
    assert [m for m, _, _ in board.month_pairs] == [m for m, _ in board.by_month]
    shahapur = dashboard(hand.db, hand.shahapur, now=datetime(2026, 12, 1))
    assert {m: (a, b) for m, a, b in shahapur.month_pairs if a or b} == {"2025-11": (1, 1)}


def test_pendency_ageing_today(hand: Hand) -> None:
    board = dashboard(hand.db, hand.admin, now=datetime(2026, 12, 1))
    rows = {label: (a, b) for label, a, b in board.ageing if a or b}
    assert rows == {"3 years +": (0, 1), "1–2 years": (0, 1)}  # c2 (Mar 2023), c4 (Mar 2025)
    assert board.ageing_most == 1
    assert dashboard(hand.db, hand.shahapur).ageing == []  # c1 and c5 are decided


def test_the_page_draws_them_with_a_text_alternative(hand: Hand) -> None:
    with TestClient(create_app(db=hand.db), client=("127.0.0.1", 50000)) as client:
        sign_in(client, "admin")
        page = client.get("/")
    assert page.status_code == 200
    assert 'aria-labelledby="monthly-title monthly-desc"' in page.text
    assert "<title>2025-03: 1 case registered, 2 people rescued</title>" in page.text
    assert "The data as a table" in page.text
    assert '<th scope="row">2025-11</th><td class="num">1</td><td class="num">1</td>' in page.text
    assert "Pendency ageing" in page.text
