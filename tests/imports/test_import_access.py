"""Imports act for a user: need-to-know on every row, every case written audited against
it; checks and imports leave the database to others; staged uploads are private, bounded
and removed."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import sqlite3
import stat
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from nervecentre.cases.models import Case, CaseLink
from nervecentre.cases.people import CaseRole
from nervecentre.cases.records import case_key
from nervecentre.cli.main import app
from nervecentre.errors import InputFileError, InvalidValue, NotFound
from nervecentre.imports import ImportReport, import_register, uploads
from nervecentre.security import grants, users
from nervecentre.security.case_writes import REFUSED
from nervecentre.security.models import AuditEntry
from nervecentre.store.db import Database
from tests.imports.registers import row, write_csv
from tests.security.conftest import FAST, UNIT_A, UNIT_B, World, make_world

FOREIGN = {"District": "Palghar", "Police Station": "Boisar"}


@pytest.fixture
def world(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    """Cases A (unit A) and B (unit B), and a user of every role ("inv": unit A)."""
    monkeypatch.setattr(users, "hasher", lambda: FAST)
    return make_world(db, tmp_path)


def _key(world: World, case_id: int) -> str:
    with world.db.session() as s:
        return str(s.scalar(select(Case.case_key).where(Case.id == case_id)))


def _snapshot(db: Database, key: str) -> dict[str, Any] | None:
    """Everything of a case an import could change, or None when there is no such case."""
    with db.session() as s:
        case = s.scalars(select(Case).where(Case.case_key == key)).first()
        if case is None:
            return None
        values = {c.name: getattr(case, c.name) for c in Case.__table__.columns}
        values["roles"] = s.scalar(select(func.count()).where(CaseRole.case_id == case.id))
        values["links"] = s.scalar(select(func.count()).where(CaseLink.case_id == case.id))
        return values


def _restricted(world: World, tmp_path: Path) -> int:
    """A restricted case of inv's own unit (FIR 3), named to the supervisor only."""
    import_register(world.db, write_csv(tmp_path / "three.csv", [row(3)]))
    with world.db.session() as s:
        case_id = s.scalar(select(Case.id).where(Case.case_key == case_key(UNIT_A, 2023, "3")))
    assert case_id is not None
    grants.restrict_case(world.db, world.user("admin"), case_id, ["sup"], "a witness at risk")
    return int(case_id)


def _said(report: ImportReport) -> str:
    """Everything a report tells its reader."""
    fields = ("rows_read", "cases_created", "cases_updated", "people", "rejected_rows")
    told = [getattr(report, f) for f in fields]
    return repr((told, report.rejects, report.warnings, report.kept_edits))


def test_rows_of_other_units_and_restricted_cases_are_refused_alike(
    world: World, tmp_path: Path
) -> None:
    db, inv = world.db, world.user("inv")
    restricted = _restricted(world, tmp_path)
    others = [_key(world, world.case_b), _key(world, restricted), case_key(UNIT_B, 2023, "77")]
    before = {k: _snapshot(db, k) for k in others}
    path = write_csv(
        tmp_path / "reg.csv",
        [
            row(1, **{"Brief Facts": "Updated by the unit"}),  # inv's own case
            row(2, **FOREIGN, **{"Brief Facts": "Overwritten?"}),  # case B, another unit's
            row(77, **FOREIGN),  # no such case, in another unit
            row(3, **{"Brief Facts": "Overwritten?"}),  # restricted, in inv's own unit
            row(10),  # new, in inv's unit
        ],
    )
    for dry_run in (True, False):
        report = import_register(db, path, user=inv, actor="test", dry_run=dry_run)
        told = (report.cases_created, report.cases_updated, report.rejected_rows)
        assert told == (1, 1, 3), dry_run
        assert {r.row: r.reason for r in report.rejects} == {3: REFUSED, 4: REFUSED, 5: REFUSED}
    assert {k: _snapshot(db, k) for k in others} == before  # untouched, none created
    mine = _snapshot(db, _key(world, world.case_a))
    assert mine is not None and mine["brief_facts"] == "Updated by the unit"
    assert _snapshot(db, case_key(UNIT_A, 2023, "10")) is not None


def test_a_foreign_fir_reads_the_same_whether_it_exists_or_not(
    world: World, tmp_path: Path
) -> None:
    db, inv = world.db, world.user("inv")
    foreign = case_key(UNIT_B, 2023, "78")
    # FIR 78 of another unit, and a case of inv's own unit naming it as related.
    rows = [row(78, **FOREIGN), row(11, **{"Related FIRs": foreign})]
    path = write_csv(tmp_path / "reg.csv", rows)
    absent = _said(import_register(db, path, user=inv, dry_run=True))
    import_register(db, write_csv(tmp_path / "b.csv", [row(78, **FOREIGN)]))  # now it exists
    present = _said(import_register(db, path, user=inv, dry_run=True))
    assert absent == present and REFUSED in present and "was not linked" in present
    report = import_register(db, path, user=inv)
    assert _said(report) == present  # the import says what its check said
    own = _snapshot(db, case_key(UNIT_A, 2023, "11"))
    assert own is not None and own["links"] == 0  # no link to a case inv may not see


