"""The audit log: hash-chained, append-only, and every kind of tampering is caught."""

from __future__ import annotations

import itertools
import sqlite3
import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from nervecentre.errors import InvalidValue, StorageError
from nervecentre.security import audit, audit_checkpoint, audit_verify
from nervecentre.security.models import AuditEntry
from nervecentre.store.db import Database
from tests.security.conftest import attacker


def fill(db: Database, n: int = 10) -> None:
    for i in range(1, n + 1):
        audit.record(db, "inv", "case.view", "case", i, {"n": i, "note": "ठाणे"}, ip=f"10.0.0.{i}")


def test_entries_chain_from_genesis_and_verify(db: Database) -> None:
    assert audit_verify.verify(db).ok and audit_verify.verify(db).entries_checked == 0
    fill(db, 5)
    entries = audit.tail(db, 10)
    assert [e.id for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == audit.GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    result = audit_verify.verify(db)
    assert (result.ok, result.entries_checked, result.first_bad_id) == (True, 5, None)
    assert (result.last_id, result.last_hash) == (5, entries[-1].hash)


def test_hash_is_sha256_over_canonical_fields() -> None:
    at = datetime(2024, 3, 14, 22, 15, 0, 123456)
    fields = dict(
        id=1, at=at, actor="inv", action="search", target_type="", target_id="",
        detail='{"q":"salim"}', ip=None, prev_hash=audit.GENESIS,
    )  # fmt: skip
    first = audit.entry_hash(**fields)  # type: ignore[arg-type]
    assert len(first) == 64 and first == audit.entry_hash(**fields)  # type: ignore[arg-type]
    for key, value in [("actor", "ana"), ("id", 2), ("detail", '{"q":"salu"}'), ("ip", "::1")]:
        assert audit.entry_hash(**{**fields, key: value}) != first  # type: ignore[arg-type]
    assert audit.canonical_json({"b": 1, "a": [at, {3}]}) == (
        '{"a":["2024-03-14T22:15:00.123456",[3]],"b":1}'
    )


def test_record_validates_and_serialises_details(db: Database) -> None:
    with pytest.raises(InvalidValue, match="unknown audit action"):
        audit.record(db, "inv", "case.veiw")
    with pytest.raises(InvalidValue, match="JSON"):
        audit.record(db, "inv", "search", detail={"blob": b"\x00"})
    aware = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
    entry = audit.record(db, "inv", "case.update", "case", 7, audit.diff(
        {"status": "registered", "io": "PSI Patil"}, {"status": "chargesheeted", "io": "PSI Patil"}
    ), at=aware)  # fmt: skip
    assert entry.details == {
        "before": {"status": "registered"},
        "after": {"status": "chargesheeted"},
    }
    assert entry.at == datetime(2024, 1, 1, 12, 0) and audit_verify.verify(db).ok


def test_a_rolled_back_transaction_leaves_no_gap(db: Database) -> None:
    fill(db, 2)
    with pytest.raises(RuntimeError), db.session() as session:
        audit.record(session, "inv", "search", detail={"q": "x"})
        raise RuntimeError("the change failed, so its audit entry goes too")
    fill(db, 1)
    assert [e.id for e in audit.tail(db)] == [1, 2, 3] and audit_verify.verify(db).ok


def test_record_many_appends_in_order_in_one_claim(db: Database) -> None:
    fill(db, 1)
    with db.session() as session:
        entries = audit.record_many(
            session,
            "crawler",
            [("crawl.match", "crawl_finding", n, {"n": n}) for n in (10, 11, 12)],
        )
        assert audit.record_many(session, "crawler", []) == []
    assert [(e.id, e.target_id, e.details) for e in entries] == [
        (2, "10", {"n": 10}),
        (3, "11", {"n": 11}),
        (4, "12", {"n": 12}),
    ]
    assert [e.id for e in audit.tail(db)] == [1, 2, 3, 4] and audit_verify.verify(db).ok
    with pytest.raises(InvalidValue, match="unknown audit action"), db.session() as session:
        audit.record_many(
            session, "crawler", [("crawl.match", "", None, None), ("nope", "", 1, None)]
        )
    assert [e.id for e in audit.tail(db)] == [1, 2, 3, 4]


def test_concurrent_appends_keep_one_chain(db: Database) -> None:
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for i in range(15):
                audit.record(db, f"w{worker}", "search", detail={"i": i})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    result = audit_verify.verify(db)
    assert result.ok and result.entries_checked == 60, result


def test_appends_from_several_processes_never_go_back_in_time(db: Database) -> None:
    # One Database per "process": each has its own group writer, so their appends wait for
    # each other's chain lock (on PostgreSQL, a row lock: the claim then sees the head as
    # the other committed it, and must see the entry before it too, or its time may go
    # backwards and verify() reports it as back-dated).
    processes = [Database(db.settings) for _ in range(4)]
    errors: list[BaseException] = []
    start = threading.Barrier(len(processes) * 2)

    def work(other: Database, worker: int) -> None:
        try:
            start.wait()
            for i in range(25):
                audit.record(other, f"w{worker}", "search", detail={"i": i})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    pool = [
        threading.Thread(target=work, args=(other, n * 2 + k))
        for n, other in enumerate(processes)
        for k in range(2)
    ]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    for other in processes:
        other.dispose()
    assert errors == []
    result = audit_verify.verify(db)
    assert result.ok and result.entries_checked == 25 * len(pool), result


def test_appends_from_many_threads_commit_in_groups_each_returning_its_own(
    db: Database,
) -> None:
    threads, each = 12, 20
    returned: dict[tuple[int, int], audit.AuditEntry] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(threads)

    def work(worker: int) -> None:
        try:
            start.wait()
            for i in range(each):
                entry = audit.record(db, f"w{worker}", "search", detail={"w": worker, "i": i})
                returned[(worker, i)] = entry
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    group = audit._group_commit(db)
    before = group.groups
    pool = [threading.Thread(target=work, args=(w,)) for w in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert errors == []
    result = audit_verify.verify(db)
    assert result.ok and result.entries_checked == threads * each, result
    # Each caller got back its own entry, as stored, and entries never share an id.
    with db.session() as s:
        stored = {e.id: e for e in s.scalars(select(AuditEntry))}
    assert (
        sorted(e.id for e in returned.values())
        == sorted(stored)
        == list(range(1, threads * each + 1))
    )
    for (worker, i), entry in returned.items():
        assert stored[entry.id].detail == f'{{"i":{i},"w":{worker}}}'
        assert stored[entry.id].hash == entry.hash
    # Threads' appends were grouped: fewer transactions than entries (not one each).
    assert group.groups - before < threads * each


def test_a_failed_group_commit_raises_in_every_caller_and_keeps_nothing(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(db, 2)
    real = audit._append
    release = threading.Event()

    def slow_then_fail(session: object, entries: list[tuple[object, ...]]) -> object:
        if len(entries) > 1 or not release.is_set():
            release.set()
            real(session, entries)  # type: ignore[arg-type]
            raise OSError("disk full")
        return real(session, entries)  # type: ignore[arg-type]

    monkeypatch.setattr(audit, "_append", slow_then_fail)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            audit.record(db, "inv", "search", detail={"q": "x"})
        except OSError as exc:
            errors.append(exc)

    pool = [threading.Thread(target=work) for _ in range(5)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    # Every caller whose entry went into a failed group was told; none of those is stored.
    kept = len(audit.tail(db, 100))
    assert len(errors) >= 1 and kept == 2 + 5 - len(errors)
    assert audit_verify.verify(db).ok


def test_sqlite_append_waits_for_another_writer_then_gives_up_clearly(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(sqlite_db, 1)
    other = sqlite3.connect(
        sqlite_db.engine.url.database or "", isolation_level=None, check_same_thread=False
    )
    other.execute("BEGIN IMMEDIATE")  # another process holding the write lock
    timer = threading.Timer(0.3, other.execute, args=("COMMIT",))
    timer.start()
    started = time.monotonic()
    entry = audit.record(sqlite_db, "inv", "search", detail={"q": "waited"})
    waited = time.monotonic() - started
    timer.join()
    assert entry.id == 2 and 0.25 < waited < 5 and audit_verify.verify(sqlite_db).ok
    # Held for longer than the wait allowed: a clear error, and the chain as it was.
    monkeypatch.setattr(audit, "_LOCKED_FOR_S", 0.2)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StorageError, match="locked"):
            audit.record(sqlite_db, "inv", "search", detail={"q": "refused"})
    finally:
        other.execute("COMMIT")
        other.close()
    assert [e.id for e in audit.tail(sqlite_db)] == [1, 2] and audit_verify.verify(sqlite_db).ok


@pytest.mark.parametrize("statement", [
    "UPDATE audit_log SET actor = 'someone else' WHERE id = 2",
    "DELETE FROM audit_log WHERE id = 2",
    "DELETE FROM audit_log",
    "UPDATE audit_checkpoints SET entry_hash = 'x'",
    "DELETE FROM audit_checkpoints",
    "DELETE FROM audit_chain_head",
    "UPDATE audit_chain_head SET last_id = 1",
    "UPDATE audit_chain_head SET ordered_from = 2",
    "UPDATE audit_targets SET case_id = 2",
    "DELETE FROM audit_targets",
])  # fmt: skip
def test_database_refuses_to_change_or_delete_entries(db: Database, statement: str) -> None:
    fill(db, 3)
    audit_checkpoint.checkpoint(db, "test")
    refused = r"append-only|cannot be deleted|only moves forward"
    with pytest.raises(DBAPIError, match=refused), db.engine.begin() as conn:
        conn.execute(text(statement))
    assert audit_verify.verify(db).ok


def _tampered(db: Database, *statements: str) -> audit.VerifyResult:
    fill(db)
    assert audit_verify.verify(db).ok
    with attacker(db) as conn:
        for statement in statements:
            conn.execute(text(statement))
    return audit_verify.verify(db)


def test_altered_field_is_found(db: Database) -> None:
    result = _tampered(db, "UPDATE audit_log SET actor = 'ana' WHERE id = 4")
    assert (result.ok, result.first_bad_id, result.entries_checked) == (False, 4, 3)
    assert "altered" in result.problem


def test_altered_detail_is_found(db: Database) -> None:
    fill(db)
    with attacker(db) as conn:
        conn.execute(text("UPDATE audit_log SET detail = :d WHERE id = 7"), {"d": '{"n":7}'})
    result = audit_verify.verify(db)
    assert (result.ok, result.first_bad_id) == (False, 7)


def test_deleted_middle_entry_is_found(db: Database) -> None:
    result = _tampered(db, "DELETE FROM audit_log WHERE id = 5")
    assert (result.ok, result.first_bad_id) == (False, 5)
    assert "missing" in result.problem


def test_deleted_and_renumbered_entries_are_found(db: Database) -> None:
    result = _tampered(
        db,
        "DELETE FROM audit_log WHERE id = 5",
        *(f"UPDATE audit_log SET id = {i - 1} WHERE id = {i}" for i in range(6, 11)),
    )
    assert (result.ok, result.first_bad_id) == (False, 5)


def test_swapped_entries_are_found(db: Database) -> None:
    columns = ["at", "actor", "action", "target_type", "target_id", "detail", "ip", "prev_hash",
               "hash"]  # fmt: skip
    fill(db)
    with db.session() as s:
        rows = {e.id: e for e in s.scalars(select(AuditEntry).where(AuditEntry.id.in_([3, 6])))}
    with attacker(db) as conn:
        for target, source in ((3, 6), (6, 3)):
            values = {c: getattr(rows[source], c) for c in columns}
            sets = ", ".join(f"{c} = :{c}" for c in columns)
            conn.execute(text(f"UPDATE audit_log SET {sets} WHERE id = {target}"), values)
    result = audit_verify.verify(db)
    assert (result.ok, result.first_bad_id) == (False, 3)


def test_altered_and_rehashed_entry_breaks_the_next_link(db: Database) -> None:
    fill(db)
    with db.session() as s:
        e = s.get(AuditEntry, 4)
        assert e is not None
        forged = audit.entry_hash(
            id=4, at=e.at, actor="ana", action=e.action, target_type=e.target_type,
            target_id=e.target_id, detail=e.detail, ip=e.ip, prev_hash=e.prev_hash,
        )  # fmt: skip
    with attacker(db) as conn:
        conn.execute(text("UPDATE audit_log SET actor='ana', hash=:h WHERE id=4"), {"h": forged})
    result = audit_verify.verify(db)
    assert (result.ok, result.first_bad_id) == (False, 5)
    assert "does not follow entry 4" in result.problem


def test_cut_off_tail_is_found_by_the_chain_head(db: Database) -> None:
    result = _tampered(db, "DELETE FROM audit_log WHERE id > 8")
    assert (result.ok, result.first_bad_id) == (False, 9)
    assert "cut off" in result.problem


def test_tail_cut_with_forged_head_needs_a_checkpoint(db: Database) -> None:
    fill(db)
    point = audit_checkpoint.checkpoint(
        db, "test"
    ).point  # records entry 10, then logs itself as entry 11
    assert point.entry_id == 10
    with db.session() as s:
        eight = s.get(AuditEntry, 8)
        assert eight is not None
    forge_head = f"UPDATE audit_chain_head SET last_id = 8, last_hash = '{eight.hash}'"
    with attacker(db) as conn:
        conn.execute(text("DELETE FROM audit_log WHERE id > 8"))
        conn.execute(text(forge_head))
    result = audit_verify.verify(db)
    assert (result.ok, result.first_bad_id) == (False, 9) and "cut off" in result.problem


def test_without_any_checkpoint_a_forged_tail_cut_goes_unseen(db: Database) -> None:
    # The documented limit: the chain alone cannot show that its newest entries are gone
    # when the attacker also rewinds the head. An offline copy of the head can.
    fill(db)
    kept_offline = audit_verify.verify(db)
    with db.session() as s:
        eight = s.get(AuditEntry, 8)
        assert eight is not None
    with attacker(db) as conn:
        conn.execute(text("DELETE FROM audit_log WHERE id > 8"))
        conn.execute(text(f"UPDATE audit_chain_head SET last_id = 8, last_hash = '{eight.hash}'"))
    assert audit_verify.verify(db).ok
    result = audit_verify.verify(db, expect=(kept_offline.last_id, kept_offline.last_hash))
    assert (result.ok, result.first_bad_id) == (False, 9)


def test_wholesale_rewrite_is_found_only_against_an_offline_hash(db: Database) -> None:
    fill(db)
    offline = audit_verify.verify(db)
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
    assert audit_verify.verify(db).ok  # self-consistent: no key to forge, so this is possible
    result = audit_verify.verify(db, expect=(offline.last_id, offline.last_hash))
    assert (result.ok, result.first_bad_id) == (False, 10) and "rewritten" in result.problem


def test_find_and_tail(db: Database) -> None:
    fill(db, 4)
    audit.record(db, "ana", "search", detail={"q": "salim"})
    assert [e.id for e in audit.tail(db, 2)] == [4, 5]
    assert [e.actor for e in audit.find(db, actor="ana")] == ["ana"]
    assert [e.id for e in audit.find(db, target_type="case", target_id=2)] == [2]
    assert [e.id for e in audit.find(db, before_id=3)] == [2, 1]
