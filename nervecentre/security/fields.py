"""Field-level encryption for victim names, addresses and contacts, and their pseudonyms.

AES-256-GCM authenticates every value, so a tampered cipher text fails loudly instead of
decrypting to garbage. Each value is bound to its place (table, column and row id, as
associated data): a cipher text copied into another row or column does not decrypt.
Stored form: version byte, 12-byte random nonce, cipher text and tag. Version 1 (before
values were bound to their rows) is still read; ``nervecentre key rotate`` rewrites it.
(GCM rather than Fernet: about five times faster, which matters on million-row imports.)

The key comes from ``NERVECENTRE_SECRET_KEY`` or the file ``NERVECENTRE_SECRET_KEY_FILE``
(never from the data directory); :mod:`nervecentre.security.keys` checks it against the
fingerprint the database keeps.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import stat
from contextlib import suppress
from functools import cache
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from nervecentre.errors import ConfigError, NervecentreError
from nervecentre.settings import ENV_PREFIX, Settings

_UNBOUND = b"\x01"  # no associated data: written before 0013, read but never written
_BOUND = b"\x02"  # bound to (table, column, row id)
# Codes use a Crockford-like alphabet (no I, L, O, U) so they are not misread aloud or on paper.
_TO_CODE_ALPHABET = bytes.maketrans(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", b"ABCDEFGHJKMNPQRSTVWXYZ0123456789"
)
_CODE_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".translate(_TO_CODE_ALPHABET).decode()
KEY_VARIABLE = ENV_PREFIX + "SECRET_KEY"


class SecretKeyError(ConfigError):
    """The secret key is missing, unreadable, exposed, or not the database's key."""


def _place(table: str, column: str, row: int) -> bytes:
    return f"nervecentre-field\x00{table}\x00{column}\x00{int(row)}".encode()


class FieldCipher:
    """Encrypts and decrypts single text fields, and derives stable pseudonymous codes."""

    def __init__(self, key: bytes) -> None:
        try:
            raw = base64.urlsafe_b64decode(key)
            if len(raw) != 32:
                raise ValueError
            self._aead = AESGCM(raw)
        except (ValueError, TypeError):
            raise SecretKeyError(
                f"{KEY_VARIABLE} must be 32 url-safe base64-encoded bytes "
                "(generate one with `nervecentre keygen`)"
            ) from None
        self._mac_key = hashlib.sha256(b"nervecentre-pseudonym:" + key).digest()
        #: Names the key without revealing it (kept in the database to refuse another key).
        self.fingerprint = hmac.new(raw, b"nervecentre-key-fingerprint", hashlib.sha256).hexdigest()

    def encrypt(self, text: str, table: str, column: str, row: int) -> bytes | None:
        """Cipher text for ``text`` in ``table.column`` of row ``row`` (None for an empty
        value, so blanks stay blank)."""
        if not text:
            return None
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, text.encode("utf-8"), _place(table, column, row))
        return _BOUND + nonce + sealed

    def decrypt(self, blob: bytes | None, table: str, column: str, row: int) -> str:
        """The plain text of a field; raises if it was tampered with, moved from another row
        or column, or the key is wrong."""
        if not blob:
            return ""
        version, nonce, sealed = blob[:1], blob[1:13], blob[13:]
        try:
            if version == _BOUND:
                return self._aead.decrypt(nonce, sealed, _place(table, column, row)).decode()
            if version == _UNBOUND:
                return self._aead.decrypt(nonce, sealed, None).decode("utf-8")
            raise InvalidTag
        except InvalidTag:
            raise NervecentreError(
                f"the encrypted {column} of {table} row {row} could not be decrypted: "
                "wrong secret key, or altered or moved data"
            ) from None

    @staticmethod
    def is_bound(blob: bytes | None) -> bool:
        """Whether a stored value is bound to its row (False for version 1 values)."""
        return not blob or blob[:1] == _BOUND

    def blind_index(self, kind: str, value: str) -> str:
        """A keyed stand-in for a protected person's identifier (``protected:…``): equal for
        equal values, so two records of one victim still link, but it shows nothing of the
        value, and without the key nobody can test guesses against it."""
        message = f"identifier:{kind}:{value}".encode()
        digest = hmac.new(self._mac_key, message, hashlib.sha256).digest()
        return "protected:" + base64.b32encode(digest[:20]).decode("ascii").lower()

    def mac(self, purpose: str, message: str) -> str:
        """A keyed SHA-256 MAC (hex) of ``message``, under a key derived for ``purpose`` only
        (e.g. signing audit checkpoints): whoever lacks the secret key cannot forge one."""
        key = hmac.new(self._mac_key, f"mac:{purpose}".encode(), hashlib.sha256).digest()
        return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()

    def pseudonym(self, prefix: str, ref: str) -> str:
        """A stable code such as ``V-7QK2M-9XHZA`` for a record reference; reveals nothing."""
        # The first 50 bits of the MAC, in base 32 (what base64.b32encode of its first 7
        # bytes begins with) in the code alphabet: an import derives one per person.
        bits = int.from_bytes(hmac.digest(self._mac_key, ref.encode("utf-8"), "sha256")[:7]) >> 6
        a = _CODE_ALPHABET
        return (
            f"{prefix}-{a[bits >> 45]}{a[bits >> 40 & 31]}{a[bits >> 35 & 31]}"
            f"{a[bits >> 30 & 31]}{a[bits >> 25 & 31]}-{a[bits >> 20 & 31]}{a[bits >> 15 & 31]}"
            f"{a[bits >> 10 & 31]}{a[bits >> 5 & 31]}{a[bits & 31]}"
        )


