"""Victims appear by code only: no name, phone or address on any page or API answer."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select

from nervecentre.cases.people import CaseRole
from tests.security.conftest import World

# From the test register (tests/imports/registers.py): victim Rina Das, phone 9123456780.
SECRETS = ("Rina Das", "Mou Roy", "9123456780", "+919123456780", "91234 56780")


def _people(world: World) -> list[int]:
    with world.db.session() as s:
        return list(s.scalars(select(CaseRole.person_id).where(CaseRole.case_id == world.case_a)))


def test_no_page_shows_a_victims_identity(
    world: World, signed_in: Callable[[str], tuple[TestClient, str]]
) -> None:
    client, _ = signed_in("admin")
    pages = [f"/cases/{world.case_a}", "/cases", "/cases?q=Rina", "/"]
    pages += [f"/people/{pid}" for pid in _people(world)]
    for path in pages:
        html = client.get(path).text
        leaked = [s for s in SECRETS if s in html]
        assert not leaked, (path, leaked)


def test_no_api_answer_shows_a_victims_identity(
    world: World,
    app_for: Callable[..., TestClient],
    token_for: Callable[[str], dict[str, str]],
) -> None:
    client, headers = app_for(), token_for("admin")
    paths = [f"/api/cases/{world.case_a}", "/api/cases"]
    paths += [f"/api/people/{pid}" for pid in _people(world)]
    for path in paths:
        text = client.get(path, headers=headers).text
        leaked = [s for s in SECRETS if s in text]
        assert not leaked, (path, leaked)
