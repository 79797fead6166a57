"""The upload forms that link what they add to a case answer for a case out of sight exactly
as for a case that does not exist: nothing added, and nothing that tells the two apart."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from nervecentre.library.models import LibraryDocument
from nervecentre.scams.models import ScamComplaint
from tests.library.test_library import JUDGMENT, case_key
from tests.security.conftest import World

Signed = Callable[[str], tuple[TestClient, str]]
MISSING = "ZZ-9999/2099"
FILES = {
    "/library/add": ("file", ("j.txt", JUDGMENT.encode(), "text/plain")),
    "/scams/upload": (
        "files",
        ("chat.txt", b"12/03/2024, 10:15 - +91 98765 43210: pay", "text/plain"),
    ),
}


def _main(text: str, key: str) -> str:
    found = re.search(r"<main.*?</main>", text, re.S)
    return (found.group(0) if found else text).replace(key, "{KEY}")


def _count(world: World) -> int:
    with world.db.session() as s:
        return sum(
            s.scalar(select(func.count()).select_from(t)) or 0
            for t in (LibraryDocument, ScamComplaint)
        )


@pytest.mark.parametrize("path", sorted(FILES))
def test_a_hidden_case_answers_as_a_missing_one(world: World, signed_in: Signed, path: str) -> None:
    client, csrf = signed_in("inv")
    hidden = case_key(world, world.case_b)
    field, upload = FILES[path]
    answers = [
        client.post(path, data={"csrf_token": csrf, "case": key}, files={field: upload})
        for key in (hidden, MISSING)
    ]
    assert answers[0].status_code == answers[1].status_code == 422
    assert _main(answers[0].text, hidden) == _main(answers[1].text, MISSING)
    assert _count(world) == 0