def new_key() -> str:
    """A fresh random key, in the form NERVECENTRE_SECRET_KEY expects."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode("ascii")


def short(fingerprint: str) -> str:
    """A fingerprint as messages show it (16 hex digits, in fours)."""
    return " ".join(fingerprint[i : i + 4] for i in range(0, 16, 4))


def key_location(settings: Settings) -> str:
    """Where the key in force is looked for, as messages name it."""
    if settings.secret_key:
        return KEY_VARIABLE
    return str(settings.secret_key_file)


def write_key_file(path: Path, key: str) -> None:
    """Write ``key`` to a new file that only its owner can read (in a private folder)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")


def read_key_file(path: Path) -> bytes | None:
    """The key in ``path`` (None if there is no such file); refuses a file others may read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SecretKeyError(f"cannot read the secret key file {path}: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as handle:
        mode = os.fstat(handle.fileno()).st_mode
        if not stat.S_ISREG(mode):
            raise SecretKeyError(f"the secret key file {path} is not a regular file")
        if mode & 0o077:
            raise SecretKeyError(
                f"the secret key file {path} may be read by others "
                f"(mode {stat.S_IMODE(mode):03o}): run `chmod 600 {path}` and make sure "
                "nobody copied it (if someone may have, run `nervecentre key rotate`)"
            )
        return handle.read().strip()


def key_from_file(path: Path) -> FieldCipher:
    """The cipher of the key in ``path`` (which must exist and be private)."""
    key = read_key_file(path)
    if key is None:
        raise SecretKeyError(f"no secret key file {path}")
    try:
        return _cipher(key)
    except SecretKeyError:
        raise SecretKeyError(f"{path} does not hold a nervecentre secret key") from None


def configured_key(settings: Settings) -> bytes | None:
    """The configured key: NERVECENTRE_SECRET_KEY, else the key file (None when absent)."""
    if settings.secret_key:
        return settings.secret_key.encode("ascii")
    return read_key_file(settings.secret_key_file)


@cache
def _cipher(key: bytes) -> FieldCipher:
    return FieldCipher(key)


def load_cipher(settings: Settings, *, create: bool = False) -> FieldCipher:
    """The cipher of the configured key; with ``create``, a missing key file is made.

    Only :func:`nervecentre.security.keys.bound_cipher` creates keys: it knows whether the
    database already has one.
    """
    key = configured_key(settings)
    if key is None and create:
        with suppress(FileExistsError):  # another process made it first: use theirs
            write_key_file(settings.secret_key_file, new_key())
        key = configured_key(settings)
    if key is None:
        raise SecretKeyError(
            f"no secret key: {KEY_VARIABLE} is empty and {settings.secret_key_file} does not exist"
        )
    try:
        return _cipher(key)
    except SecretKeyError:
        raise SecretKeyError(
            f"the secret key in {key_location(settings)} is not 32 url-safe base64-encoded "
            "bytes (generate one with `nervecentre keygen`)"
        ) from None


def cipher_for(settings: Settings) -> FieldCipher:
    """The cipher of the configured key (which must exist), unchecked against any database."""
    return load_cipher(settings)