def _entries(db: Database, case_id: int) -> list[AuditEntry]:
    """The entries about a case: those naming it in their detail's ``cases``, or as target."""
    with db.session() as s:
        every = list(s.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    return [
        e
        for e in every
        if case_id in json.loads(e.detail).get("cases", [])
        or (e.target_type == "case" and e.target_id == str(case_id))
    ]


def test_every_case_an_import_writes_or_a_check_reads_is_audited_against_it(
    world: World, tmp_path: Path
) -> None:
    db, inv = world.db, world.user("inv")
    path = write_csv(tmp_path / "reg.csv", [row(1, **{"Brief Facts": "New facts"}), row(12)])
    import_register(db, path, user=inv, actor="web", dry_run=True, ip="10.0.0.7")
    check = _entries(db, world.case_a)[-1]
    assert (check.actor, check.action, check.target_type) == ("inv", "import.run", "import_check")
    assert json.loads(check.detail)["dry_run"] is True and check.ip == "10.0.0.7"
    report = import_register(db, path, user=inv, actor="web", ip="10.0.0.7")
    with db.session() as s:
        new = s.scalar(select(Case.id).where(Case.case_key == case_key(UNIT_A, 2023, "12")))
    assert new is not None
    for case_id, action in ((world.case_a, "case.update"), (new, "case.create")):
        entry = _entries(db, case_id)[-1]
        assert (entry.actor, entry.action, entry.ip) == ("inv", action, "10.0.0.7")
        detail = json.loads(entry.detail)
        assert detail["import_batch"] == report.batch_id and detail["operator"] == "web"
    (summary,) = [
        e
        for e in _entries_of_batch(db, report.batch_id)
        if e.action == "import.run" and e.target_type == "import_batch"
    ]
    assert json.loads(summary.detail)["created"] == 1
    assert all(e.actor != "inv" for e in _entries(db, world.case_b))  # B: not read, not written


def _entries_of_batch(db: Database, batch: int | None) -> list[AuditEntry]:
    with db.session() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.target_id == str(batch))))


runner = CliRunner()


def test_cli_import_says_whose_authority_and_applies_it(world: World, tmp_path: Path) -> None:
    db = world.db
    env = {"NERVECENTRE_DATABASE_URL": db.url, "NERVECENTRE_DATA_DIR": str(db.settings.data_dir)}
    path = write_csv(tmp_path / "reg.csv", [row(2, **FOREIGN), row(13)])
    before = _snapshot(db, _key(world, world.case_b))
    unsaid = runner.invoke(app, ["import", str(path)], env=env)
    assert unsaid.exit_code == 2 and "--as-installation" in unsaid.output
    done = runner.invoke(app, ["import", str(path), "--as", "inv"], env=env)
    assert done.exit_code == 0, done.output
    assert "Importing as inv" in done.output and "1 cases were created" in done.output
    assert "1 rejected" in done.output and "not imported" in done.output
    assert _snapshot(db, _key(world, world.case_b)) == before
    entry = _entries(db, _case_id(db, case_key(UNIT_A, 2023, "13")))[-1]
    assert entry.actor == "inv" and json.loads(entry.detail)["operator"].startswith("cli")
    viewer = runner.invoke(app, ["import", str(path), "--as", "view"], env=env)
    assert viewer.exit_code == 77 and "import.run" in viewer.output  # a viewer may not import
    everything = runner.invoke(app, ["import", str(path), "--as-installation"], env=env)
    assert everything.exit_code == 0 and "installation's own authority" in everything.output
    assert json.loads(_entries(db, world.case_b)[-1].detail)["authority"] == "installation"


def _case_id(db: Database, key: str) -> int:
    with db.session() as s:
        found = s.scalar(select(Case.id).where(Case.case_key == key))
    assert found is not None
    return int(found)


def _write_from_elsewhere(db: Database, case_id: int) -> float:
    """Seconds another connection takes to write (a case's row) while an import runs."""
    started = time.monotonic()
    if db.dialect == "sqlite":
        other = sqlite3.connect(db.url.removeprefix("sqlite:///"), timeout=5)
        try:
            other.execute("UPDATE cases SET status = status WHERE id = ?", (case_id,))
            other.commit()
        finally:
            other.close()
    else:
        with db.engine.connect() as conn:
            conn.execute(text("SET lock_timeout = '5s'"))
            conn.execute(text("UPDATE cases SET status = status WHERE id = :i"), {"i": case_id})
            conn.commit()
    return time.monotonic() - started


