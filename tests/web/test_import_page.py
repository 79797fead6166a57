"""Importing a register through the browser: upload, report, confirm; bad files refused."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from nervecentre.cases.models import Case
from nervecentre.security import audit
from tests.imports.registers import row, write_csv
from tests.security.conftest import World
from tests.web.conftest import csrf_of

SignedIn = Callable[[str], tuple[TestClient, str]]


def _count(world: World) -> int:
    with world.db.session() as s:
        return s.scalar(select(func.count(Case.id))) or 0


def test_upload_check_then_confirm(signed_in: SignedIn, world: World, tmp_path: Path) -> None:
    client, csrf = signed_in("inv")
    rows = [row(31), row(32), row(33, **{"FIR Date": "31/02/2023"})]
    register = write_csv(tmp_path / "reg.csv", rows)
    before = _count(world)
    with register.open("rb") as fh:
        report = client.post(
            "/import", data={"csrf_token": csrf}, files={"file": ("reg.csv", fh, "text/csv")}
        )
    assert report.status_code == 200, report.text
    assert "Nothing has been written yet" in report.text and "31/02/2023" in report.text
    assert _count(world) == before
    token = report.text.split('name="token" value="')[1].split('"')[0]
    done = client.post(
        "/import/confirm",
        data={"csrf_token": csrf_of(report.text), "token": token, "action": "import"},
    )
    assert done.status_code == 200 and "Imported" in done.text
    assert _count(world) == before + 2
    assert audit.find(world.db, action="import.run")[0].actor == "inv"
    again = client.post(
        "/import/confirm", data={"csrf_token": csrf, "token": token, "action": "import"}
    )
    assert again.status_code == 404  # the staged file is gone: no double import


def test_bad_uploads_are_refused_clearly(signed_in: SignedIn, world: World) -> None:
    client, csrf = signed_in("inv")
    cases = [
        ("photo.jpg", b"\xff\xd8\xff\xe0 not a register", "not a register"),
        ("empty.csv", b"", "empty"),
        ("garbage.xlsx", b"PK\x03\x04 truncated zip", ""),
        ("latin1.csv", "Sr No,Distrïct\n1,Thané\n".encode("latin-1"), ""),
    ]
    for name, content, message in cases:
        response = client.post(
            "/import",
            data={"csrf_token": csrf},
            files={"file": (name, content, "application/octet-stream")},
        )
        assert response.status_code in (200, 422), (name, response.status_code)
        assert 'class="alert"' in response.text or "rejected" in response.text, name
        if message:
            assert message in response.text
    assert _count(world) == 2


def test_viewer_cannot_import(signed_in: SignedIn) -> None:
    client, csrf = signed_in("view")
    response = client.post(
        "/import", data={"csrf_token": csrf}, files={"file": ("reg.csv", b"a,b\n", "text/csv")}
    )
    assert response.status_code == 403
