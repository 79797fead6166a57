"""The secret key: one location whatever the working directory, checked against the database
it encrypts, kept private, bound to each field's row, and rotatable."""

from __future__ import annotations

import base64
import dataclasses
import os
import stat
import threading
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import inspect, select, text
from typer.testing import CliRunner

from nervecentre.cases.people import Person
from nervecentre.cases.writer import write_cases
from nervecentre.cli.main import app
from nervecentre.errors import NervecentreError
from nervecentre.imports import import_register
from nervecentre.security import audit, users
from nervecentre.security.fields import (
    FieldCipher,
    SecretKeyError,
    configured_key,
    load_cipher,
    new_key,
    write_key_file,
)
from nervecentre.security.keys import bound_cipher, confirm_key, key_status
from nervecentre.security.reveal import reveal_victim
from nervecentre.security.rotation import rotate, rotate_key
from nervecentre.settings import load_settings
from nervecentre.store import migrate
from nervecentre.store.db import Database, open_database
from tests.exports.factory import make_records
from tests.imports.registers import row, write_csv
from tests.security.conftest import PASSWORD, World

runner = CliRunner()
REASON = "court summons to victim for deposition"


def _env(db: Database, **extra: str) -> dict[str, str]:
    return {"NERVECENTRE_DATABASE_URL": db.url, **extra}


def _flat(output: str) -> str:
    """CLI output without the spaces and line breaks the terminal width put in."""
    return "".join(output.split())


def _victims(db: Database) -> list[int]:
    with db.session() as s:
        return list(s.scalars(select(Person.id).where(Person.protected).order_by(Person.id)))


def _reveal_all(db: Database, admin: str = "admin") -> list[dict[str, str]]:
    user = users.get_user(db, admin)
    return [reveal_victim(db, user, pid, REASON) for pid in _victims(db)]


def _snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to compare row for row."""
    with db.engine.connect() as conn:
        names = sorted(inspect(conn).get_table_names())
        if db.dialect == "sqlite":  # full-text tables are read through their shadow tables
            virtual = "SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL%'"
            names = [n for n in names if n not in set(conn.execute(text(virtual)).scalars())]
        return {
            name: sorted(
                (tuple(r) for r in conn.execute(text(f'SELECT * FROM "{name}"'))), key=repr
            )
            for name in names
        }


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home folder of its own, and none of the test suite's key settings."""
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("HOME", str(folder))
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        monkeypatch.delenv(name, raising=False)
    for name in ("SECRET_KEY", "SECRET_KEY_FILE", "DATA_DIR", "DATABASE_URL", "CONFIG"):
        monkeypatch.delenv("NERVECENTRE_" + name, raising=False)
    return folder


def test_commands_from_two_working_directories_use_one_key(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'db' / 'nc.db'}"
    first, second = tmp_path / "first", tmp_path / "second"
    for folder in (first, second):
        folder.mkdir()
    reg1 = write_csv(tmp_path / "reg1.csv", [row(1)])
    reg2 = write_csv(tmp_path / "reg2.csv", [row(2, **{"Victims": "Asha Sen (F/17) - 9123456781"})])
    monkeypatch.chdir(first)
    done = runner.invoke(
        app, ["import", str(reg1), "--as-installation"], env={"NERVECENTRE_DATABASE_URL": url}
    )
    assert done.exit_code == 0, done.output
    monkeypatch.chdir(second)
    done = runner.invoke(
        app, ["import", str(reg2), "--as-installation"], env={"NERVECENTRE_DATABASE_URL": url}
    )
    assert done.exit_code == 0, done.output
    # No key beside wherever a command happened to run.
    assert not list(first.rglob("secret.key")) and not list(second.rglob("secret.key"))
    db = open_database(url, load_settings())
    users.create_user(db, "admin", PASSWORD, "admin", actor="test")
    names = {r["name"] for r in _reveal_all(db)}
    assert names == {"Rina Das", "Mou Roy", "Asha Sen"}
    db.dispose()


def test_a_wrong_key_is_refused_before_anything_is_written(world: World, tmp_path: Path) -> None:
    reg = write_csv(tmp_path / "more.csv", [row(7)])
    before = _snapshot(world.db)
    if world.db.dialect == "sqlite":
        world.db.dispose()
        raw = Path(world.db.engine.url.database or "").read_bytes()
    wrong = _env(world.db, NERVECENTRE_SECRET_KEY=new_key())
    for argv in (["import", str(reg), "--as-installation"], ["summary"], ["init"]):
        result = runner.invoke(app, argv, env=wrong)
        assert result.exit_code == 78, result.output
        assert "NERVECENTRE_SECRET_KEY" in result.output and "fingerprint" in result.output
    if world.db.dialect == "sqlite":
        assert Path(world.db.engine.url.database or "").read_bytes() == raw
    assert _snapshot(world.db) == before
    # The right key still reads every victim.
    assert {r["name"] for r in _reveal_all(world.db)} == {"Rina Das", "Mou Roy"}


