"""NUL and other control characters are refused in every text field the API and forms take.

PostgreSQL refuses NUL in text (a 500 before this check), terminals obey escape sequences,
and a lone surrogate cannot be encoded at all: each is a clear 422 naming the field, and
nothing is stored.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from nervecentre.cases.people import Person
from tests.security.conftest import World

Token = Callable[[str], dict[str, str]]
# As JSON escapes; a lone surrogate is refused by the JSON body's validation already.
BAD = [("A\\u0000B", "control characters"), ("Ravi\\u001b[2J", "control characters")]
BAD += [("Ravi\\ud800", "unicode")]


def _people(world: World) -> int:
    with world.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(Person)) or 0)


@pytest.mark.parametrize("bad", BAD)
@pytest.mark.parametrize(
    ("where", "body"),
    [
        ("people", '{"role": "accused", "name": "%s"}'),
        ("people", '{"role": "accused", "name": "Ravi", "address": "%s"}'),
        ("people", '{"role": "accused", "name": "Ravi", "aliases": ["%s"]}'),
        ("events", '{"kind": "arrest", "at": "2024-01-02 10:00", "description": "%s"}'),
        ("identifiers", '{"value": "%s"}'),
        ("charges", '{"section": "IPC %s"}'),
    ],
)
def test_api_refuses_control_characters_in_text(
    client: TestClient,
    token_for: Token,
    world: World,
    where: str,
    body: str,
    bad: tuple[str, str],
) -> None:
    before = _people(world)
    headers = {**token_for("inv"), "Content-Type": "application/json"}
    response = client.post(
        f"/api/cases/{world.case_a}/{where}", headers=headers, content=body % bad[0]
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert bad[1] in response.json()["detail"]
    assert _people(world) == before


def test_api_refuses_control_characters_when_changing_records(
    client: TestClient, token_for: Token, world: World
) -> None:
    headers = {**token_for("inv"), "Content-Type": "application/json"}
    case = client.patch(
        f"/api/cases/{world.case_a}", headers=headers, content='{"brief_facts": "a\\u0000b"}'
    )
    assert case.status_code == 422 and case.json()["field"] == "brief_facts"
    # Line breaks and tabs are text, not control: a brief's paragraphs are kept.
    ok = client.patch(
        f"/api/cases/{world.case_a}", headers=headers, json={"brief_facts": "One.\n\tTwo."}
    )
    assert ok.status_code == 200, ok.text
    person = client.get(f"/api/cases/{world.case_a}", headers=headers).json()["people"][0]
    changed = client.patch(
        f"/api/people/{person['person_id']}", headers=headers, content='{"name": "X\\u0000"}'
    )
    assert changed.status_code == 422, changed.text


def test_forms_refuse_control_characters_too(
    signed_in: Callable[[str], tuple[TestClient, str]], world: World
) -> None:
    client, csrf = signed_in("inv")
    before = _people(world)
    response = client.post(
        f"/cases/{world.case_a}/people",
        data={"csrf_token": csrf, "role": "accused", "name": "Ravi\x00Jadhav"},
    )
    assert "control characters" in response.text, response.status_code
    assert _people(world) == before
