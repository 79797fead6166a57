"""The library's pages and REST API: highlights, need-to-know, XSS, upload, similar cases."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient

from nervecentre.library.ingest import add_bytes
from nervecentre.security import tokens
from tests.library.test_library import HINDI, JUDGMENT, case_key
from tests.library.test_similar import PLANTED
from tests.security.conftest import World

Signed = Callable[[str], tuple[TestClient, str]]
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _fill(world: World) -> dict[str, int]:
    a = case_key(world, world.case_a)
    ids = {
        "a": add_bytes(world.db, JUDGMENT.encode(), "a.txt", actor="t", case=a, title=XSS),
        "h": add_bytes(world.db, HINDI.encode(), "h.txt", actor="t"),
        "b": add_bytes(
            world.db, f"{JUDGMENT}\nbravo".encode(), "b.txt", actor="t",
            case=case_key(world, world.case_b),
        ),
    }  # fmt: skip
    for i, text in enumerate(PLANTED):
        ids[f"p{i}"] = add_bytes(world.db, text.encode(), f"p{i}.txt", actor="t")
    return {k: v.document_id or 0 for k, v in ids.items()}


def test_search_page_highlights_and_escapes(world: World, signed_in: Signed) -> None:
    docs = _fill(world)
    client, _ = signed_in("inv")
    page = client.get("/library", params={"q": "massage parlour"})
    assert page.status_code == 200
    assert "<mark>massage</mark> <mark>parlour</mark>" in page.text
    assert f'href="/library/{docs["a"]}"' in page.text
    assert f'href="/library/{docs["b"]}"' not in page.text  # case B is not inv's
    assert "<script>alert" not in page.text and "&lt;script&gt;alert" in page.text
    hindi = client.get("/library", params={"q": "मानव तस्करी"})
    assert "<mark>मानव</mark>" in hindi.text
    listing = client.get("/library")
    assert "5 documents you may see" in listing.text
    assert 'href="/library"' in client.get("/").text  # the nav link


def test_document_page_metadata_cases_and_need_to_know(world: World, signed_in: Signed) -> None:
    docs = _fill(world)
    client, _ = signed_in("inv")
    page = client.get(f"/library/{docs['a']}")
    assert page.status_code == 200
    assert "Court Of The Additional Sessions Judge, Thane" in page.text
    assert "IPC 370" in page.text and "Spa or massage parlour front" in page.text
    assert f'href="/cases/{world.case_a}"' in page.text
    assert "&lt;script&gt;" in page.text and "<script>alert" not in page.text
    assert client.get(f"/library/{docs['b']}").status_code == 404
    other, _ = signed_in("inv-b")
    assert other.get(f"/library/{docs['a']}").status_code == 404
    assert other.get(f"/library/{docs['b']}").status_code == 200


def test_similar_from_the_case_page(world: World, signed_in: Signed) -> None:
    docs = _fill(world)
    client, _ = signed_in("inv")
    case_page = client.get(f"/cases/{world.case_a}")
    assert f'href="/library/similar?case={world.case_a}"' in case_page.text
    page = client.get("/library/similar", params={"case": world.case_a})
    assert page.status_code == 200
    first_rows = page.text.split('class="similar similar-documents"')[1].split("</tr>")[1:4]
    for key in ("p0", "p1", "p2"):
        assert any(f'href="/library/{docs[key]}"' in row for row in first_rows)
    assert "sections: IPC 370" in page.text
    assert client.get("/library/similar", params={"case": world.case_b}).status_code == 404


def test_without_library_view_no_library(world: World, signed_in: Signed) -> None:
    from nervecentre.security import users

    users.create_user(world.db, "aud", "correct horse battery", "auditor", actor="test")
    client, _ = signed_in("aud")
    assert client.get("/library").status_code == 403
    assert 'href="/library"' not in client.get("/account").text


def test_api_search_document_similar(
    world: World, token_for: Callable[[str], dict[str, str]], client: TestClient
) -> None:
    docs = _fill(world)
    headers = token_for("inv")
    hits = client.get("/api/library/search", params={"q": "massage"}, headers=headers).json()
    assert [h["document"] for h in hits] == [docs["a"]]
    assert set(hits[0]) == {"document", "title", "path", "score", "snippet"}
    assert hits[0]["title"] == XSS  # JSON carries data verbatim; pages escape it
    detail = client.get(f"/api/library/documents/{docs['a']}", headers=headers).json()
    assert (
        detail["sections"][:2] == ["IPC 34", "IPC 370"] and detail["cases"][0]["id"] == world.case_a
    )
    assert client.get(f"/api/library/documents/{docs['b']}", headers=headers).status_code == 404
    similar = client.get(f"/api/cases/{world.case_a}/similar", headers=headers).json()
    assert {s["id"] for s in similar if s["kind"] == "document"} >= {docs["p0"], docs["p1"]}
    listing = client.get("/api/library/documents", headers=headers).json()
    assert docs["b"] not in {d["id"] for d in listing}


def test_api_upload_and_hostile_files(
    world: World, token_for: Callable[[str], dict[str, str]], client: TestClient
) -> None:
    headers = token_for("inv")
    ok = client.post(
        "/api/library/documents", headers=headers,
        files={"file": ("j.txt", JUDGMENT.encode(), "text/plain")},
        data={"case": case_key(world, world.case_a), "title": "State v. A-1"},
    )  # fmt: skip
    assert ok.status_code == 201, ok.text
    assert ok.json()["status"] == "added" and ok.json()["title"] == "State v. A-1"
    again = client.post(
        "/api/library/documents", headers=headers, files={"file": ("j2.txt", JUDGMENT.encode())}
    )
    assert again.json() == {**ok.json(), "status": "duplicate"}
    bad = client.post(
        "/api/library/documents", headers=headers, files={"file": ("x.pdf", b"%PDF-1.4 junk")}
    )
    assert bad.status_code == 422 and "corrupt PDF" in bad.json()["detail"]
    _, read_only = tokens.create_token(world.db, "inv", "ro", actor="test", scope="read-only")
    denied = client.post(
        "/api/library/documents", headers={"Authorization": f"Bearer {read_only}"},
        files={"file": ("k.txt", b"text")},
    )  # fmt: skip
    assert denied.status_code == 403
    viewer = client.post(
        "/api/library/documents", headers=token_for("view"), files={"file": ("k.txt", b"text")}
    )
    assert viewer.status_code == 403


def _documents(world: World) -> int:
    from sqlalchemy import func, select

    from nervecentre.library.models import LibraryDocument

    with world.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(LibraryDocument)) or 0)


def test_upload_page_adds_links_and_escapes(world: World, signed_in: Signed) -> None:
    client, csrf = signed_in("inv")
    form = client.get("/library/add")
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text
    assert 'href="/library/add"' in client.get("/library").text
    done = client.post(
        "/library/add",
        data={"csrf_token": csrf, "case": case_key(world, world.case_a), "title": XSS},
        files={"file": (f"{XSS}.txt", JUDGMENT.encode(), "text/plain")},
    )
    assert done.status_code == 200, done.text
    assert "<script>alert" not in done.text and "&lt;script&gt;alert" in done.text
    assert "Added" in done.text and _documents(world) == 1
    again = client.post(
        "/library/add", data={"csrf_token": csrf}, files={"file": ("again.txt", JUDGMENT.encode())}
    )
    assert "Already in the library" in again.text and _documents(world) == 1
    hits = client.get("/library", params={"q": "decoy customer"}).text
    assert "&lt;script&gt;alert" in hits  # the title, searchable and escaped


def test_upload_page_refuses_hostile_input_and_keeps_nothing(
    world: World, signed_in: Signed, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, csrf = signed_in("inv")
    forged = client.post("/library/add", files={"file": ("j.txt", JUDGMENT.encode())})
    assert forged.status_code == 403 and _documents(world) == 0  # no CSRF token
    wrong = client.post(
        "/library/add", data={"csrf_token": "x" * 40}, files={"file": ("j.txt", b"text")}
    )
    assert wrong.status_code == 403
    empty = client.post("/library/add", data={"csrf_token": csrf})
    assert empty.status_code == 422 and "choose a PDF, DOCX or TXT file" in empty.text
    corrupt = client.post(
        "/library/add", data={"csrf_token": csrf, "title": "kept title"},
        files={"file": ("x.pdf", b"%PDF-1.4 junk")},
    )  # fmt: skip
    assert corrupt.status_code == 422 and "corrupt PDF" in corrupt.text
    assert 'value="kept title"' in corrupt.text  # what was typed is kept
    other = client.post(
        "/library/add", data={"csrf_token": csrf, "case": case_key(world, world.case_b)},
        files={"file": ("b.txt", JUDGMENT.encode())},
    )  # fmt: skip
    assert other.status_code == 422  # case B is not inv's: as if it did not exist
    monkeypatch.setattr(world.db, "settings", replace(world.db.settings, max_upload_bytes=100))
    big = client.post(
        "/library/add", data={"csrf_token": csrf}, files={"file": ("big.txt", b"x" * 500)}
    )
    assert big.status_code == 422 and "100-byte limit" in big.text
    assert _documents(world) == 0
    viewer, viewer_csrf = signed_in("view")
    assert viewer.get("/library/add").status_code == 403
    refused = viewer.post(
        "/library/add", data={"csrf_token": viewer_csrf}, files={"file": ("v.txt", b"text")}
    )
    assert refused.status_code == 403 and _documents(world) == 0


def test_document_page_says_which_scanned_pages_could_not_be_read(
    world: World, signed_in: Signed, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nervecentre.library import extract
    from nervecentre.library._pdf import write_pdf

    monkeypatch.setattr(extract, "ocr_available", lambda: False)
    pdf = write_pdf(JUDGMENT, pages_of_scan=1)
    added = add_bytes(world.db, pdf, "scan.pdf", actor="t", case=case_key(world, world.case_a))
    client, _ = signed_in("inv")
    page = client.get(f"/library/{added.document_id}")
    assert page.status_code == 200
    assert "Tesseract not installed (1 scanned page)" in page.text
    assert "Text on those scanned pages is not searchable." in page.text
    assert "2 pages" in page.text
    text_only = add_bytes(world.db, write_pdf(JUDGMENT), "j.pdf", actor="t")
    plain = client.get(f"/library/{text_only.document_id}")
    assert "1 page ·" in plain.text and "not searchable" not in plain.text


def test_link_unlink_restrict_from_the_document_page(world: World, signed_in: Signed) -> None:
    docs = _fill(world)
    client, csrf = signed_in("inv")
    page = client.get(f"/library/{docs['h']}")
    assert 'action="/library/{}/links"'.format(docs["h"]) in page.text
    assert "Restrict this document" in page.text and "Open to the library" not in page.text
    key_a = case_key(world, world.case_a)
    linked = client.post(
        f"/library/{docs['h']}/links", data={"csrf_token": csrf, "case": key_a},
        follow_redirects=False,
    )  # fmt: skip
    assert linked.status_code == 303
    page = client.get(f"/library/{docs['h']}")
    assert f'href="/cases/{world.case_a}"' in page.text
    hidden = client.post(
        f"/library/{docs['h']}/links",
        data={"csrf_token": csrf, "case": case_key(world, world.case_b)},
    )
    assert hidden.status_code == 422 and "no case with FIR" in hidden.text
    unlink = f"/library/{docs['h']}/links/{world.case_a}/unlink"
    assert f'action="{unlink}"' in page.text
    done = client.post(unlink, data={"csrf_token": csrf}, follow_redirects=False)
    assert done.status_code == 303
    assert client.get(f"/library/{docs['h']}").status_code == 404  # restricted: admin's only
    admin, admin_csrf = signed_in("admin")
    restricted = admin.get(f"/library/{docs['h']}")
    assert "<strong>Restricted</strong>" in restricted.text
    assert "Open to the library" in restricted.text
    opened = admin.post(
        f"/library/{docs['h']}/restricted", data={"csrf_token": admin_csrf, "restricted": "no"},
        follow_redirects=False,
    )  # fmt: skip
    assert opened.status_code == 303 and client.get(f"/library/{docs['h']}").status_code == 200
    no_csrf = client.post(f"/library/{docs['h']}/restricted", data={"restricted": "yes"})
    assert no_csrf.status_code == 403
    viewer, _ = signed_in("view")
    assert "Restrict this document" not in viewer.get(f"/library/{docs['h']}").text


def test_api_link_unlink_restrict(
    world: World, app_for: Callable[..., TestClient], token_for: Callable[[str], dict[str, str]]
) -> None:
    docs = _fill(world)
    api = app_for()
    inv = token_for("inv")
    url = f"/api/library/documents/{docs['h']}"
    key_a = case_key(world, world.case_a)
    linked = api.post(f"{url}/links", json={"case": key_a}, headers=inv)
    assert linked.status_code == 200, linked.text
    assert linked.json() == {
        "document": docs["h"], "case": key_a, "restricted": False, "message": f"linked to {key_a}",
    }  # fmt: skip
    hidden = api.delete(f"{url}/links/{world.case_b}", headers=inv)
    missing = api.delete(f"{url}/links/987654321", headers=inv)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["detail"].replace(str(world.case_b), "ID") == missing.json()[
        "detail"
    ].replace("987654321", "ID")
    last = api.delete(f"{url}/links/{world.case_a}", headers=inv)
    assert last.status_code == 200 and last.json()["restricted"] is True
    refused = api.put(f"{url}/restricted", json={"restricted": False}, headers=token_for("sup"))
    assert refused.status_code in (403, 404)
    opened = api.put(f"{url}/restricted", json={"restricted": False}, headers=token_for("admin"))
    assert opened.status_code == 200 and opened.json()["restricted"] is False
