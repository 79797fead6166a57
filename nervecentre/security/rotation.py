"""Key rotation: every encrypted field re-encrypted under a new key, in one transaction.

The blind indexes that link a victim's records (``protected:…`` identifiers) are keyed too:
each is re-derived from the identifiers written in the victims' encrypted contacts, so that
a record imported after the rotation still links to the earlier ones. An index whose value
no contact holds any more cannot be re-derived; it keeps linking the records it links, and
is counted. Pseudonymous codes stay as they are (they are on paper and in the audit log).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Connection, Row, bindparam, or_, select, update

from nervecentre.cases.people import Identifier, Person
from nervecentre.errors import Conflict, InvalidValue, NervecentreError
from nervecentre.imports.people import parse_identifier
from nervecentre.security import audit
from nervecentre.security.fields import (
    KEY_VARIABLE,
    FieldCipher,
    SecretKeyError,
    new_key,
    read_key_file,
    short,
    write_key_file,
)
from nervecentre.security.keys import ENCRYPTED, KeyFingerprint, bound_cipher
from nervecentre.store.base import utcnow

if TYPE_CHECKING:
    from nervecentre.store.db import Database

_BATCH = 2000


@dataclass(frozen=True)
class Rotation:
    """What a rotation did."""

    old_fingerprint: str
    new_fingerprint: str
    people: int  # protected people whose fields were re-encrypted
    fields: int  # values re-encrypted
    unbound: int  # of which written before fields were bound to their rows
    identifiers: int  # blind indexes re-derived under the new key
    stranded: int  # blind indexes no contact holds the value of (left as they were)
    recovered: int = 0  # values only one of the other old keys could read


def _people(conn: Connection) -> Iterator[Sequence[Row[Any]]]:
    """Batches of (id, name_enc, address_enc, contact_enc), by id."""
    columns = [getattr(Person, c) for c in ENCRYPTED]
    last = 0
    while True:
        batch = conn.execute(
            select(Person.id, *columns)
            .where(Person.id > last, or_(*(c.is_not(None) for c in columns)))
            .order_by(Person.id)
            .limit(_BATCH)
        ).all()
        if not batch:
            return
        yield batch
        last = batch[-1][0]


def _blind_pairs(old: FieldCipher, new: FieldCipher, contact: str) -> Iterator[tuple[Any, ...]]:
    """(kind, index under the old key, index under the new) for each identifier in a contact."""
    for part in (p.strip() for p in contact.split(",")):
        try:
            value = parse_identifier(part)
        except InvalidValue:
            continue  # 'c/o the shelter' is contact text, not an identifier
        yield (
            value.kind,
            old.blind_index(value.kind, value.value),
            new.blind_index(value.kind, value.value),
        )


def _rekey_identifiers(conn: Connection, rekeyed: dict[tuple[str, str], str]) -> tuple[int, int]:
    found = conn.execute(
        select(Identifier.id, Identifier.kind, Identifier.value).where(
            Identifier.value.like("protected:%")
        )
    ).all()
    rows = [
        {"b_id": i, "value": rekeyed[(kind, value)]}
        for i, kind, value in found
        if (kind, value) in rekeyed
    ]
    if rows:
        conn.execute(update(Identifier).where(Identifier.id == bindparam("b_id")), rows)
    return len(rows), len(found) - len(rows)


def _decrypt(
    keys: Sequence[FieldCipher], blob: bytes | None, column: str, pid: int
) -> tuple[str, bool]:
    """The plain text of a value, read with the first of ``keys`` that can, and whether
    that was another key than the first (the key in use)."""
    failure = ""
    for n, key in enumerate(keys):
        try:
            return key.decrypt(blob, "persons", column, pid), n > 0
        except NervecentreError as exc:
            failure = failure or str(exc)
    raise NervecentreError(
        f"{failure}. Nothing was changed. If some victims were encrypted under another key "
        "(a secret.key that an older version made in another working directory), name it "
        "with --old-key"
    )


def rotate_key(
    db: Database, new: FieldCipher, *, actor: str, also: Sequence[FieldCipher] = ()
) -> Rotation:
    """Re-encrypt every field under ``new`` (bound to its row), re-derive the blind indexes,
    record the new key's fingerprint and audit it, all in one transaction: on any failure
    nothing changes and the old key stays in force. The caller then puts the new key in
    place. A value the key in use cannot read is tried with each of ``also`` (keys an older
    version made in other working directories): the database is then whole again."""
    # The write lock first (SQLite), so that nothing read here can change before it writes.
    with db.write_session() as session:
        conn = session.connection()
        # The rotation waits for transactions holding the key; those after it see the new.
        conn.execute(select(KeyFingerprint.id).with_for_update())
        old = bound_cipher(conn, db.settings)
        if new.fingerprint == old.fingerprint:
            raise InvalidValue("the new key is the key in use", kind="secret_key")
        keys = [old, *(k for k in also if k.fingerprint != old.fingerprint)]
        people = fields = unbound = recovered = 0
        rekeyed: dict[tuple[str, str], str] = {}
        for batch in _people(conn):
            rows = []
            for found in batch:
                pid, blobs = int(found[0]), cast(tuple[bytes | None, ...], tuple(found[1:]))
                row: dict[str, Any] = {"b_id": pid}
                for column, blob in zip(ENCRYPTED, blobs, strict=True):
                    plain, other = _decrypt(keys, blob, column, pid)
                    row[column] = new.encrypt(plain, "persons", column, pid) if blob else blob
                    fields += blob is not None
                    unbound += not FieldCipher.is_bound(blob)
                    recovered += other
                    if column == "contact_enc" and plain:
                        for key in keys:  # the indexes of a victim each old key imported
                            rekeyed.update(((k, o), n) for k, o, n in _blind_pairs(key, new, plain))
                rows.append(row)
            conn.execute(update(Person).where(Person.id == bindparam("b_id")), rows)
            people += len(rows)
        identifiers, stranded = _rekey_identifiers(conn, rekeyed)
        conn.execute(
            update(KeyFingerprint)
            .where(KeyFingerprint.id == 1)
            .values(fingerprint=new.fingerprint, recorded_at=utcnow())
        )
        done = Rotation(
            old.fingerprint,
            new.fingerprint,
            people,
            fields,
            unbound,
            identifiers,
            stranded,
            recovered,
        )
        detail = {k: (short(v) if "fingerprint" in k else v) for k, v in asdict(done).items()}
        audit.record(session, actor, "key.rotate", "key", None, detail)
    return done


@dataclass(frozen=True)
class KeyRotation:
    """A rotation, and where the keys ended up."""

    rotation: Rotation
    key_file: Path  # holds the new key
    retired: Path | None  # holds the old key, when the key file was replaced in place


def rotate(
    db: Database, *, actor: str, to: Path | None = None, also: Sequence[FieldCipher] = ()
) -> KeyRotation:
    """Make a new key, rotate the database to it, and put it in place.

    The new key goes to ``to`` when given (the old key is left where it is); otherwise it
    replaces the key file, and the old key is kept beside it as ``….retired-<fingerprint>``
    (backups made before the rotation need it). The new key is on disk before the database
    changes: if the rotation fails it is removed; if the process stops after the commit it
    is in ``….new``, which the refusal message then names.
    """
    settings = db.settings
    if to is None and settings.secret_key:
        raise SecretKeyError(
            f"the key in use comes from {KEY_VARIABLE}: name a file for the new key with --to"
        )
    current = settings.secret_key_file
    target = to if to is not None else current.with_name(current.name + ".new")
    if not target.is_absolute():
        raise InvalidValue(f"{target}: name the new key file by an absolute path", kind="path")
    if to is None:
        # Left by a rotation that failed (the database still uses the current key, or it
        # would not have opened): its key never encrypted anything.
        target.unlink(missing_ok=True)
    key = new_key()
    try:
        write_key_file(target, key)
    except FileExistsError:
        raise Conflict(f"{target} exists: name a new file for the new key") from None
    try:
        done = rotate_key(db, FieldCipher(key.encode("ascii")), actor=actor, also=also)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    if to is not None:
        return KeyRotation(done, target, None)
    old = read_key_file(current)
    retired = current.with_name(f"{current.name}.retired-{done.old_fingerprint[:12]}")
    if old is not None and not retired.exists():
        write_key_file(retired, old.decode("ascii"))
    target.replace(current)
    return KeyRotation(done, current, retired if old is not None else None)
