"""Uploading complaint files through the browser form: CSRF, clear errors, hostile input."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from nervecentre.scams.models import ScamComplaint, ScamMessage
from tests.scams.messages import scam_email
from tests.security.conftest import World
from tests.web.conftest import csrf_of

SignedIn = Callable[[str], tuple[TestClient, str]]
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _count(world: World, table: type) -> int:
    with world.db.session() as s:
        return s.scalar(select(func.count()).select_from(table)) or 0


def test_upload_imports_good_files_and_lists_the_bad(signed_in: SignedIn, world: World) -> None:
    client, csrf = signed_in("inv")
    form = client.get("/scams/upload")
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text
    chat = f"12/03/2024, 10:15 - +91 98765 43210: {XSS} pay to ravi.k@ybl\n".encode()
    email = scam_email("Asha", message_id="<u1@x>").as_bytes()
    latin1 = "Zahlen Sie an ravi.k@ybl – sofort ä".encode("cp1252")  # not UTF-8
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100  # an Outlook header, no body
    named = [
        ("scam.eml", email),
        ("chat.txt", chat),
        ("latin1.txt", latin1),
        ("corrupt.msg", ole),
        ("empty.txt", b""),
        ("../../etc/passwd", b"pay 1BoatSLRHtKNngkdXEeobR76b53LETtpyT"),
    ]
    files = [("files", (name, data, "application/octet-stream")) for name, data in named]
    page = client.post("/scams/upload", data={"csrf_token": csrf}, files=files)
    assert page.status_code == 200, page.text
    assert 'id="upload-result"' in page.text
    assert "corrupt.msg" in page.text and "empty.txt" in page.text  # each with its reason
    assert "<script>alert" not in page.text
    assert _count(world, ScamMessage) == 4  # the e-mail, the chat, the cp1252 text, the path one
    with world.db.session() as s:
        paths = set(s.scalars(select(ScamComplaint.path)))
    assert "upload:../../etc/passwd" in paths and "upload:latin1.txt" in paths
    message = client.get("/scams/messages")
    assert "<script>alert" not in message.text


def test_upload_refuses_without_csrf_files_or_permission(signed_in: SignedIn, world: World) -> None:
    client, csrf = signed_in("inv")
    files = [("files", ("a.txt", b"pay to ravi.k@ybl", "text/plain"))]
    assert client.post("/scams/upload", files=files).status_code == 403
    assert client.post("/scams/upload", data={"csrf_token": "x"}, files=files).status_code == 403
    empty = client.post("/scams/upload", data={"csrf_token": csrf})
    assert empty.status_code == 422 and "choose one or more complaint files" in empty.text
    viewer, view_csrf = signed_in("view")
    assert viewer.get("/scams/upload").status_code == 403
    denied = viewer.post("/scams/upload", data={"csrf_token": view_csrf}, files=files)
    assert denied.status_code == 403
    assert 'href="/scams/upload"' not in viewer.get("/scams").text
    assert 'href="/scams/upload"' in client.get("/scams").text
    assert _count(world, ScamMessage) == 0


def test_upload_over_the_cap_is_refused_with_nothing_written(
    signed_in: SignedIn, world: World, tmp_path: Path
) -> None:
    world.db.settings = dataclasses.replace(world.db.settings, max_upload_bytes=10_000)
    client, csrf = signed_in("inv")
    files = [
        ("files", ("ok.txt", b"pay to ravi.k@ybl", "text/plain")),
        ("files", ("huge.txt", b"pay now " * 5_000, "text/plain")),
    ]
    page = client.post("/scams/upload", data={"csrf_token": csrf}, files=files)
    assert page.status_code == 422 and "huge.txt" in page.text and "upload cap" in page.text
    assert csrf_of(page.text)  # the form is there again
    assert _count(world, ScamMessage) == 0
    staged = world.db.settings.data_dir / "uploads" / "scams"
    assert not staged.exists() or not any(staged.iterdir())  # staging removed
    unknown = client.post(
        "/scams/upload", data={"csrf_token": csrf, "case": "NO-SUCH-FIR"}, files=files[:1]
    )
    assert unknown.status_code in (403, 404, 422) and "NO-SUCH-FIR" in unknown.text
