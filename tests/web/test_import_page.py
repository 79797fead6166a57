"""Importing a register through the browser: upload, report, confirm; bad files refused."""

from __future__ import annotations

import dataclasses
import html
import re
import stat
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select

from nervecentre.cases.models import Case
from nervecentre.cases.records import case_key
from nervecentre.imports import import_register
from nervecentre.security import audit, grants
from nervecentre.security.case_writes import REFUSED
from tests.imports.registers import row, write_csv
from tests.security.conftest import UNIT_A, UNIT_B, World
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


FOREIGN = {"District": "Palghar", "Police Station": "Boisar"}
_STAGED = re.compile(r'name="token" value="[^"]+"')


def _upload(client: TestClient, csrf: str, name: str, content: bytes) -> Response:
    return client.post(
        "/import", data={"csrf_token": csrf}, files={"file": (name, content, "text/csv")}
    )


def _case(world: World, key: str) -> dict[str, object] | None:
    with world.db.session() as s:
        case = s.scalars(select(Case).where(Case.case_key == key)).first()
        return None if case is None else {c.name: getattr(case, c.name) for c in Case.__table__.c}


def _staged(world: World) -> list[Path]:
    root = world.db.settings.data_dir / "uploads"
    return [p for p in root.rglob("*") if p.is_file()] if root.is_dir() else []


def test_an_investigator_imports_only_their_units_unrestricted_cases(
    signed_in: SignedIn, world: World, tmp_path: Path
) -> None:
    import_register(world.db, write_csv(tmp_path / "three.csv", [row(3)]))
    restricted = case_key(UNIT_A, 2023, "3")
    with world.db.session() as s:
        restricted_id = s.scalar(select(Case.id).where(Case.case_key == restricted))
    assert restricted_id is not None
    grants.restrict_case(world.db, world.user("admin"), restricted_id, ["sup"], "witness at risk")
    with world.db.session() as s:
        foreign = str(s.scalar(select(Case.case_key).where(Case.id == world.case_b)))
    others = [foreign, restricted, case_key(UNIT_B, 2023, "77")]
    before = {k: _case(world, k) for k in others}
    client, csrf = signed_in("inv")
    rows = [
        row(2, **FOREIGN, **{"Brief Facts": "Overwritten"}),  # another unit's case
        row(77, **FOREIGN),  # no such case, in another unit
        row(3, **{"Brief Facts": "Overwritten"}),  # restricted, in inv's own unit
        row(40),  # inv's own
    ]
    check = _upload(client, csrf, "reg.csv", write_csv(tmp_path / "reg.csv", rows).read_bytes())
    assert check.status_code == 200, check.text
    assert check.text.count(html.escape(REFUSED)) == 3 and "Import 1 case" in check.text
    token = check.text.split('name="token" value="')[1].split('"')[0]
    done = client.post(
        "/import/confirm", data={"csrf_token": csrf, "token": token, "action": "import"}
    )
    assert done.status_code == 200 and "<b>1</b> case" in done.text
    assert {k: _case(world, k) for k in others} == before  # not changed, none created
    assert _case(world, case_key(UNIT_A, 2023, "40")) is not None
    assert not _staged(world)
    # What a check says of a foreign FIR does not depend on whether it exists.
    register = write_csv(tmp_path / "one.csv", [row(79, **FOREIGN)]).read_bytes()
    absent = _upload(client, csrf, "one.csv", register).text
    import_register(world.db, write_csv(tmp_path / "b.csv", [row(79, **FOREIGN)]))
    present = _upload(client, csrf, "one.csv", register).text
    assert _STAGED.sub("", absent) == _STAGED.sub("", present)


def test_staged_files_go_when_a_check_fails_or_is_cancelled(
    signed_in: SignedIn, world: World, tmp_path: Path
) -> None:
    client, csrf = signed_in("inv")
    bad = _upload(client, csrf, "Thane FIRs.csv", b"Name,Amount\nRavi,10\n")
    assert bad.status_code == 422 and "Thane FIRs.csv" in bad.text
    assert not _staged(world)
    good = _upload(client, csrf, "reg.csv", write_csv(tmp_path / "r.csv", [row(41)]).read_bytes())
    (register,) = [p for p in _staged(world) if p.suffix == ".csv"]
    assert register.name == "reg.csv" and stat.S_IMODE(register.stat().st_mode) == 0o600
    token = good.text.split('name="token" value="')[1].split('"')[0]
    cancel = client.post(
        "/import/confirm", data={"csrf_token": csrf, "token": token, "action": "cancel"}
    )
    assert cancel.status_code == 200 and not _staged(world)
    world.db.settings = dataclasses.replace(world.db.settings, upload_quota_user_bytes=100)
    big = _upload(client, csrf, "reg.csv", write_csv(tmp_path / "r.csv", [row(41)]).read_bytes())
    assert big.status_code == 422 and "NERVECENTRE_UPLOAD_QUOTA_USER_BYTES" in big.text
    assert not _staged(world)
