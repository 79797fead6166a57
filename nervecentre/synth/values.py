"""Synthetic identifiers (phones, UPI IDs, bank accounts, wallets…), their typed values,
and the different ways a register writes the same identifier.

An identifier is kept as ``(kind, data)`` in a compact form this module understands; its
:class:`~nervecentre.types.Value` comes from nervecentre.types (one normalisation for the
whole system), except phones: parsing one costs ~0.1 ms, so phone values are built
directly from number prefixes checked against nervecentre.types once per process.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from functools import cache
from typing import Any

from nervecentre.synth import _crypto, _data
from nervecentre.synth._data import VariantRules
from nervecentre.synth._random import Weighted, below, between, pick
from nervecentre.synth.names import Name
from nervecentre.types import Value, normalise, try_normalise
from nervecentre.types.value import Extra

Ident = tuple[str, str]
# kind -> key (PSP handle, platform) -> (display prefix, extra), for values built directly.
Shortcuts = dict[str, dict[str, tuple[str, Mapping[str, str]]]]
VALUE_CACHE = 200_000
_SERIES = "ABCDEFGHJKLMNPRSTUVWXYZ"
_BECH32_LOOKALIKE = frozenset({"tb1", "bc1"})


@cache
def identifier_data() -> dict[str, Any]:
    """identifiers.yaml as loaded."""
    return _data.read("identifiers.yaml")


@cache
def mobile_prefixes() -> tuple[tuple[str, ...], Extra]:
    """Six-digit prefixes of valid Indian mobile numbers, and the extra their values carry.

    A fixed RNG (not the dataset's seed) draws candidates, so the list is the same for every
    dataset; each is kept only if nervecentre.types reads numbers in it as a mobile and
    displays them as '+91 XXXXX XXXXX', the form ``phone_value`` builds.
    """
    rng = random.Random(20240701)
    leads = Weighted(identifier_data()["mobile_leads"])
    found: list[str] = []
    extra: Extra | None = None
    for _ in range(5000):
        prefix = leads.pick(rng) + f"{below(rng, 100000):05d}"
        samples = [try_normalise("phone", prefix + tail) for tail in ("0000", "9999")]
        ok = all(
            v is not None
            and v.extra.get("type") == "mobile"
            and v.display == f"+91 {(prefix + tail)[:5]} {(prefix + tail)[5:]}"
            for v, tail in zip(samples, ("0000", "9999"), strict=True)
        )
        if ok and samples[0] is not None:
            found.append(prefix)
            extra = Extra(samples[0].extra)
        if len(found) == 400:
            break
    if extra is None:
        raise RuntimeError("no Indian mobile prefix passed nervecentre.types validation")
    return tuple(found), extra


def phone_value(number: str) -> Value:
    """The Value of a 10-digit Indian mobile number from ``mobile_prefixes``."""
    return Value("phone", "+91" + number, f"+91 {number[:5]} {number[5:]}", mobile_prefixes()[1])


def _handle(rng: random.Random, name: Name | None) -> str:
    if name is None:
        base = "".join(pick(rng, "abcdefghijklmnopqrstuvwxyz") for _ in range(between(rng, 5, 8)))
    else:
        first = "".join(c for c in name.given.lower() if c.isalpha())
        last = "".join(c for c in name.surname.lower() if c.isalpha())
        base = pick(rng, (first + last[:1], first + "_" + last, first, last + first[:1]))
    return (base[:11] + str(between(rng, 1, 999)))[:15]


class IdentifierMaker:
    """Makes new identifiers, gives their values, and writes them as clerks do."""

    def __init__(self, rules: VariantRules | None = None) -> None:
        data = identifier_data()
        self.rules = rules or _data.variants()
        self.prefixes, _ = mobile_prefixes()
        self.banks = tuple((str(k), int(v)) for k, v in data["banks"].items())
        self.handles = tuple(data["upi_handles"])
        self.email_domains = tuple(data["email_domains"])
        self.web_domains = tuple(data["web_domains"])
        self.rto = {str(k): tuple(v) for k, v in data["rto"].items()}
        self.platforms = Weighted(data["social_platforms"])
        self.chains = Weighted(data["crypto_chains"])
        self.imei_starts = tuple(data["imei_starts"])
        self.ip_octets = tuple(int(o) for o in data["ip_first_octets"])
        self.ad_words = tuple(data["ad_words"])
        self._values: dict[Ident, Value] = {}
        self._fast = self._calibrate()

    # -- new identifiers ----------------------------------------------------------------
    def phone(self, rng: random.Random) -> Ident:
        """A mobile number."""
        return ("phone", pick(rng, self.prefixes) + f"{below(rng, 10000):04d}")

    def upi(self, rng: random.Random, name: Name | None, phone: str = "") -> Ident:
        """A UPI ID, on the phone number when given, else on the name."""
        local = phone if phone and rng.random() < 0.5 else _handle(rng, name).replace("_", ".")
        return ("upi", f"{local}@{pick(rng, self.handles)}")

    def bank(self, rng: random.Random) -> Ident:
        """A bank account with its branch IFSC."""
        code, length = pick(rng, self.banks)
        account = str(between(rng, 1, 9)) + "".join(str(below(rng, 10)) for _ in range(length - 1))
        return ("bank_account", f"{code}0{below(rng, 1000000):06d}:{account}")

    def email(self, rng: random.Random, name: Name | None) -> Ident:
        """An e-mail address on a reserved example domain."""
        local = _handle(rng, name).replace("_", ".")
        return ("email", f"{local}@{pick(rng, self.email_domains)}")

    def social(self, rng: random.Random, name: Name | None) -> Ident:
        """A social-media account."""
        platform = self.platforms.pick(rng)
        handle = _handle(rng, name)
        if not handle[0].isalpha():
            handle = "u" + handle[:14]
        if platform == "facebook":
            handle = handle.replace("_", ".")
        return ("social", f"{platform}:{handle.ljust(5, '0')}")

    def vehicle(self, rng: random.Random) -> Ident:
        """A vehicle registration, mostly from Maharashtra."""
        state = "MH" if rng.random() < 0.85 else pick(rng, [s for s in self.rto if s != "MH"])
        series = pick(rng, _SERIES) + (pick(rng, _SERIES) if rng.random() < 0.9 else "")
        number = f"{between(rng, 1, 9999):04d}"
        return ("vehicle", f"{state} {pick(rng, self.rto[state])} {series} {number}")

    def imei(self, rng: random.Random) -> Ident:
        """A 15-digit IMEI with a correct Luhn check digit."""
        body = pick(rng, self.imei_starts) + "".join(str(below(rng, 10)) for _ in range(12))
        total = 0
        for i, ch in enumerate(reversed(body)):
            d = int(ch) * (2 if i % 2 == 0 else 1)
            total += d - 9 if d > 9 else d
        return ("imei", body + str((10 - total % 10) % 10))

    def ip(self, rng: random.Random) -> Ident:
        """A public IPv4 address of an Indian access provider."""
        octets = (pick(rng, self.ip_octets), *(between(rng, 1, 254) for _ in range(3)))
        return ("ip", ".".join(map(str, octets)))

    def crypto(self, rng: random.Random) -> Ident:
        """A Bitcoin, Ethereum or Tron address with a valid checksum."""
        chain = self.chains.pick(rng)
        body = rng.randbytes(20)
        if chain == "BTC":
            address = (
                _crypto.segwit_v0(body)
                if rng.random() < 0.7
                else _crypto.base58check(b"\x00" + body)
            )
        elif chain == "ETH":
            address = "0x" + body.hex()
        else:
            address = _crypto.base58check(b"\x41" + body)
            # A Tron address may begin 'Tb1…', which readers take for a bech32 'tb1' address.
            while address[:3].lower() in _BECH32_LOOKALIKE:
                address = _crypto.base58check(b"\x41" + rng.randbytes(20))
        return ("crypto", f"{chain}:{address}")

    def url(self, rng: random.Random, town: str = "", onion: bool = False) -> Ident:
        """A web page: an advertisement in ``town``, a file-sharing link or an onion site."""
        if onion:
            return ("url", f"http://{_crypto.onion_v3(rng.randbytes(32))}.onion/")
        domain = pick(rng, self.web_domains)
        if town:
            slug = "".join(c for c in town.lower().replace(" ", "-") if c.isalnum() or c == "-")
            site = f"{slug}-{pick(rng, self.ad_words)}.{domain}"
            return ("url", f"https://{site}/profile/{between(rng, 100, 99999)}")
        token = rng.randbytes(6).hex()
        return ("url", f"https://files.{domain}/s/{token}")

    # -- values and written forms -------------------------------------------------------
    def value(self, ident: Ident) -> Value:
        """The normalised value of an identifier (what the importer will read back)."""
        found = self._values.get(ident)
        if found is None:
            if len(self._values) >= VALUE_CACHE:
                self._values.clear()
            found = self._build(ident, self._fast) or self._value(ident)
            self._values[ident] = found
        return found

    def _calibrate(self) -> Shortcuts:
        """Extras and display prefixes for building simple values without parsing them.

        Each shortcut is checked against nervecentre.types on samples and dropped for a kind
        whose values it does not reproduce exactly, so it can never change the data.
        """
        fast: Shortcuts = {
            "upi": {h: ("", normalise("upi", f"ab@{h}").extra) for h in self.handles},
            "social": {},
        }
        for platform in self.platforms.items:
            sample = normalise("social", f"{platform}:@abcde1")
            fast["social"][platform] = (sample.display.rsplit(" @", 1)[0], sample.extra)
        fast["email"] = fast["url"] = fast["bank_account"] = {}
        fast["vehicle"] = {
            state: (normalise("vehicle", f"{state}01A0001").extra["state_name"], {})
            for state in self.rto
        }
        rng = random.Random(7)
        samples = [
            self.upi(rng, None),
            self.email(rng, None),
            self.url(rng, "Vasai Road"),
            self.url(rng),
            self.url(rng, onion=True),
        ]
        samples += [self.social(rng, None) for _ in range(8)]
        samples += [self.bank(rng) for _ in range(4)] + [self.vehicle(rng) for _ in range(8)]
        for ident in samples:
            if self._build(ident, fast) != self._value(ident):
                fast.pop(ident[0], None)
        return fast

    @staticmethod
    def _build(ident: Ident, fast: Shortcuts) -> Value | None:
        kind, data = ident
        known = fast.get(kind)
        if known is None:
            return None
        if kind == "upi":
            return Value(kind, data, data, known[data.rsplit("@", 1)[1]][1])
        if kind == "email":
            return Value(kind, data, data, Extra({"domain": data.rsplit("@", 1)[1]}))
        if kind == "url":
            host = data.split("/")[2]
            onion = {"onion_version": "3", "onion": "true"} if host.endswith(".onion") else {}
            return Value(kind, data, data, Extra({**onion, "host": host}))
        if kind == "bank_account":
            ifsc, account = data.split(":")
            bank = {"account": account, "ifsc": ifsc, "bank": ifsc[:4]}
            return Value(kind, data, f"A/c {account} (IFSC {ifsc})", Extra(bank))
        if kind == "vehicle":
            state, district, series, number = data.split()
            rto = {"state": state, "state_name": known[state][0], "rto": state + district}
            return Value(kind, state + district + series + number, data, Extra(rto))
        platform, handle = data.split(":")
        label, extra = known[platform]
        return Value(kind, data, f"{label} @{handle}", extra)

    @staticmethod
    def _value(ident: Ident) -> Value:
        kind, data = ident
        if kind == "phone":
            return phone_value(data)
        if kind == "bank_account":
            ifsc, account = data.split(":")
            return normalise(kind, f"{account} {ifsc}")
        if kind == "social":
            platform, handle = data.split(":")
            return normalise(kind, f"{platform}:@{handle}")
        if kind == "crypto":
            return normalise(kind, data.split(":")[1])
        return normalise(kind, data)

    def write(self, rng: random.Random, ident: Ident) -> str:
        """One written form of an identifier, as it appears in a register cell."""
        kind, data = ident
        r = self.rules
        if kind == "phone":
            return r.phone_formats.pick(rng).format(n=data, a=data[:5], b=data[5:])
        if kind == "bank_account":
            ifsc, account = data.split(":")
            return r.bank_formats.pick(rng).format(acct=account, ifsc=ifsc)
        if kind == "vehicle":
            s, d, x, n = data.split()
            return r.vehicle_formats.pick(rng).format(s=s, d=d, x=x, n=n)
        if kind == "social":
            platform, handle = data.split(":")
            return r.social_formats.pick(rng).format(p=platform, h=handle)
        if kind == "crypto":
            chain, address = data.split(":")
            return f"{chain.lower()}:{address}" if rng.random() < r.crypto_prefixed else address
        if kind in ("upi", "email") and rng.random() < r.upper_identifier:
            return data.upper()
        if kind in ("imei", "ip"):
            return f"{kind}:{data}" if rng.random() < 0.3 else data
        return data