def test_a_key_file_others_can_read_is_refused(home: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nc.db'}"
    key = home / ".config" / "nervecentre" / "secret.key"
    key.parent.mkdir(parents=True)
    key.write_text(new_key())
    key.chmod(0o644)
    result = runner.invoke(app, ["init"], env={"NERVECENTRE_DATABASE_URL": url})
    assert result.exit_code == 78, result.output
    assert f"chmod600{key}" in _flat(result.output)


def test_ciphertexts_swapped_between_rows_do_not_decrypt(world: World) -> None:
    rina, mou = _victims(world.db)[:2]
    with world.db.engine.begin() as conn:
        query = text("SELECT id, name_enc FROM persons WHERE protected")
        blobs: dict[int, bytes] = {i: b for i, b in conn.execute(query)}
        for pid, other in ((rina, mou), (mou, rina)):
            conn.execute(
                text("UPDATE persons SET name_enc = :b WHERE id = :i"),
                {"b": blobs[other], "i": pid},
            )
    with pytest.raises(NervecentreError, match="could not be decrypted"):
        reveal_victim(world.db, world.users["admin"], rina, REASON)
    # Nor between two columns of one row (Rina's contact holds her phone number).
    with world.db.engine.begin() as conn:
        conn.execute(
            text("UPDATE persons SET name_enc = :b WHERE id = :i"), {"b": blobs[rina], "i": rina}
        )
    assert reveal_victim(world.db, world.users["admin"], rina, REASON)["name"] == "Rina Das"
    with world.db.engine.begin() as conn:
        conn.execute(text("UPDATE persons SET name_enc = contact_enc WHERE id = :i"), {"i": rina})
    with pytest.raises(NervecentreError, match="could not be decrypted"):
        reveal_victim(world.db, world.users["admin"], rina, REASON)


def test_the_database_file_is_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "new" / "nc.db"
    db = open_database(f"sqlite:///{path}", load_settings(data_dir=str(tmp_path / "data")))
    db.upgrade()
    users.create_user(db, "admin", PASSWORD, "admin", actor="test")
    made = [p for p in path.parent.iterdir() if p.name.startswith("nc.db")]
    assert {p.name for p in made} >= {"nc.db", "nc.db-wal", "nc.db-shm"}
    for p in made:
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, p
    assert stat.S_IMODE(path.parent.stat().st_mode) & 0o077 == 0
    db.dispose()
    # A database someone left readable is made owner-only when it is opened.
    path.chmod(0o644)
    again = open_database(f"sqlite:///{path}", load_settings(data_dir=str(tmp_path / "data")))
    again.check()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again.dispose()
    assert os.access(path, os.R_OK)


def _own_key(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Database, Path]:
    """The database again, with a copy of its key in a file of this test's own."""
    key = tmp_path / "keys" / "secret.key"
    current = configured_key(db.settings)
    assert current is not None
    write_key_file(key, current.decode())
    monkeypatch.setenv("NERVECENTRE_SECRET_KEY_FILE", str(key))
    return Database(dataclasses.replace(db.settings, secret_key_file=key)), key


def _protected_identifiers(db: Database) -> int:
    with db.engine.connect() as conn:
        query = "SELECT count(*) FROM identifiers WHERE value LIKE 'protected:%'"
        return int(conn.execute(text(query)).scalar_one())


def test_rotation_re_encrypts_every_field_and_round_trips(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, key = _own_key(world.db, tmp_path, monkeypatch)
    old_key = key.read_text()
    before = _reveal_all(db)
    identifiers = _protected_identifiers(db)
    assert identifiers  # Rina's phone, by blind index
    old = load_cipher(db.settings)
    result = runner.invoke(app, ["key", "rotate"], env=_env(db))
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "Re-encrypted 6 fields of 4 people" in said and "re-keyed 1 blind indexes" in said
    assert key.read_text() != old_key and stat.S_IMODE(key.stat().st_mode) == 0o600
    (retired,) = key.parent.glob("secret.key.retired-*")
    assert retired.read_text() == old_key and stat.S_IMODE(retired.stat().st_mode) == 0o600
    assert not list(key.parent.glob("*.new"))
    assert _reveal_all(db) == before
    status = key_status(db)
    assert status.fingerprint == status.stored != old.fingerprint and status.unbound_fields == 0
    # Every value is under the new key now, bound to its row.
    with db.engine.connect() as conn:
        blobs = conn.execute(text("SELECT name_enc FROM persons WHERE protected")).scalars()
        assert all(FieldCipher.is_bound(b) for b in blobs)
    # A process still holding the old key writes nothing.
    records, _ = make_records(1, hostile=False)
    with db.engine.begin() as conn, pytest.raises(SecretKeyError, match="fingerprint"):
        write_cases(conn, records, old)
    # The blind indexes were re-keyed: importing the register again links the same victims.
    import_register(db, tmp_path / "reg.csv")
    assert _protected_identifiers(db) == identifiers
    assert _reveal_all(db) == before
    # The retired key no longer opens the database.
    result = runner.invoke(app, ["summary"], env=_env(db, NERVECENTRE_SECRET_KEY_FILE=str(retired)))
    assert result.exit_code == 78 and "fingerprint" in result.output
    entry = audit.tail(db, 500)
    assert any(e.action == "key.rotate" and old_key not in e.detail for e in entry)
    db.dispose()


def test_a_failed_rotation_changes_nothing(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, key = _own_key(world.db, tmp_path, monkeypatch)
    _, mou = _victims(db)[:2]
    with db.engine.begin() as conn:  # one damaged value: the rotation cannot read it
        blob = conn.execute(text("SELECT name_enc FROM persons WHERE id = :i"), {"i": mou})
        damaged = bytearray(blob.scalar_one())
        damaged[-1] ^= 1
        conn.execute(
            text("UPDATE persons SET name_enc = :b WHERE id = :i"), {"b": bytes(damaged), "i": mou}
        )
    before, old_key = _snapshot(db), key.read_text()
    result = runner.invoke(app, ["key", "rotate"], env=_env(db))
    assert result.exit_code == 1 and "could not be decrypted" in result.output
    assert _snapshot(db) == before and key.read_text() == old_key
    assert sorted(p.name for p in key.parent.iterdir()) == ["secret.key"]
    db.dispose()


def test_values_written_before_rows_were_bound_stay_readable_until_rotated(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, _ = _own_key(world.db, tmp_path, monkeypatch)
    rina = _victims(db)[0]
    raw = configured_key(db.settings)
    assert raw is not None
    nonce = os.urandom(12)
    aead = AESGCM(base64.urlsafe_b64decode(raw))
    legacy = b"\x01" + nonce + aead.encrypt(nonce, b"Rina Das @ Rinu", None)
    with db.engine.begin() as conn:
        conn.execute(
            text("UPDATE persons SET name_enc = :b WHERE id = :i"), {"b": legacy, "i": rina}
        )
    assert reveal_victim(db, world.users["admin"], rina, REASON)["name"] == "Rina Das @ Rinu"
    shown = runner.invoke(app, ["key", "show"], env=_env(db))
    assert shown.exit_code == 0 and "1 fields were written before" in " ".join(shown.output.split())
    done = rotate(db, actor="test")
    assert done.rotation.unbound == 1 and key_status(db).unbound_fields == 0
    assert reveal_victim(db, world.users["admin"], rina, REASON)["name"] == "Rina Das @ Rinu"
    db.dispose()


def test_a_database_from_before_fingerprints_adopts_only_a_key_that_reads_it(
    world: World, tmp_path: Path
) -> None:
    with world.db.engine.begin() as conn:
        conn.execute(text("DELETE FROM key_fingerprint"))
    other = Database(dataclasses.replace(world.db.settings, secret_key=new_key()))
    with pytest.raises(SecretKeyError, match="does not decrypt the fields already"):
        other.upgrade()
    with pytest.raises(SecretKeyError, match="does not decrypt the fields already"):
        reveal_victim(other, world.users["admin"], _victims(world.db)[0], REASON)
    other.dispose()
    with world.db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM key_fingerprint")).scalar_one() == 0
    world.db.upgrade()  # the right key: recorded now
    assert key_status(world.db).stored == load_cipher(world.db.settings).fingerprint


def test_a_missing_key_is_named_and_never_replaced_by_a_new_one(
    world: World, tmp_path: Path
) -> None:
    nowhere = tmp_path / "nowhere" / "secret.key"
    env = _env(world.db, NERVECENTRE_SECRET_KEY_FILE=str(nowhere))
    result = runner.invoke(app, ["summary"], env=env)
    assert result.exit_code == 78
    assert str(nowhere) in _flat(result.output) and "fingerprint" in result.output
    assert not nowhere.exists()
    shown = runner.invoke(app, ["key", "show"], env=env)
    assert shown.exit_code == 78 and "(no key there)" in shown.output


def test_a_rotation_stopped_before_the_key_was_put_in_place_is_named(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, key = _own_key(world.db, tmp_path, monkeypatch)
    fresh = new_key()
    pending = key.with_name("secret.key.new")
    write_key_file(pending, fresh)
    rotate_key(db, FieldCipher(fresh.encode()), actor="test")  # committed; file not moved
    result = runner.invoke(app, ["summary"], env=_env(db))
    assert result.exit_code == 78 and f"mv{pending}{key}" in _flat(result.output)
    pending.replace(key)
    assert runner.invoke(app, ["summary"], env=_env(db)).exit_code == 0
    db.dispose()


def test_victims_imported_under_a_second_key_are_brought_under_one(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The damage an older version did (a key per working directory) can be repaired."""
    db, _ = _own_key(world.db, tmp_path, monkeypatch)
    mou = _victims(db)[1]
    second = tmp_path / "elsewhere" / "nervecentre-data" / "secret.key"
    write_key_file(second, new_key())
    raw = second.read_text().strip()
    nonce = os.urandom(12)  # as an older version wrote it: unbound, under the second key
    legacy = b"\x01" + nonce + AESGCM(base64.urlsafe_b64decode(raw)).encrypt(nonce, b"Mou", None)
    with db.engine.begin() as conn:
        conn.execute(
            text("UPDATE persons SET name_enc = :b WHERE id = :i"), {"b": legacy, "i": mou}
        )
    with pytest.raises(NervecentreError, match="could not be decrypted"):
        reveal_victim(db, world.users["admin"], mou, REASON)
    before = _snapshot(db)
    result = runner.invoke(app, ["key", "rotate"], env=_env(db))
    assert result.exit_code == 1 and "--old-key" in result.output
    assert _snapshot(db) == before
    result = runner.invoke(app, ["key", "rotate", "--old-key", str(second)], env=_env(db))
    assert result.exit_code == 0, result.output
    assert "1 read with an --old-key" in " ".join(result.output.split())
    assert reveal_victim(db, world.users["admin"], mou, REASON)["name"] == "Mou"
    assert len(_reveal_all(db)) == 4
    db.dispose()


def test_a_rotation_waits_for_a_transaction_holding_the_key(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer that confirmed the key finishes under it; the rotation then runs, and the
    old key is refused from then on (fields are never written under two keys)."""
    db, _ = _own_key(world.db, tmp_path, monkeypatch)
    old, rina, fresh = load_cipher(db.settings), _victims(db)[0], new_key()
    outcome: list[object] = []

    def rotation() -> None:
        try:
            outcome.append(rotate_key(db, FieldCipher(fresh.encode()), actor="test"))
        except Exception as exc:  # reported by the assertion below
            outcome.append(exc)

    with db.engine.connect() as writer:
        if db.dialect == "sqlite":
            writer.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            writer.begin()
        cipher = bound_cipher(writer, db.settings)
        blob = cipher.encrypt("Rina Das (edited)", "persons", "name_enc", rina)
        writer.execute(
            text("UPDATE persons SET name_enc = :b WHERE id = :i"), {"b": blob, "i": rina}
        )
        thread = threading.Thread(target=rotation)
        thread.start()
        thread.join(1.5)
        assert thread.is_alive() and not outcome  # waiting for the writer
        writer.commit()
    thread.join(60)
    assert len(outcome) == 1 and not isinstance(outcome[0], Exception), outcome
    rotated = Database(dataclasses.replace(db.settings, secret_key=fresh))
    assert reveal_victim(rotated, world.users["admin"], rina, REASON)["name"] == "Rina Das (edited)"
    with db.engine.begin() as conn, pytest.raises(SecretKeyError, match="fingerprint"):
        confirm_key(conn, old, db.settings)
    rotated.dispose()
    db.dispose()


def test_a_wrong_key_is_refused_before_any_migration(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'older.db'}"
    db = open_database(url, load_settings(data_dir=str(tmp_path / "data")))
    migrate.upgrade(db, "0013_key_fingerprint")  # a database from before the newest migrations
    with db.engine.begin() as conn:
        confirm_key(conn, load_cipher(db.settings, create=True))
    env = {"NERVECENTRE_DATABASE_URL": url, "NERVECENTRE_SECRET_KEY": new_key()}
    result = runner.invoke(app, ["init"], env=env)
    assert result.exit_code == 78 and "fingerprint" in result.output
    assert migrate.current_revision(db) == "0013_key_fingerprint"
    db.upgrade()  # its own key migrates it
    assert migrate.current_revision(db) == migrate.head_revision(db)
    db.dispose()
