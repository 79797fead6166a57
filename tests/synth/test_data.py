"""The generator's data files, configuration and encoders refuse what they should."""

from __future__ import annotations

import random

import pytest

from nervecentre.errors import ConfigError, InputFileError
from nervecentre.imports.people import parse_identifier
from nervecentre.synth import SynthConfig, _crypto, _data
from nervecentre.synth._random import Weighted
from nervecentre.synth.names import NamePools, make_name
from nervecentre.synth.values import IdentifierMaker
from nervecentre.synth.variants import NameWriter
from nervecentre.types import normalise


def test_name_tokens_reject_grammar_characters() -> None:
    with pytest.raises(InputFileError):
        _data._tokens(["Ravi", "Salu;"], "test")
    with pytest.raises(InputFileError):
        _data._tokens(["Ravi (Bablu)"], "test")
    assert _data._tokens(["Md.", "Ravi"], "test") == ("Md.", "Ravi")


def test_data_files_load_and_agree() -> None:
    rules = _data.variants()
    assert rules.groups["Mohd"] == rules.groups["Mohammed"]
    assert "Shaik" in rules.groups["Shaikh"]
    assert {s.name for s in _data.scenarios()} >= {"brothel_raid", "sextortion", "csam"}


def test_variants_cover_the_documented_forms() -> None:
    writer = NameWriter()
    rng = random.Random(4)
    forms = {writer.write(rng, make_name("Mohammed", "Salim", "", "Shaikh")) for _ in range(400)}
    assert {"Mohd Salim Shaikh", "Salim Shaikh", "Shaikh Mohammed Salim"} <= forms
    assert any(f.startswith(("M. S.", "M.S.", "M S")) for f in forms)
    assert any(f.isupper() for f in forms)


def test_bad_configs_are_refused() -> None:
    with pytest.raises(ConfigError):
        SynthConfig(cases=-1)
    with pytest.raises(ConfigError):
        SynthConfig(start=SynthConfig().end, end=SynthConfig().start)
    assert SynthConfig(cases=100).networks == 4


def test_crypto_encoders_make_addresses_the_validator_accepts() -> None:
    rng = random.Random(1)
    for _ in range(50):
        body = rng.randbytes(20)
        assert normalise("crypto", _crypto.segwit_v0(body)).extra["chain"] == "BTC"
        assert normalise("crypto", _crypto.base58check(b"\x00" + body)).value.startswith("1")
        assert normalise("crypto", _crypto.base58check(b"\x41" + body)).extra["chain"] == "TRX"
        onion = _crypto.onion_v3(rng.randbytes(32))
        assert normalise("url", f"http://{onion}.onion/").extra["onion"] == "true"
    broken = _crypto.segwit_v0(bytes(20))[:-1] + "q"
    with pytest.raises(ValueError):
        normalise("crypto", broken)


def test_many_identifiers_round_trip_through_the_importer() -> None:
    maker = IdentifierMaker()
    pools = NamePools(1)
    rng = random.Random(12)
    for _ in range(400):
        name = pools.name(rng, "general", "male")
        made = [maker.phone(rng), maker.upi(rng, name, "9876543210"), maker.bank(rng),
                maker.email(rng, name), maker.social(rng, name), maker.vehicle(rng),
                maker.imei(rng), maker.ip(rng), maker.crypto(rng), maker.url(rng, "Vasai"),
                maker.url(rng), maker.url(rng, onion=True)]  # fmt: skip
        for ident in made:
            assert parse_identifier(maker.write(rng, ident)) == maker.value(ident), ident


def test_tron_addresses_never_look_like_bech32(monkeypatch: pytest.MonkeyPatch) -> None:
    real = _crypto.base58check
    calls: list[bytes] = []

    def first_one_looks_bech32(payload: bytes) -> str:
        calls.append(payload)
        return "Tb1" + real(payload)[3:] if len(calls) == 1 else real(payload)

    monkeypatch.setattr(_crypto, "base58check", first_one_looks_bech32)
    maker = IdentifierMaker()
    maker.chains = Weighted({"TRX": 1})
    kind, data = maker.crypto(random.Random(0))
    assert len(calls) == 2 and not data.startswith("TRX:Tb1")
    assert normalise(kind, data.split(":")[1]).extra["chain"] == "TRX"
