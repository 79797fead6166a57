"""Cryptocurrency addresses with chain detection and checksum validation.

Canonical case: bech32 and CashAddr lower case, base58 unchanged (it is case-sensitive),
Ethereum in its EIP-55 checksummed form.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from Crypto.Hash import keccak

from nervecentre.types import _base58, _bech32
from nervecentre.types.value import Value, ValueType, quote

CHAINS = ("BTC", "LTC", "DOGE", "BCH", "ETH", "TRX", "XMR")
# Any whitespace (what str.isspace() means): one regex search, not a generator per character.
_SPACE = re.compile(r"\s")
_ALIASES = {
    "BITCOIN": "BTC",
    "XBT": "BTC",
    "LITECOIN": "LTC",
    "DOGECOIN": "DOGE",
    "BITCOINCASH": "BCH",
    "ETHEREUM": "ETH",
    "ERC20": "ETH",
    "BEP20": "ETH",
    "EVM": "ETH",
    "TRON": "TRX",
    "TRC20": "TRX",
    "MONERO": "XMR",
}
_NAMES = {
    "BTC": "Bitcoin",
    "LTC": "Litecoin",
    "DOGE": "Dogecoin",
    "BCH": "Bitcoin Cash",
    "ETH": "Ethereum",
    "TRX": "Tron",
    "XMR": "Monero",
}
# Base58Check version byte -> (chain, network, type).
_BASE58_VERSIONS = {
    0x00: ("BTC", "mainnet", "p2pkh"),
    0x05: ("BTC", "mainnet", "p2sh"),
    0x6F: ("BTC", "testnet", "p2pkh"),
    0xC4: ("BTC", "testnet", "p2sh"),
    0x30: ("LTC", "mainnet", "p2pkh"),
    0x32: ("LTC", "mainnet", "p2sh"),
    0x1E: ("DOGE", "mainnet", "p2pkh"),
    0x16: ("DOGE", "mainnet", "p2sh"),
}
# Legacy formats other chains share with Bitcoin; only a chain hint can tell them apart.
_SHARED_VERSIONS = {0x00: {"BCH"}, 0x05: {"BCH", "LTC"}}
_SEGWIT_HRPS = {
    "bc": ("BTC", "mainnet"),
    "tb": ("BTC", "testnet"),
    "bcrt": ("BTC", "regtest"),
    "ltc": ("LTC", "mainnet"),
    "tltc": ("LTC", "testnet"),
}
_CASHADDR_PREFIXES = {"bitcoincash": "mainnet", "bchtest": "testnet", "bchreg": "regtest"}
# Monero network tag -> (network, type); integrated addresses carry an 8-byte payment id.
_XMR_TAGS = {
    18: ("mainnet", "standard"),
    19: ("mainnet", "integrated"),
    42: ("mainnet", "subaddress"),
    53: ("testnet", "standard"),
    54: ("testnet", "integrated"),
    63: ("testnet", "subaddress"),
    24: ("stagenet", "standard"),
    25: ("stagenet", "integrated"),
    36: ("stagenet", "subaddress"),
}
# Payment URIs (BIP-21 and friends) pasted from scam e-mails and QR codes.
_URI = re.compile(r"^(bitcoin|litecoin|dogecoin|ethereum|monero|tron):(?://)?", re.IGNORECASE)
_URI_CHAINS = {
    "bitcoin": "BTC",
    "litecoin": "LTC",
    "dogecoin": "DOGE",
    "ethereum": "ETH",
    "monero": "XMR",
    "tron": "TRX",
}
_B58 = "1-9A-HJ-NP-Za-km-z"
_LOOKS = re.compile(
    rf"^(?:0[xX][0-9a-fA-F]{{40}}|[{_B58}]{{25,35}}|[{_B58}]{{95}}|[{_B58}]{{106}}"
    r"|(?:bc|tb|bcrt|ltc|tltc|BC|TB|BCRT|LTC|TLTC)1[02-9ac-hj-np-zAC-HJ-NP-Z]{6,87}"
    r"|(?:bitcoincash:|bchtest:|BITCOINCASH:)?[qpQP][02-9ac-hj-np-zAC-HJ-NP-Z]{41}"
    r"|(?:bitcoin|litecoin|dogecoin|ethereum|monero|tron):\S+)$"
)
_HEX40 = re.compile(r"^[0-9a-fA-F]{40}$")


def keccak256(data: bytes) -> bytes:
    """Keccak-256 (the pre-standard SHA-3 that Ethereum and Monero use)."""
    return keccak.new(data=data, digest_bits=256).digest()


def eip55(hex40: str) -> str:
    """The EIP-55 mixed-case checksummed form of a 40-hex-digit Ethereum address."""
    lower = hex40.lower()
    digest = keccak256(lower.encode("ascii")).hex()
    return "0x" + "".join(
        c.upper() if d in "89abcdef" else c for c, d in zip(lower, digest, strict=False)
    )


def chain_code(name: str) -> str:
    """Map a chain hint ('btc', 'Bitcoin', 'TRC20') to its code, or raise ValueError."""
    code = name.strip().upper().replace(" ", "").replace("-", "")
    code = _ALIASES.get(code, code)
    if code not in CHAINS:
        raise ValueError(f"unknown chain {name!r}; known: {', '.join(CHAINS)}")
    return code


class CryptoType(ValueType):
    """BTC, LTC, DOGE, BCH, ETH, TRX and XMR addresses; the `chain` hint restricts the match."""

    name = "crypto"
    label = "crypto address"
    hints = frozenset({"chain"})

    def looks_like(self, raw: str) -> bool:
        return _LOOKS.match(raw) is not None

    def parse(self, text: str, hints: Mapping[str, str]) -> Value:
        try:
            wanted = chain_code(hints["chain"]) if "chain" in hints else None
        except ValueError as exc:
            raise self.invalid(str(exc), text) from None
        address = text
        if uri := _URI.match(address):
            implied = _URI_CHAINS[uri.group(1).lower()]
            if wanted is not None and wanted != implied:
                raise self.invalid(f"{quote(text)} is a {_NAMES[implied]} payment link", text)
            wanted = implied
            address = re.split(r"[?@/]", address[uri.end() :], maxsplit=1)[0]
        if _SPACE.search(address):
            raise self.invalid(f"crypto address {quote(text)} contains a space", text)
        try:
            value = self._dispatch(address, wanted)
        except _base58.ChecksumError:
            raise self.invalid(self._checksum_message(text), text) from None
        except _bech32.ChecksumError as exc:
            raise self.invalid(f"{self._checksum_message(text)} ({exc})", text) from None
        except ValueError as exc:
            raise self.invalid(f"crypto address {quote(text)} is malformed: {exc}", text) from None
        chain = value.extra["chain"]
        if wanted is not None and chain != wanted:
            raise self.invalid(
                f"{quote(text)} is a {_NAMES[chain]} address, not {_NAMES[wanted]}", text
            )
        return value

    @staticmethod
    def _checksum_message(text: str) -> str:
        return (
            f"crypto address {quote(text)} fails its checksum: a character is mistyped or the "
            "address was altered"
        )

    def _dispatch(self, address: str, wanted: str | None) -> Value:
        lower = address.lower()
        if lower.startswith("0x"):
            return self._ethereum(address)
        prefix, colon, _ = lower.partition(":")
        if colon and prefix in _CASHADDR_PREFIXES:
            return self._cashaddr(lower)
        if not colon and lower[:1] in "qp" and len(lower) == 42:
            return self._cashaddr("bitcoincash:" + lower)
        hrp = lower.rpartition("1")[0]
        if hrp in _SEGWIT_HRPS:
            return self._segwit(address)
        if len(address) in (95, 106):
            return self._monero(address)
        if 25 <= len(address) <= 35:
            return self._base58check(address, wanted)
        raise ValueError(
            "it does not have the shape of a Bitcoin, Litecoin, Dogecoin, Bitcoin Cash, "
            "Ethereum, Tron or Monero address"
        )

    def _ethereum(self, address: str) -> Value:
        body = address[2:]
        if not _HEX40.match(body):
            raise ValueError("an Ethereum address is 0x followed by 40 hexadecimal digits")
        checksummed = eip55(body)
        if body != body.lower() and body != body.upper() and body != checksummed[2:]:
            # Mixed case is a checksum (EIP-55); all-lower or all-upper carries none.
            raise _base58.ChecksumError("EIP-55")
        # The same address is valid on every EVM chain (BSC, Polygon …); ETH stands for all.
        return self.make(checksummed, chain="ETH", network="mainnet", type="account")

    def _segwit(self, address: str) -> Value:
        hrp, version, program, _ = _bech32.decode_segwit(address)
        chain, network = _SEGWIT_HRPS[hrp]
        if version == 0:
            kind = "p2wpkh" if len(program) == 20 else "p2wsh"
        elif version == 1 and len(program) == 32:
            kind = "p2tr"
        else:
            kind = f"witness_v{version}"
        return self.make(address.lower(), chain=chain, network=network, type=kind)

    def _cashaddr(self, address: str) -> Value:
        prefix, version, _ = _bech32.decode_cashaddr(address)
        kind = {0: "p2pkh", 1: "p2sh"}.get(version >> 3, f"type{version >> 3}")
        network = _CASHADDR_PREFIXES[prefix]
        return self.make(address, chain="BCH", network=network, type=kind)

    def _monero(self, address: str) -> Value:
        data = _base58.monero_decode(address)
        if keccak256(data[:-4])[:4] != data[-4:]:
            raise _base58.ChecksumError("Monero")
        tag = _XMR_TAGS.get(data[0])
        if tag is None:
            raise ValueError("unknown Monero network tag")
        network, kind = tag
        if len(data) != (77 if kind == "integrated" else 69):
            raise ValueError(f"wrong length for a Monero {kind} address")
        return self.make(address, chain="XMR", network=network, type=kind)

    def _base58check(self, address: str, wanted: str | None) -> Value:
        payload = _base58.check_decode(address)
        if len(payload) != 21:
            raise ValueError("a base58 address holds a 1-byte version and a 20-byte hash")
        version = payload[0]
        if version == 0x41:
            return self.make(address, chain="TRX", network="mainnet", type="account")
        if version not in _BASE58_VERSIONS:
            raise ValueError(f"unknown address version byte {version:#04x}")
        chain, network, kind = _BASE58_VERSIONS[version]
        if wanted is not None and wanted in _SHARED_VERSIONS.get(version, ()):
            chain = wanted
        return self.make(address, chain=chain, network=network, type=kind)
