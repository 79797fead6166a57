"""UPI virtual payment addresses (VPAs), canonical `handle@psp` in lower case."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from urllib.parse import parse_qs

from nervecentre.types._data import load
from nervecentre.types.value import Value, ValueType, quote

# Any whitespace (what str.isspace() means): one regex search, not a generator per character.
_SPACE = re.compile(r"\s")
_LOCAL = re.compile(r"^[a-z0-9.\-_]{2,256}$")
_PSP = re.compile(r"^[a-z][a-z0-9]{1,63}$")
_LOOKS = re.compile(r"^(?:upi://\S*|[A-Za-z0-9.\-_]{2,256}@[A-Za-z][A-Za-z0-9]{1,63})$")


@cache
def known_psps() -> Mapping[str, str]:
    """PSP handle -> operator, from data/upi_handles.yaml."""
    data: dict[str, str] = load("upi_handles")
    return {str(k).lower(): str(v) for k, v in data.items()}


class UpiType(ValueType):
    """UPI IDs such as `ravi.k@oksbi` or `9876543210@ybl`; also read from `upi://pay` links."""

    name = "upi"
    label = "UPI ID"

    def looks_like(self, raw: str) -> bool:
        return _LOOKS.match(raw) is not None

    def parse(self, text: str, hints: Mapping[str, str]) -> Value:
        vpa = text
        if vpa[:6].lower() == "upi://":
            # Payment QR codes carry the payee as pa=; scam messages paste such links.
            payee = parse_qs(vpa.partition("?")[2]).get("pa")
            if not payee:
                raise self.invalid(f"UPI link {quote(text)} has no payee address (pa=)", text)
            vpa = payee[0].strip()
        vpa = vpa.lower()
        if _SPACE.search(vpa):
            raise self.invalid(f"UPI ID {quote(text)} contains a space", text)
        if vpa.count("@") != 1:
            raise self.invalid(f"UPI ID {quote(text)} must contain exactly one '@'", text)
        local, psp = vpa.split("@")
        if "." in psp:
            raise self.invalid(
                f"{quote(text)} has a dot after the '@', so it is an email address, not a UPI ID",
                text,
            )
        if not _PSP.match(psp):
            raise self.invalid(
                f"UPI ID {quote(text)}: the bank handle after '@' must be letters and digits",
                text,
            )
        if not _LOCAL.match(local):
            raise self.invalid(
                f"UPI ID {quote(text)}: the part before '@' must be 2 to 256 letters, digits, "
                "dots, hyphens or underscores",
                text,
            )
        value = f"{local}@{psp}"
        provider = known_psps().get(psp)
        if provider is None:
            return self.make(value, psp=psp, known_psp="false")
        return self.make(value, psp=psp, known_psp="true", provider=provider)
