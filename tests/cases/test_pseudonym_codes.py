"""Pseudonymous codes stay what they have always been: stored codes must not change."""

from __future__ import annotations

import base64
import hashlib
import hmac
import random

from nervecentre.security.fields import FieldCipher, new_key


def by_definition(cipher: FieldCipher, prefix: str, ref: str) -> str:
    """HMAC-SHA256 of the ref, its first 7 bytes in base 32, in the code alphabet, 10 kept."""
    digest = hmac.new(cipher._mac_key, ref.encode("utf-8"), hashlib.sha256).digest()
    table = bytes.maketrans(
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", b"ABCDEFGHJKMNPQRSTVWXYZ0123456789"
    )
    chars = base64.b32encode(digest[:7]).translate(table).decode("ascii")
    return f"{prefix}-{chars[:5]}-{chars[5:10]}"


def test_codes_are_the_mac_in_base_32_for_many_refs() -> None:
    rng = random.Random(5)
    for _ in range(5):
        cipher = FieldCipher(new_key().encode())
        for i in range(4000):
            ref = f"{rng.randint(0, 10**7)}/{rng.randint(1990, 2030)}#{rng.choice('avw')}-{i}"
            ref += rng.choice(["", "é", "अ", " ", "\x00"])
            prefix = rng.choice("VP")
            assert cipher.pseudonym(prefix, ref) == by_definition(cipher, prefix, ref)


def test_a_known_key_gives_a_known_code() -> None:
    cipher = FieldCipher(base64.urlsafe_b64encode(bytes(range(32))))
    code = cipher.pseudonym("V", "PS/2023/1#victim-1")
    assert code == by_definition(cipher, "V", "PS/2023/1#victim-1") == "V-AG7S5-ET9G0"
    assert code[0] == "V" and code[1] == "-" and code[7] == "-"
    assert not set(code[2:7] + code[8:]) & set("ILOU")
