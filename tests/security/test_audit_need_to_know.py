"""Reading the audit log follows need-to-know: entries about a case only for those who may
see it, other users' searches only for auditors, victims' values masked for everyone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from nervecentre.cases import views
from nervecentre.cases.people import Person
from nervecentre.errors import InvalidValue, NotFound, PermissionDenied
from nervecentre.security import audit
from nervecentre.security.audit_view import AuditFilter, LogEntry, export_csv, read_log
from nervecentre.security.models import AuditTarget
from nervecentre.store.db import Database
from tests.security.audit_scene import FACTS, PHONE, Scene, make_scene
from tests.security.conftest import make_world


@pytest.fixture
def scene(db: Database, tmp_path: Path, fast_hashing: None) -> Scene:
    return make_scene(make_world(db, tmp_path))


def _log(scene: Scene, name: str, **filters: str) -> list[LogEntry]:
    who = scene.world.user(name) if name != "cli" else "cli:test"
    return read_log(scene.world.db, who, AuditFilter.parse(**filters), limit=1000)


def _about_case(entries: list[LogEntry], case_id: int) -> list[LogEntry]:
    return [e for e in entries if e.target_type == "case" and e.target_id == str(case_id)]


def _text(entries: list[LogEntry]) -> str:
    return "\n".join(f"{e.actor} {e.action} {e.target_id} {e.detail_text}" for e in entries)


def test_a_supervisor_not_named_on_a_restricted_case_reads_none_of_its_entries(
    scene: Scene,
) -> None:
    world = scene.world
    with pytest.raises(NotFound):
        views.case_detail(world.db, world.user("sup"), world.case_a)
    seen = _log(scene, "sup")
    assert _about_case(seen, world.case_a) == []
    assert FACTS not in _text(seen) and "Victims were brought" not in _text(seen)
    # Not by asking for it either.
    assert _log(scene, "sup", target_type="case", target_id=str(world.case_a)) == []
    assert _log(scene, "sup", text="constable") == []
    # A supervisor named on it still reads them, the auditor and the admin too.
    for name in ("sup-named", "aud", "admin"):
        about = _about_case(_log(scene, name), world.case_a)
        assert {"case.update", "case.view", "case.restrict"} <= {e.action for e in about}, name


def test_a_supervisor_of_another_unit_reads_none_of_its_entries(
    db: Database, tmp_path: Path, fast_hashing: None
) -> None:
    scene = make_scene(make_world(db, tmp_path), restrict=False)
    world = scene.world
    seen = _log(scene, "sup-b")
    assert _about_case(seen, world.case_a) == [] and FACTS not in _text(seen)
    # Their own unit's case, yes; the unit A supervisor reads case A's, not case B's.
    assert _about_case(seen, world.case_b)
    mine = _log(scene, "sup")
    assert _about_case(mine, world.case_a) and not _about_case(mine, world.case_b)


def test_other_users_searches_are_for_auditors_only(scene: Scene) -> None:
    searches = _log(scene, "sup", action="search")
    assert [e.actor for e in searches] == ["sup"]  # their own, and nobody else's
    assert PHONE not in _text(_log(scene, "sup"))
    assert _log(scene, "sup", text=PHONE) == []
    audited = {e.actor for e in _log(scene, "aud", action="search")}
    assert audited == {"sup", "inv-b"} and PHONE in _text(_log(scene, "aud"))
    assert PHONE in _text(_log(scene, "cli"))  # the command-line operator holds the database


def test_who_may_read_the_log_at_all(scene: Scene) -> None:
    for name in ("ana", "view", "inv-b"):
        with pytest.raises(PermissionDenied, match=r"audit\.view"):
            _log(scene, name)
    assert _log(scene, "aud")  # an auditor sees no case, but reads the whole log


def test_an_entry_about_a_case_one_cannot_see_is_hidden_even_if_it_names_a_visible_one(
    scene: Scene,
) -> None:
    world = scene.world
    # A link from B to A names both: the unit B supervisor may not read it.
    audit.record(world.db, "inv-b", "case.link", "case", world.case_b,
                 {"other_case_id": world.case_a, "after": {"link": "A-key"}})  # fmt: skip
    links = _log(scene, "sup-b", action="case.link")
    assert links == []
    assert [e.target_id for e in _log(scene, "admin", action="case.link")] == [str(world.case_b)]


def test_victims_values_are_masked_for_every_reader_and_not_searchable(scene: Scene) -> None:
    world = scene.world
    with world.db.session() as s:
        victim = s.get(Person, scene.victim_b)
        assert victim is not None and victim.protected
        code = victim.code
    # An entry written before victims' values were kept out of the log (or by an older tool).
    legacy = {"code": code, "before": {"name": "Rina Das", "age": 16},
              "after": {"name": "Rina D.", "contact": "9123456780", "age": 17}}  # fmt: skip
    audit.record(world.db, "legacy", "person.update", "person", scene.victim_b, legacy)
    for name in ("sup-b", "aud", "admin", "cli"):
        found = _log(scene, name, action="person.update")
        assert len(found) == 1, name
        detail = found[0].detail
        assert detail["before"] == {"name": "(protected)", "age": 16}
        assert detail["after"] == {"name": "(protected)", "contact": "(protected)", "age": 17}
        assert detail["code"] == code
        for probe in ("Rina", "9123456780"):
            assert _log(scene, name, action="person.update", text=probe) == [], (name, probe)


def test_filters_dates_text_and_paging(scene: Scene) -> None:
    world = scene.world
    old = datetime.now(UTC) - timedelta(days=400)
    with pytest.raises(InvalidValue):
        AuditFilter.parse(since="14/03/2024")
    with pytest.raises(InvalidValue, match="ends before"):
        AuditFilter.parse(since="2024-03-02", until="2024-03-01")
    with pytest.raises(InvalidValue):
        AuditFilter.parse(text="x" * 201)
    with pytest.raises(InvalidValue):
        AuditFilter.parse(action="case.veiw")
    everything = _log(scene, "aud")
    assert [e.id for e in everything] == sorted((e.id for e in everything), reverse=True)
    today = datetime.now(UTC).date().isoformat()
    dated = {e.id for e in _log(scene, "aud", since=today, until=today)}
    assert dated >= {e.id for e in everything}  # (and the reads since)
    assert _log(scene, "aud", until=old.date().isoformat()) == []
    # Text: case-insensitive, in the detail; % and _ are plain characters.
    assert {e.action for e in _log(scene, "aud", text="CONSTABLE")} == {"case.update"}
    assert _log(scene, "aud", text="%") == [] and _log(scene, "aud", text="case_ke")
    pages: list[int] = []
    before = None
    while True:
        page = read_log(world.db, world.user("aud"), before_id=before, limit=3)
        if not page:
            break
        pages += [e.id for e in page]
        before = page[-1].id
    assert len(pages) == len(set(pages)) and set(pages) >= {e.id for e in everything}


def test_reading_is_audited_with_its_filters(scene: Scene) -> None:
    world = scene.world
    _log(scene, "sup", text="needle", since="2024-01-01")
    entry = audit.tail(world.db, 1)[0]
    assert (entry.actor, entry.action) == ("sup", "audit.view")
    assert entry.details == {"text": "needle", "since": "2024-01-01"}
    # That entry concerns no case: the supervisor reads it (theirs), nobody else but auditors.
    assert entry.id in {e.id for e in _log(scene, "sup", action="audit.view")}
    assert entry.id not in {e.id for e in _log(scene, "sup-b", action="audit.view")}


def test_csv_export_is_the_same_selection_inert_and_audited(scene: Scene) -> None:
    world = scene.world
    audit.record(world.db, "=cmd|' /C calc'!A0", "search", detail={"q": "@SUM(1)"})
    text = "".join(export_csv(world.db, world.user("sup")))
    assert FACTS not in text and PHONE not in text and "calc" not in text
    assert text.splitlines()[0] == "id,at_utc,actor,action,target_type,target_id,detail,ip"
    assert audit.tail(world.db, 1)[0].details == {"format": "csv"}
    full = "".join(export_csv(world.db, world.user("aud")))
    assert FACTS in full and PHONE in full
    assert ",'=cmd|" in full and "'@SUM" not in full  # a formula-like cell is quoted


def test_every_entry_about_a_case_or_person_is_tied_to_its_cases(scene: Scene) -> None:
    world = scene.world
    with world.db.session() as s:
        targets = {(t.entry_id, t.case_id) for t in s.scalars(select(AuditTarget))}
    entries = audit.find(world.db, limit=1000)
    for e in entries:
        if e.target_type == "case" and e.target_id.isdigit():
            assert (e.id, int(e.target_id)) in targets, e.action
    tied = {entry_id for entry_id, _ in targets}
    assert all(e.id not in tied for e in entries if e.action == "search")
