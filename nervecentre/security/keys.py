"""The secret key's fingerprint, kept in the database, so that it never holds fields under
two keys.

The fingerprint (an HMAC under the key, never the key) is recorded when a database is set
up, or when a database from before it gets its first encrypted field, after checking that
the key reads the fields already there. Every command and server compares its key with it
before writing anything (:meth:`Database.upgrade` calls :func:`verify_key`), and every
transaction that encrypts or decrypts does again, holding the fingerprint row until it ends
(PostgreSQL), so a key rotation cannot slip in between.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import CheckConstraint, Connection, DateTime, String, func, inspect, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from nervecentre.cases.people import Person
from nervecentre.errors import NervecentreError
from nervecentre.security.fields import (
    KEY_VARIABLE,
    FieldCipher,
    SecretKeyError,
    key_location,
    load_cipher,
    read_key_file,
    short,
)
from nervecentre.settings import Settings
from nervecentre.store.base import Base, Store, utcnow

#: The encrypted columns of ``persons`` (the only encrypted fields).
ENCRYPTED = ("name_enc", "address_enc", "contact_enc")


class KeyFingerprint(Base):
    """The one row naming the key this database's fields are encrypted under."""

    __tablename__ = "key_fingerprint"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    fingerprint: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


def stored_fingerprint(conn: Connection, *, lock: bool = False) -> str | None:
    """The fingerprint this database keeps (None before one is recorded). With ``lock``,
    PostgreSQL share-locks the row until the transaction ends (a rotation waits)."""
    query = select(KeyFingerprint.fingerprint).where(KeyFingerprint.id == 1)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update(read=True)
    return conn.execute(query).scalar_one_or_none()


def _encrypted_sample(conn: Connection) -> tuple[int, tuple[bytes | None, ...]] | None:
    """The first person with an encrypted field, if any."""
    columns = [getattr(Person, c) for c in ENCRYPTED]
    found = conn.execute(
        select(Person.id, *columns)
        .where(or_(*(c.is_not(None) for c in columns)))
        .order_by(Person.id)
        .limit(1)
    ).first()
    return None if found is None else (found[0], tuple(found[1:]))


def _hints(settings: Settings, stored: str | None) -> str:
    """Where the database's key may be, when the configured one is missing or wrong."""
    hints = []
    path = settings.secret_key_file
    pending = path.with_name(path.name + ".new")
    try:
        key = read_key_file(pending)
    except SecretKeyError:
        key = None
    if key is not None and stored and FieldCipher(key).fingerprint == stored:
        hints.append(
            f"{pending} holds this database's key (a rotation stopped before putting it in "
            f"place): mv {pending} {path}"
        )
    for old in (settings.data_dir / "secret.key", Path("nervecentre-data/secret.key").absolute()):
        if old.is_file():
            hints.append(
                f"{old} may be it (older versions kept the key in the data directory): "
                f"move it to {path} or name it in NERVECENTRE_SECRET_KEY_FILE"
            )
    return "".join(f"; {h}" for h in hints)


def _missing(settings: Settings, stored: str | None) -> SecretKeyError:
    expected = f"fingerprint {short(stored)}" if stored else "the key of its encrypted fields"
    return SecretKeyError(
        f"no secret key: {KEY_VARIABLE} is empty and {settings.secret_key_file} does not "
        f"exist, and this database needs its key ({expected}); nothing was written"
        + _hints(settings, stored)
    )


def _mismatch(settings: Settings | None, cipher: FieldCipher, stored: str) -> SecretKeyError:
    where = key_location(settings) if settings else "the key in use"
    return SecretKeyError(
        f"the secret key in {where} (fingerprint {short(cipher.fingerprint)}) is not this "
        f"database's key (fingerprint {short(stored)}); nothing was written. Set "
        f"{KEY_VARIABLE} or NERVECENTRE_SECRET_KEY_FILE to the key it was set up with"
        + (_hints(settings, stored) if settings else "")
    )


def _reads_sample(cipher: FieldCipher, sample: tuple[int, tuple[bytes | None, ...]]) -> bool:
    row, blobs = sample
    try:
        for column, blob in zip(ENCRYPTED, blobs, strict=True):
            cipher.decrypt(blob, "persons", column, row)
    except NervecentreError:
        return False
    return True


