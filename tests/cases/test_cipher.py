"""Field encryption and pseudonyms for victims."""

from __future__ import annotations

from pathlib import Path

import pytest

from nervecentre.errors import ConfigError, NervecentreError
from nervecentre.security.fields import FieldCipher, cipher_for, new_key
from nervecentre.settings import load_settings


def test_round_trip_and_tamper_detection() -> None:
    cipher = FieldCipher(new_key().encode())
    blob = cipher.encrypt("Rina Das")
    assert blob and b"Rina" not in blob
    assert cipher.decrypt(blob) == "Rina Das"
    assert cipher.encrypt("") is None and cipher.decrypt(None) == ""
    tampered = blob[:-5] + bytes([blob[-5] ^ 1]) + blob[-4:]
    with pytest.raises(NervecentreError, match="altered"):
        cipher.decrypt(tampered)
    with pytest.raises(NervecentreError):
        FieldCipher(new_key().encode()).decrypt(blob)


def test_pseudonyms_are_stable_distinct_and_key_dependent() -> None:
    a, b = FieldCipher(new_key().encode()), FieldCipher(new_key().encode())
    code = a.pseudonym("V", "PS/2023/1#victim-1")
    assert code == a.pseudonym("V", "PS/2023/1#victim-1")
    assert code != a.pseudonym("V", "PS/2023/1#victim-2")
    assert code != b.pseudonym("V", "PS/2023/1#victim-1")
    assert len(code) == len("V-XXXXX-XXXXX")
    codes = {a.pseudonym("V", f"ref{i}") for i in range(20000)}
    assert len(codes) == 20000


def test_key_file_is_created_private_and_reused(tmp_path: Path) -> None:
    settings = load_settings(data_dir=str(tmp_path / "d"), secret_key="")
    first = cipher_for(settings)
    key_file = tmp_path / "d" / "secret.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert cipher_for(settings).decrypt(first.encrypt("x")) == "x"
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        cipher_for(load_settings(secret_key="too-short"))


def test_blind_indexes_link_equal_values_and_show_nothing() -> None:
    cipher = FieldCipher(new_key().encode())
    index = cipher.blind_index("phone", "+919123456780")
    assert index == cipher.blind_index("phone", "+919123456780")
    assert index.startswith("protected:") and "9123456780" not in index
    assert index != cipher.blind_index("phone", "+919123456781")
    assert index != cipher.blind_index("email", "+919123456780")
    assert index != FieldCipher(new_key().encode()).blind_index("phone", "+919123456780")
