"""Adding documents, searching them with highlights, and need-to-know, on both backends."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select, update

from nervecentre.cases.models import Case
from nervecentre.errors import NotFound, PermissionDenied
from nervecentre.library._pdf import write_pdf
from nervecentre.library.access import require_document
from nervecentre.library.ingest import add_bytes, add_paths
from nervecentre.library.models import LibraryDocument
from nervecentre.library.search import parse_query, search
from nervecentre.library.synth import docx_bytes
from nervecentre.security import audit
from nervecentre.security.models import User
from tests.security.conftest import World

JUDGMENT = """IN THE COURT OF THE ADDITIONAL SESSIONS JUDGE, THANE
Sessions Case No. 41 of 2023
Date of judgment: 14.03.2024
JUDGMENT
The accused stand charged under Sections 370 and 34 of the IPC and Sections 3, 4 and 5 of the ITPA.
The victims from West Bengal were brought to a massage parlour in Thane; a decoy customer was sent.
The accused are convicted and sentenced to rigorous imprisonment for seven years."""
HINDI = """सत्र न्यायालय, मुंबई
निर्णय
अभियुक्तों पर धारा ३७० भादंवि के अंतर्गत मानव तस्करी का आरोप है।
अभियुक्तों ने प्लेसमेंट एजेंसी और नौकरी का झांसा के माध्यम से पीड़ितों को लाया।
आरोपी को दोषी ठहराया गया।"""


def case_key(world: World, case_id: int) -> str:
    with world.db.session() as s:
        return str(s.scalar(select(Case.case_key).where(Case.id == case_id)))


def test_folder_of_files_each_read_bad_ones_reported(world: World, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text(JUDGMENT, encoding="utf-8")
    (folder / "sub" / "b.docx").write_bytes(docx_bytes(HINDI))
    (folder / "c.pdf").write_bytes(write_pdf(JUDGMENT.replace("41", "42")))
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 nonsense")
    (folder / "latin.txt").write_bytes("Procès".encode("cp1252"))
    (folder / "ignored.jpg").write_bytes(b"\xff\xd8")
    seen: list[str] = []
    results = add_paths(
        world.db, [folder], actor=world.user("inv"), progress=lambda a: seen.append(a.status)
    )
    status = {Path(r.path).name: r.status for r in results}
    assert status == {
        "a.txt": "added", "b.docx": "added", "c.pdf": "added", "broken.pdf": "error",
        "latin.txt": "error",
    }  # fmt: skip
    assert len(seen) == 5
    errors = {Path(r.path).name: r.message for r in results if r.status == "error"}
    assert "corrupt PDF" in errors["broken.pdf"]
    assert "not UTF-8" in errors["latin.txt"]
    with world.db.session() as s:
        doc = s.scalars(select(LibraryDocument).where(LibraryDocument.filename == "a.txt")).one()
        assert doc.court == "Court Of The Additional Sessions Judge, Thane"
        assert str(doc.decided_on) == "2024-03-14"
        assert doc.outcome == "conviction"
        assert doc.kind == "judgment"
        assert [x.section_key for x in doc.sections] == [
            "IPC 34", "IPC 370", "ITPA 3", "ITPA 4", "ITPA 5",
        ]  # fmt: skip
        assert [t.tag for t in doc.tags] == ["decoy_customer", "spa_front"]
        hindi = s.scalars(select(LibraryDocument).where(LibraryDocument.filename == "b.docx")).one()
        assert hindi.language == "hi"
        assert [x.section_key for x in hindi.sections] == ["IPC 370"]
        assert {t.tag for t in hindi.tags} == {"fake_job_offer", "placement_agency"}


def test_same_file_is_stored_once_and_linked(world: World) -> None:
    key = case_key(world, world.case_a)
    first = add_bytes(world.db, JUDGMENT.encode(), "j.txt", actor="cli:test")
    again = add_bytes(world.db, JUDGMENT.encode(), "copy.txt", actor="cli:test", case=key)
    assert (first.status, again.status) == ("added", "duplicate")
    assert first.document_id == again.document_id
    with world.db.session() as s:
        doc = s.get(LibraryDocument, first.document_id)
        assert doc is not None and [link.case_id for link in doc.links] == [world.case_a]
    entry = audit.tail(world.db, 1)[0]
    assert entry.action == "library.add"


def test_missing_case_stops_before_any_file(world: World, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(JUDGMENT, encoding="utf-8")
    with pytest.raises(NotFound, match="no case with FIR"):
        add_paths(world.db, [tmp_path / "a.txt"], actor="cli:test", case="nope/2024")
    with pytest.raises(NotFound):  # a case the user may not see is no case to them
        add_paths(
            world.db, [tmp_path / "a.txt"], actor=world.user("inv"),
            case=case_key(world, world.case_b),
        )  # fmt: skip
    with pytest.raises(PermissionDenied, match=r"library\.add"):
        add_paths(world.db, [tmp_path / "a.txt"], actor=world.user("view"))
    with world.db.session() as s:
        assert s.scalar(select(LibraryDocument.id)) is None


def test_search_highlights_english_and_devanagari(world: World) -> None:
    add_bytes(world.db, JUDGMENT.encode(), "j.txt", actor="cli:test")
    add_bytes(world.db, HINDI.encode(), "h.txt", actor="cli:test")
    user = world.user("inv")
    hits = search(world.db, user, "massage parlour")
    assert [h.title for h in hits] == ["IN THE COURT OF THE ADDITIONAL SESSIONS JUDGE, THANE"]
    assert "<mark>massage</mark> <mark>parlour</mark>" in str(hits[0].snippet_html())
    hindi = search(world.db, user, "मानव तस्करी")
    assert len(hindi) == 1
    assert "<mark>मानव</mark>" in str(hindi[0].snippet_html())
    assert "<mark>तस्करी</mark>" in str(hindi[0].snippet_html())
    assert search(world.db, user, "तस्") == []  # a word part is not the word
    assert len(search(world.db, user, "तस्कर*")) == 1
    assert len(search(world.db, user, "convict*")) == 1
    assert search(world.db, user, '"parlour massage"') == []
    assert search(world.db, user, "--") == []
    assert audit.tail(world.db, 1)[0].action == "library.search"


def test_query_parsing_is_safe() -> None:
    terms = parse_query('a"b OR NEAR(x y) "placement agency" *x\x00 तस्कर*')
    assert terms.fts5() == (
        '"a b" AND "or" AND "near x" AND "y" AND "placement agency" AND "x" AND "तस्कर"*'
    )


def test_need_to_know(world: World) -> None:
    a, b = case_key(world, world.case_a), case_key(world, world.case_b)
    add_bytes(world.db, (JUDGMENT + "\nalpha").encode(), "a.txt", actor="cli:t", case=a)
    add_bytes(world.db, (JUDGMENT + "\nbravo").encode(), "b.txt", actor="cli:t", case=b)
    add_bytes(world.db, (JUDGMENT + "\nfree").encode(), "f.txt", actor="cli:t")
    secret = add_bytes(world.db, (JUDGMENT + "\nsealed").encode(), "s.txt", actor="cli:t")
    with world.db.session() as s:
        s.execute(
            update(LibraryDocument)
            .where(LibraryDocument.id == secret.document_id)
            .values(restricted=True)
        )

    def seen(name: str) -> set[str]:
        return {h.path for h in search(world.db, world.user(name), "massage")}

    assert seen("inv") == {"a.txt", "f.txt"}
    assert seen("view") == {"a.txt", "f.txt"}
    assert seen("inv-b") == {"b.txt", "f.txt"}
    assert seen("admin") == {"a.txt", "b.txt", "f.txt", "s.txt"}
    with pytest.raises(PermissionDenied, match=r"library\.view"):
        search(world.db, User(username="aud", role="auditor", active=True), "massage")
    # A link to a visible case makes a document visible at once (kept answers move on).
    add_bytes(world.db, (JUDGMENT + "\nbravo").encode(), "b.txt", actor="cli:t", case=a)
    assert seen("inv") == {"a.txt", "b.txt", "f.txt"}
    with world.db.session() as s, pytest.raises(NotFound):
        require_document(s, world.user("inv"), secret.document_id or 0)


def test_paging_past_invisible_hits(world: World) -> None:
    b = case_key(world, world.case_b)
    for i in range(30):
        add_bytes(world.db, f"{JUDGMENT}\nhidden {i}".encode(), f"h{i}.txt", actor="cli:t", case=b)
    add_bytes(world.db, f"{JUDGMENT}\nopen".encode(), "open.txt", actor="cli:t")
    hits = search(world.db, world.user("inv"), "massage", limit=5)
    assert [h.path for h in hits] == ["open.txt"]
    assert len(search(world.db, world.user("inv-b"), "massage", limit=50)) == 31


def test_huge_file_refused_and_others_added(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(world.db, "settings", replace(world.db.settings, max_upload_bytes=2_000))
    (tmp_path / "huge.txt").write_text("x" * 5_000, encoding="utf-8")
    (tmp_path / "small.txt").write_text(JUDGMENT[:1_000], encoding="utf-8")
    results = {Path(r.path).name: r for r in add_paths(world.db, [tmp_path], actor="cli:t")}
    assert results["huge.txt"].status == "error"
    assert "5,000 bytes, more than the 2,000-byte limit" in results["huge.txt"].message
    assert results["small.txt"].status == "added"


def test_sql_check_and_kept_mask_agree(world: World) -> None:
    if world.db.dialect != "sqlite":
        pytest.skip("masks are SQLite's")
    import numpy as np

    from nervecentre.library import _fts5
    from nervecentre.library.access import generations, visible_in_sql, visible_mask

    a, b = case_key(world, world.case_a), case_key(world, world.case_b)
    for i, case in enumerate([a, b, None, a, b, None]):
        add_bytes(world.db, f"{JUDGMENT}\n{i}".encode(), f"{i}.txt", actor="t", case=case)
    ids = np.arange(0, 12, dtype=np.int64)
    for name in ("inv", "inv-b", "admin", "view"):
        user = world.user(name)
        with world.db.engine.connect() as conn:
            gens = generations(conn)
            assert gens is not None
            in_sql = visible_in_sql(conn, user)(ids)
        by_mask = _fts5.by_mask(visible_mask(world.db, user, gens))(ids)
        assert in_sql.tolist() == by_mask.tolist(), name
        assert in_sql.sum() == {"inv": 4, "inv-b": 4, "admin": 6, "view": 4}[name]


def test_ranking_with_need_to_know_in_sql_is_the_bare_ranking_filtered(world: World) -> None:
    """The mask checked inside the ranking statement (SQLite) gives, page after page, what
    FTS5's own ranking gives once the invisible hits are dropped; so does the SQL check."""
    if world.db.dialect != "sqlite":
        pytest.skip("masks are SQLite's")
    from sqlalchemy import text

    from nervecentre.library import _fts5
    from nervecentre.library.access import generations, visible_in_sql, visible_mask

    a, b = case_key(world, world.case_a), case_key(world, world.case_b)
    for i in range(45):
        case = [a, b, None][i % 3]
        body = f"{JUDGMENT}\n" + "massage " * (i % 7) + f"doc {i}"
        add_bytes(world.db, body.encode(), f"{i}.txt", actor="t", case=case)
    bare = "SELECT rowid FROM search_library WHERE search_library MATCH 'massage' ORDER BY rank"
    with world.db.engine.connect() as conn:
        ranked = [int(r[0]) for r in conn.execute(text(bare))]
        gens = generations(conn)
    assert gens is not None
    marks = ("[", "]", 8)
    for name in ("inv", "inv-b", "admin", "view"):
        user = world.user(name)
        mask = visible_mask(world.db, user, gens)
        expected = [d for d in ranked if mask[d]]
        paged = [
            h.document
            for offset in range(0, 50, 7)
            for h in search(world.db, user, "massage", limit=7, offset=offset)
        ]
        assert paged == expected, name
        with world.db.engine.connect() as conn:
            checked = _fts5.page_checked(conn, '"massage"', visible_in_sql(conn, user), 3, 9, marks)
        assert [c[0] for c in checked] == expected[3:12], name
        assert all("[massage]" in c[2] for c in checked)