@pytest.mark.parametrize("dry_run", [True, False], ids=["check", "import"])
def test_another_connection_writes_while_an_import_or_its_check_runs(
    world: World, tmp_path: Path, dry_run: bool
) -> None:
    db = world.db
    db.settings = dataclasses.replace(db.settings, import_batch_size=1)
    # FIR 1 (case A) is written first; the other rows are read after its batch.
    changed = {"Brief Facts": "Changed while others work"}
    path = write_csv(tmp_path / "reg.csv", [row(1, **changed), row(14), row(15)])
    waits: list[float] = []

    def progress(_n: int) -> None:
        waits.append(_write_from_elsewhere(db, world.case_a))

    report = import_register(db, path, dry_run=dry_run, progress=progress)
    assert report.cases_ok == 3 and len(waits) == 3
    assert max(waits) < 1.0, waits  # it waited for a batch at most, never for the import


# Staged uploads -------------------------------------------------------------------------


def _stage(world: World, name: str, content: bytes, user: str = "inv") -> uploads.StagedUpload:
    return uploads.stage_upload(world.db, world.user(user), name, io.BytesIO(content))


def _folder(world: World, user: str = "inv") -> Path:
    return world.db.settings.data_dir / "uploads" / str(world.user(user).id)


def _register_bytes(tmp_path: Path, *rows: dict[str, Any]) -> bytes:
    return write_csv(tmp_path / "scratch.csv", list(rows)).read_bytes()


def test_staged_registers_are_private_and_named_as_the_user_named_them(
    world: World, tmp_path: Path
) -> None:
    staged = _stage(world, "../Thane Register\x00 2023.csv", _register_bytes(tmp_path, row(16)))
    assert staged.filename == "Thane Register_ 2023.csv"
    folder = _folder(world) / staged.token
    for path in (folder.parent.parent, folder.parent, folder):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700, path
    assert stat.S_IMODE((folder / staged.filename).stat().st_mode) == 0o600
    with pytest.raises(NotFound):  # another user cannot check, confirm or cancel it
        uploads.check_upload(world.db, world.user("sup"), staged.token)
    uploads.discard_upload(world.db, world.user("sup"), staged.token)
    assert folder.is_dir()
    uploads.discard_upload(world.db, world.user("inv"), staged.token)  # cancel
    assert not folder.exists()


def test_staged_registers_are_removed_on_failure_and_on_confirm(
    world: World, tmp_path: Path
) -> None:
    bad = _stage(world, "Bad Register.csv", b"Name,Amount\nRavi,10\n")
    with pytest.raises(InputFileError) as refused:
        uploads.check_upload(world.db, world.user("inv"), bad.token)
    assert "Bad Register.csv" in str(refused.value) and bad.token not in str(refused.value)
    assert not (_folder(world) / bad.token).exists()
    good = _stage(world, "good.csv", _register_bytes(tmp_path, row(17)))
    uploads.check_upload(world.db, world.user("inv"), good.token)
    assert (_folder(world) / good.token).is_dir()
    report = uploads.confirm_upload(world.db, world.user("inv"), good.token)
    assert report.cases_created == 1 and not (_folder(world) / good.token).exists()
    with pytest.raises(InvalidValue):
        _stage(world, "photo.jpg", b"\xff\xd8")
    assert not any(_folder(world).iterdir())


def test_staged_registers_are_bounded_and_expire(world: World, tmp_path: Path) -> None:
    content = _register_bytes(tmp_path, row(18))
    size = len(content)
    # Room for two such files per user, and three in all.
    mine, everyone = int(size * 2.5), int(size * 3.5)
    world.db.settings = dataclasses.replace(
        world.db.settings, upload_quota_user_bytes=mine, upload_quota_total_bytes=everyone
    )
    first = _stage(world, "one.csv", content)
    _stage(world, "two.csv", content)
    with pytest.raises(InputFileError, match=rf"three\.csv was not kept.*your {mine:,} bytes"):
        _stage(world, "three.csv", content)
    _stage(world, "four.csv", content, user="sup")
    with pytest.raises(InputFileError, match=rf"on this server would take more than {everyone:,}"):
        _stage(world, "five.csv", content, user="sup")
    assert len(list(_folder(world).iterdir())) == 2  # nothing of the refused ones is left
    old = time.time() - world.db.settings.upload_max_age_minutes * 60 - 5
    os.utime(_folder(world) / first.token, (old, old))
    assert uploads.expire_uploads(world.db) == 1
    assert not (_folder(world) / first.token).exists()
    _stage(world, "three.csv", content)  # room again