def _unreadable(settings: Settings | None, cipher: FieldCipher) -> SecretKeyError:
    where = key_location(settings) if settings else "the key in use"
    return SecretKeyError(
        f"the secret key in {where} (fingerprint {short(cipher.fingerprint)}) does not "
        "decrypt the fields already in this database: they were encrypted under another "
        "key (or altered); nothing was written" + (_hints(settings, None) if settings else "")
    )


def _load(settings: Settings, stored: str | None, *, create: bool) -> FieldCipher:
    try:
        return load_cipher(settings, create=create)
    except SecretKeyError as exc:
        if str(exc).startswith("no secret key"):
            raise _missing(settings, stored) from None
        raise


def verify_key(db: Store) -> None:
    """Refuse a key that is not the database's, reading only: commands and servers call
    this (through :meth:`Database.upgrade`) before migrating or writing anything."""
    with db.engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        stored = stored_fingerprint(conn) if KeyFingerprint.__tablename__ in tables else None
        if stored is not None:
            cipher = _load(db.settings, stored, create=False)
            if cipher.fingerprint != stored:
                raise _mismatch(db.settings, cipher, stored)
        elif "persons" in tables and (sample := _encrypted_sample(conn)) is not None:
            cipher = _load(db.settings, None, create=False)
            if not _reads_sample(cipher, sample):
                raise _unreadable(db.settings, cipher)
        conn.rollback()


def confirm_key(conn: Connection, cipher: FieldCipher, settings: Settings | None = None) -> None:
    """Check, within this transaction, that ``cipher`` is the database's key; a database
    without a fingerprint records it (once the key reads the fields already there)."""
    stored = stored_fingerprint(conn, lock=True)
    if stored is None:
        sample = _encrypted_sample(conn)
        if sample is not None and not _reads_sample(cipher, sample):
            raise _unreadable(settings, cipher)
        statement = (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(
            KeyFingerprint
        )
        conn.execute(
            statement.values(
                id=1, fingerprint=cipher.fingerprint, recorded_at=utcnow()
            ).on_conflict_do_nothing()
        )
        stored = stored_fingerprint(conn, lock=True)
    if stored != cipher.fingerprint:
        raise _mismatch(settings, cipher, stored or "")


def bound_cipher(target: Connection | Session, settings: Settings) -> FieldCipher:
    """The configured key's cipher, confirmed as the database's key in this transaction
    (see :func:`confirm_key`). A database with no key yet gets one: a missing key file is
    then created. Every path that encrypts or decrypts a field takes its cipher here."""
    conn = target.connection() if isinstance(target, Session) else target
    stored = stored_fingerprint(conn, lock=True)
    fresh = stored is None and _encrypted_sample(conn) is None
    cipher = _load(settings, stored, create=fresh)
    confirm_key(conn, cipher, settings)
    return cipher


def bind_key(db: Store) -> FieldCipher:
    """Record the key of a database set up just now (:meth:`Database.upgrade`)."""
    with db.engine.begin() as conn:
        return bound_cipher(conn, db.settings)


@dataclass(frozen=True)
class KeyStatus:
    """What ``nervecentre key show`` reports."""

    location: str
    fingerprint: str | None  # of the configured key (None: no key there)
    stored: str | None  # the database's (None: none recorded yet)
    unbound_fields: int  # values from before fields were bound to their rows

    @property
    def matches(self) -> bool:
        """Whether the configured key may be used on this database."""
        return self.stored is None or self.fingerprint == self.stored


def key_status(db: Store) -> KeyStatus:
    """The configured key and the database's fingerprint, read only (never refuses)."""
    try:
        cipher: FieldCipher | None = load_cipher(db.settings)
    except SecretKeyError as exc:
        if not str(exc).startswith("no secret key"):
            raise
        cipher = None
    with db.engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        stored = stored_fingerprint(conn) if KeyFingerprint.__tablename__ in tables else None
        unbound = 0
        if "persons" in tables:
            for column in ENCRYPTED:
                col = getattr(Person, column)
                unbound += conn.execute(
                    select(func.count()).where(func.substr(col, 1, 1) == b"\x01")
                ).scalar_one()
    return KeyStatus(
        key_location(db.settings), cipher.fingerprint if cipher else None, stored, unbound
    )
