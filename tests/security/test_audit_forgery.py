"""Forgeries `audit verify` must report: a row put beyond the head, times going backwards, and
a cut-off or rewritten tail with the head rewound to match (caught by the checkpoint file)."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from nervecentre.cli.main import app
from nervecentre.errors import ConfigError, InvalidValue
from nervecentre.security import audit
from nervecentre.security.audit_checkpoint import checkpoint, checkpoint_file, parse_line
from nervecentre.security.audit_verify import verify
from nervecentre.security.models import AuditEntry, AuditHead
from nervecentre.store.db import Database
from tests.security.conftest import attacker

runner = CliRunner()


def _env(db: Database) -> dict[str, str]:
    return {"NERVECENTRE_DATABASE_URL": db.url, "NERVECENTRE_DATA_DIR": str(db.settings.data_dir)}


def _cli_verify(db: Database, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["audit", "verify", *args], env=_env(db))
    return result.exit_code, result.output


def fill(db: Database, n: int = 10) -> None:
    for i in range(1, n + 1):
        audit.record(db, "inv", "case.view", "case", i, {"n": i}, ip=f"10.0.0.{i}")


def _entry(db: Database, entry_id: int) -> AuditEntry:
    with db.session() as s:
        found = s.get(AuditEntry, entry_id)
    assert found is not None
    return found


def _forge(conn: object, entry_id: int, prev: AuditEntry, at: datetime, **fields: str) -> str:
    """Insert a correctly chained entry after ``prev``; return its hash."""
    values = {"actor": "inv", "action": "victim.reveal", "target_type": "person",
              "target_id": "7", "detail": '{"reason":"forged"}', "ip": None, **fields}  # fmt: skip
    digest = audit.entry_hash(id=entry_id, at=at, prev_hash=prev.hash, **values)  # type: ignore[arg-type]
    conn.execute(  # type: ignore[attr-defined]
        text(
            "INSERT INTO audit_log (id, at, actor, action, target_type, target_id, detail, ip,"
            " prev_hash, hash) VALUES (:id, :at, :actor, :action, :target_type, :target_id,"
            " :detail, :ip, :prev, :hash)"
        ),
        {"id": entry_id, "at": at, "prev": prev.hash, "hash": digest, **values},
    )
    return digest


def test_a_correctly_hashed_row_beyond_the_head_is_reported(db: Database) -> None:
    fill(db)
    ten = _entry(db, 10)
    with attacker(db) as conn:
        _forge(conn, 11, ten, ten.at + timedelta(seconds=1))
    code, output = _cli_verify(db)
    assert code == 1 and "entry 11" in output and "beyond the chain head" in output


@pytest.mark.parametrize("path", ["database", "session"])
def test_appends_step_over_a_stray_row_and_the_forgery_stays_reported(
    db: Database, path: str
) -> None:
    fill(db)
    ten = _entry(db, 10)
    with attacker(db) as conn:
        _forge(conn, 11, ten, ten.at + timedelta(seconds=1))
        _forge(conn, 12, ten, ten.at + timedelta(seconds=2))  # and one that does not chain
    # Before, every later append failed on its id: one INSERT stopped all audited work.
    if path == "database":
        entry = audit.record(db, "sup", "search", detail={"q": "after"})
    else:
        with db.session() as session:
            entry = audit.record(session, "sup", "search", detail={"q": "after"})
    assert entry.id == 14 and entry.actor == "sup"
    skip = _entry(db, 13)
    assert skip.action == "audit.skip" and skip.details == {"from": 11, "to": 12, "head": 10}
    assert skip.prev_hash == ten.hash  # the chain goes on from the last entry it wrote
    fill(db, 2)
    result = verify(db)
    assert not result.ok and result.first_bad_id == 11
    assert [p.entry_id for p in result.problems] == [11, 12]  # only the stray rows
    assert all("not written by nervecentre" in p.text for p in result.problems)
    with db.session() as s:
        head = s.execute(select(AuditHead.last_id)).scalar_one()
    assert head == 16 == result.last_id


def test_a_back_dated_entry_is_reported(db: Database) -> None:
    fill(db)
    ten = _entry(db, 10)
    with attacker(db) as conn:
        forged = _forge(conn, 11, ten, ten.at - timedelta(days=3))
        conn.execute(
            text("UPDATE audit_chain_head SET last_id = 11, last_hash = :h"), {"h": forged}
        )
    code, output = _cli_verify(db)
    assert code == 1 and "entry 11 is dated" in output and "back-dated" in output


def test_times_never_go_backwards_in_what_nervecentre_writes(db: Database) -> None:
    fill(db, 2)
    late = datetime.now() + timedelta(minutes=5)
    audit.record(db, "inv", "search", detail={"q": "late"}, at=late)
    early = audit.record(db, "inv", "search", detail={"q": "early"}, at=late - timedelta(days=1))
    assert early.at == late  # stamped no earlier than the entry before it
    assert verify(db).ok


def test_entries_before_the_ordering_began_are_not_held_to_it(db: Database) -> None:
    fill(db, 3)
    # The trigger keeps where ordering begins.
    with pytest.raises(DBAPIError, match="only moves forward"), db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_chain_head SET ordered_from = 4"))
    two, three = _entry(db, 2), _entry(db, 3)
    with attacker(db) as conn:  # as if written before migration 0012, out of order
        conn.execute(text("DELETE FROM audit_log WHERE id = 3"))
        _forge(conn, 3, two, two.at - timedelta(milliseconds=5), action=three.action)
        head = "UPDATE audit_chain_head SET last_hash = (SELECT hash FROM audit_log WHERE id = 3)"
        conn.execute(text(head))
    assert "dated" in verify(db).problem
    with attacker(db) as conn:
        conn.execute(text("UPDATE audit_chain_head SET ordered_from = 4"))
    assert verify(db).ok


def test_a_cut_off_tail_with_the_head_rewound_is_caught_by_the_checkpoint_file(
    db: Database,
) -> None:
    fill(db)
    made = runner.invoke(app, ["audit", "checkpoint"], env=_env(db))
    assert made.exit_code == 0, made.output
    line = made.stdout.strip()
    assert line.startswith("10:") and len(line.split(":")) == 3
    written = checkpoint_file(db.settings)
    assert line in written.read_text() and not written.is_relative_to(db.settings.data_dir)
    fill(db, 3)
    eight = _entry(db, 8)
    with attacker(db) as conn:
        # Whoever rewrites the database also rewinds the head and its own checkpoints.
        conn.execute(text("DELETE FROM audit_log WHERE id > 8"))
        conn.execute(
            text("UPDATE audit_chain_head SET last_id = 8, last_hash = :h"), {"h": eight.hash}
        )
        if db.dialect == "postgresql":
            conn.exec_driver_sql(
                "ALTER TABLE audit_checkpoints DISABLE TRIGGER audit_checkpoints_append_only"
            )
        else:
            conn.exec_driver_sql("DROP TRIGGER audit_checkpoints_no_delete")
        conn.execute(text("DELETE FROM audit_checkpoints"))
        if db.dialect == "postgresql":
            conn.exec_driver_sql(
                "ALTER TABLE audit_checkpoints ENABLE TRIGGER audit_checkpoints_append_only"
            )
    assert verify(db, use_checkpoint_file=False).ok  # the database alone cannot tell
    code, output = _cli_verify(db)  # no --expect: the file is read by default
    assert code == 1 and "cut off" in output and str(written) in output.replace("\n", "")


def test_a_rewritten_chain_is_caught_by_the_checkpoint_file(db: Database) -> None:
    fill(db)
    checkpoint(db, "test")
    entries = audit.tail(db, 100)
    prev = audit.GENESIS
    with attacker(db) as conn:
        for e in entries:
            actor = "ana" if e.id == 3 else e.actor
            h = audit.entry_hash(
                id=e.id, at=e.at, actor=actor, action=e.action, target_type=e.target_type,
                target_id=e.target_id, detail=e.detail, ip=e.ip, prev_hash=prev,
            )  # fmt: skip
            conn.execute(
                text("UPDATE audit_log SET actor=:a, prev_hash=:p, hash=:h WHERE id=:i"),
                {"a": actor, "p": prev, "h": h, "i": e.id},
            )
            prev = h
        conn.execute(text("UPDATE audit_chain_head SET last_hash=:h"), {"h": prev})
    result = verify(db)
    assert not result.ok and result.first_bad_id == 10 and "rewritten" in result.problem


def test_forged_or_unsigned_checkpoint_lines_are_reported(db: Database) -> None:
    fill(db, 3)
    made = checkpoint(db, "test")
    entry_id, digest, mac = made.line.split(":")
    forged_mac = ("0" if mac[0] != "0" else "1") + mac[1:]
    with made.file.open("a") as handle:
        handle.write(f"{entry_id}:{digest}:{forged_mac}\n{entry_id}:{digest}\n\x00garbage\n")
    result = verify(db)
    assert not result.ok and result.first_bad_id is None
    texts = [p.text for p in result.problems]
    assert len(texts) == 3 and "not signed" in texts[1] and "signature" in texts[0]
    with pytest.raises(InvalidValue, match="signature"):
        parse_line(db.settings, f"{entry_id}:{digest}:{forged_mac}")
    assert parse_line(db.settings, made.line) == (int(entry_id), digest)


def test_a_missing_checkpoint_file_is_reported_once_checkpoints_were_written(
    db: Database,
) -> None:
    fill(db, 3)
    made = checkpoint(db, "test")
    assert verify(db).ok
    made.file.unlink()
    result = verify(db)
    assert not result.ok and "checkpoint file" in result.problem and "missing" in result.problem


def test_the_checkpoint_file_may_not_live_in_the_data_directory(db: Database) -> None:
    inside = str(db.settings.data_dir / "checkpoints.txt")
    settings = dataclasses.replace(db.settings, audit_checkpoint_file=inside)
    with pytest.raises(ConfigError, match="inside the data directory"):
        checkpoint_file(settings)
    elsewhere = Path(db.settings.data_dir).parent / "elsewhere" / "heads.txt"
    settings = dataclasses.replace(db.settings, audit_checkpoint_file=str(elsewhere))
    assert checkpoint_file(settings) == elsewhere
