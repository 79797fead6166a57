"""Field encryption and pseudonyms for victims."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from nervecentre.errors import ConfigError, NervecentreError
from nervecentre.security.fields import (
    FieldCipher,
    SecretKeyError,
    cipher_for,
    load_cipher,
    new_key,
)
from nervecentre.settings import load_settings

AT = ("persons", "name_enc", 7)


def test_round_trip_and_tamper_detection() -> None:
    cipher = FieldCipher(new_key().encode())
    blob = cipher.encrypt("Rina Das", *AT)
    assert blob and b"Rina" not in blob
    assert cipher.decrypt(blob, *AT) == "Rina Das"
    assert cipher.encrypt("", *AT) is None and cipher.decrypt(None, *AT) == ""
    tampered = blob[:-5] + bytes([blob[-5] ^ 1]) + blob[-4:]
    with pytest.raises(NervecentreError, match="altered"):
        cipher.decrypt(tampered, *AT)
    with pytest.raises(NervecentreError):
        FieldCipher(new_key().encode()).decrypt(blob, *AT)


def test_a_value_is_bound_to_its_table_column_and_row() -> None:
    cipher = FieldCipher(new_key().encode())
    blob = cipher.encrypt("Rina Das", *AT)
    for elsewhere in (
        ("persons", "name_enc", 8),
        ("persons", "address_enc", 7),
        ("people", "name_enc", 7),
    ):
        with pytest.raises(NervecentreError, match="could not be decrypted"):
            cipher.decrypt(blob, *elsewhere)
    # Turning a bound value into an unbound one does not help: the tag covers the row.
    assert blob is not None
    with pytest.raises(NervecentreError):
        cipher.decrypt(b"\x01" + blob[1:], *AT)


def test_values_written_before_rows_were_bound_stay_readable() -> None:
    key = new_key()
    cipher = FieldCipher(key.encode())
    # Version 1, as written before migration 0013: no associated data.
    nonce = os.urandom(12)
    aead = AESGCM(base64.urlsafe_b64decode(key))
    old = b"\x01" + nonce + aead.encrypt(nonce, b"Mou Roy", None)
    assert cipher.decrypt(old, *AT) == "Mou Roy"
    assert not FieldCipher.is_bound(old) and FieldCipher.is_bound(cipher.encrypt("x", *AT))
    with pytest.raises(NervecentreError):
        FieldCipher(new_key().encode()).decrypt(old, *AT)


def test_the_fingerprint_names_the_key_without_revealing_it() -> None:
    key = new_key()
    a, b = FieldCipher(key.encode()), FieldCipher(new_key().encode())
    assert a.fingerprint == FieldCipher(key.encode()).fingerprint != b.fingerprint
    assert len(a.fingerprint) == 64 and key not in a.fingerprint


def test_pseudonyms_are_stable_distinct_and_key_dependent() -> None:
    a, b = FieldCipher(new_key().encode()), FieldCipher(new_key().encode())
    code = a.pseudonym("V", "PS/2023/1#victim-1")
    assert code == a.pseudonym("V", "PS/2023/1#victim-1")
    assert code != a.pseudonym("V", "PS/2023/1#victim-2")
    assert code != b.pseudonym("V", "PS/2023/1#victim-1")
    assert len(code) == len("V-XXXXX-XXXXX")
    codes = {a.pseudonym("V", f"ref{i}") for i in range(20000)}
    assert len(codes) == 20000


def test_key_file_is_created_private_apart_from_the_data_and_reused(tmp_path: Path) -> None:
    key_file = tmp_path / "config" / "nervecentre" / "secret.key"
    settings = load_settings(
        data_dir=str(tmp_path / "d"), secret_key="", secret_key_file=str(key_file)
    )
    with pytest.raises(SecretKeyError, match="does not exist"):
        cipher_for(settings)  # only a new database makes a key (security.keys)
    first = load_cipher(settings, create=True)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700
    assert not (tmp_path / "d").exists()
    assert cipher_for(settings).decrypt(first.encrypt("x", *AT), *AT) == "x"
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        cipher_for(load_settings(secret_key="too-short"))
    key_file.chmod(0o640)
    with pytest.raises(SecretKeyError, match=f"chmod 600 {key_file}"):
        cipher_for(settings)


@pytest.mark.parametrize("name", ["data_dir", "secret_key_file"])
def test_paths_must_be_absolute(name: str) -> None:
    with pytest.raises(ConfigError, match=f"NERVECENTRE_{name.upper()}.*absolute"):
        load_settings(**{name: "nervecentre-data"})


def test_blind_indexes_link_equal_values_and_show_nothing() -> None:
    cipher = FieldCipher(new_key().encode())
    index = cipher.blind_index("phone", "+919123456780")
    assert index == cipher.blind_index("phone", "+919123456780")
    assert index.startswith("protected:") and "9123456780" not in index
    assert index != cipher.blind_index("phone", "+919123456781")
    assert index != cipher.blind_index("email", "+919123456780")
    assert index != FieldCipher(new_key().encode()).blind_index("phone", "+919123456780")
