"""Field-level encryption for victim names, addresses and contacts, and their pseudonyms.

AES-256-GCM authenticates every value, so a tampered cipher text fails loudly instead of
decrypting to garbage. Stored form: version byte, 12-byte random nonce, cipher text and tag.
(GCM rather than Fernet: about five times faster, which matters on million-row imports.)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import cache
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from nervecentre.errors import ConfigError, NervecentreError
from nervecentre.settings import Settings

_VERSION = b"\x01"
# Codes use a Crockford-like alphabet (no I, L, O, U) so they are not misread aloud or on paper.
_TO_CODE_ALPHABET = bytes.maketrans(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", b"ABCDEFGHJKMNPQRSTVWXYZ0123456789"
)


class FieldCipher:
    """Encrypts and decrypts single text fields, and derives stable pseudonymous codes."""

    def __init__(self, key: bytes) -> None:
        try:
            raw = base64.urlsafe_b64decode(key)
            if len(raw) != 32:
                raise ValueError
            self._aead = AESGCM(raw)
        except (ValueError, TypeError):
            raise ConfigError(
                "NERVECENTRE_SECRET_KEY must be 32 url-safe base64-encoded bytes "
                "(generate one with `nervecentre keygen`)"
            ) from None
        self._mac_key = hashlib.sha256(b"nervecentre-pseudonym:" + key).digest()

    def encrypt(self, text: str) -> bytes | None:
        """Cipher text for ``text`` (None for an empty value, so blanks stay blank)."""
        if not text:
            return None
        nonce = os.urandom(12)
        return _VERSION + nonce + self._aead.encrypt(nonce, text.encode("utf-8"), None)

    def decrypt(self, blob: bytes | None) -> str:
        """The plain text of a field; raises if the value was tampered with or the key is wrong."""
        if not blob:
            return ""
        try:
            if blob[:1] != _VERSION:
                raise InvalidTag
            return self._aead.decrypt(blob[1:13], blob[13:], None).decode("utf-8")
        except InvalidTag:
            raise NervecentreError(
                "an encrypted field could not be decrypted: wrong secret key or altered data"
            ) from None

    def blind_index(self, kind: str, value: str) -> str:
        """A keyed stand-in for a protected person's identifier (``protected:…``): equal for
        equal values, so two records of one victim still link, but it shows nothing of the
        value, and without the key nobody can test guesses against it."""
        message = f"identifier:{kind}:{value}".encode()
        digest = hmac.new(self._mac_key, message, hashlib.sha256).digest()
        return "protected:" + base64.b32encode(digest[:20]).decode("ascii").lower()

    def pseudonym(self, prefix: str, ref: str) -> str:
        """A stable code such as ``V-7QK2M-9XHZA`` for a record reference; reveals nothing."""
        digest = hmac.new(self._mac_key, ref.encode("utf-8"), hashlib.sha256).digest()
        chars = base64.b32encode(digest[:7]).translate(_TO_CODE_ALPHABET).decode("ascii")
        return f"{prefix}-{chars[:5]}-{chars[5:10]}"


def new_key() -> str:
    """A fresh random key, in the form NERVECENTRE_SECRET_KEY expects."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode("ascii")


def _key_file(path: Path) -> bytes:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(new_key())
    return path.read_text(encoding="ascii").strip().encode("ascii")


@cache
def _cipher(key: bytes) -> FieldCipher:
    return FieldCipher(key)


def cipher_for(settings: Settings) -> FieldCipher:
    """The cipher for these settings: the configured key, or the data directory's key file."""
    if settings.secret_key:
        key = settings.secret_key.encode("ascii")
    else:
        key = _key_file(settings.data_dir / "secret.key")
    return _cipher(key)
