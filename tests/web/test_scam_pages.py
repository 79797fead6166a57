"""The sextortion tracker's pages and API: need-to-know, permissions, escaping, audit."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import stix2
from fastapi.testclient import TestClient
from sqlalchemy import select

from nervecentre.cases.models import Case
from nervecentre.scams.models import ScamComplaint, ScamMessage
from nervecentre.scams.service import import_complaints
from nervecentre.security import audit, users
from tests.scams.messages import TEMPLATE_B, scam_email, write
from tests.security.conftest import PASSWORD, World
from tests.web.conftest import sign_in

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _load(world: World, tmp_path: Path) -> None:
    write(
        tmp_path / "free" / "a.eml", scam_email("Asha", message_id="<a@x>", subject=XSS).as_bytes()
    )
    write(tmp_path / "free" / "b.eml", scam_email("Ravi", message_id="<b@x>").as_bytes())
    text = TEMPLATE_B.replace("+91 98765 43210", "098765 43001")  # case A's accused's phone
    write(
        tmp_path / "inb" / "c.eml",
        scam_email("Meena", message_id="<c@x>", template=text, wallet="salim9@ybl").as_bytes(),
    )
    with world.db.session() as s:
        key_b = s.scalar(select(Case.case_key).where(Case.id == world.case_b))
    import_complaints(world.db, [tmp_path / "free"], operator="t")
    import_complaints(world.db, [tmp_path / "inb"], operator="t", case=key_b)  # fmt: skip


def _client(app_for: Callable[..., TestClient], name: str) -> TestClient:
    client = app_for()
    sign_in(client, name)
    return client


def _campaign_of(world: World, message_id: str) -> int:
    with world.db.session() as s:
        return int(s.scalar(select(ScamMessage.campaign_id).where(
            ScamMessage.message_id == message_id)) or 0)  # fmt: skip


def test_pages_show_campaigns_and_escape_subjects(
    world: World, tmp_path: Path, app_for: Callable[..., TestClient]
) -> None:
    _load(world, tmp_path)
    client = _client(app_for, "inv")
    page = client.get("/scams")
    assert page.status_code == 200 and 'href="/scams"' in page.text
    big = _campaign_of(world, "<a@x>")
    detail = client.get(f"/scams/campaigns/{big}")
    assert detail.status_code == 200
    assert "<svg" in detail.text and "0.24 BTC" in detail.text  # 2 messages x 0.12
    assert "<script>alert" not in detail.text and "&lt;script&gt;" in detail.text
    with world.db.session() as s:
        mid = s.scalar(select(ScamMessage.id).where(ScamMessage.message_id == "<a@x>"))
    message = client.get(f"/scams/messages/{mid}")
    assert message.status_code == 200
    assert "<script>alert" not in message.text and "onerror=alert" not in message.text.replace(
        "&lt;img src=x onerror=alert(1)&gt;", ""
    )
    assert audit.tail(world.db, 1)[0].action == "scam.view"
    assert client.get("/scams/indicators?kind=btc").status_code == 200
    assert client.get("/scams/messages").status_code == 200


def test_need_to_know_pages_and_api(
    world: World, tmp_path: Path, app_for: Callable[..., TestClient]
) -> None:
    _load(world, tmp_path)
    hidden = _campaign_of(world, "<c@x>")
    inv = _client(app_for, "inv")
    assert inv.get(f"/scams/campaigns/{hidden}").status_code == 404
    assert inv.get(f"/api/scams/campaigns/{hidden}").status_code == 404
    assert all(c["id"] != hidden for c in inv.get("/api/scams/campaigns").json())
    assert "salim9@ybl" not in inv.get("/api/scams/indicators").text
    admin = _client(app_for, "admin")
    data = admin.get(f"/api/scams/campaigns/{hidden}").json()
    assert data["indicators"]["upi"][0]["value"] == "salim9@ybl"
    [lead] = data["leads"]
    assert lead["case_id"] == world.case_a and lead["kind"] == "phone"
    # The other side: case A's page names the campaign its accused's phone is in.
    case_page = admin.get(f"/cases/{world.case_a}")
    assert 'id="scam-links"' in case_page.text and f'/scams/campaigns/{hidden}"' in case_page.text
    exported = admin.get(f"/api/scams/campaigns/{hidden}/export?format=stix")
    assert exported.status_code == 200
    assert stix2.parse(exported.text).type == "bundle"
    assert admin.get(f"/api/scams/campaigns/{hidden}/export?format=misp").json()["Event"]


def test_roles_without_the_permissions(
    world: World, tmp_path: Path, app_for: Callable[..., TestClient]
) -> None:
    _load(world, tmp_path)
    users.create_user(world.db, "aud", PASSWORD, "auditor", actor="test")
    auditor = _client(app_for, "aud")
    assert auditor.get("/scams").status_code == 403
    assert auditor.get("/api/scams/campaigns").status_code == 403
    assert 'href="/scams"' not in auditor.get("/").text
    viewer = _client(app_for, "view")
    big = _campaign_of(world, "<a@x>")
    assert viewer.get(f"/scams/campaigns/{big}").status_code == 200
    assert viewer.get(f"/api/scams/campaigns/{big}/export?format=csv").status_code == 403


def test_upload_complaints_through_the_api(
    world: World, tmp_path: Path, app_for: Callable[..., TestClient]
) -> None:
    client = app_for()
    csrf = sign_in(client, "inv")
    files = [
        ("files", ("../../etc/a.eml", scam_email("Asha", message_id="<u1@x>").as_bytes())),
        ("files", ("bad.bin", b"\x00\x01binary")),
    ]
    refused = client.post("/api/scams/complaints", files=files)
    assert refused.status_code == 403  # no CSRF header
    answer = client.post("/api/scams/complaints", files=files, headers={"x-csrf-token": csrf})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["new_messages"] == 1
    assert body["errors"] == [
        {"file": "upload:bad.bin", "message": None, "error": "a binary file, not a message"}
    ]
    with world.db.session() as s:
        assert s.scalar(select(ScamComplaint.path)) == "upload:../../etc/a.eml"
    assert not list((world.db.settings.data_dir / "uploads" / "scams").iterdir())
    viewer = app_for()
    token = sign_in(viewer, "view")
    denied = viewer.post("/api/scams/complaints", files=files, headers={"x-csrf-token": token})
    assert denied.status_code == 403
