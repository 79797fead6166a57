"""Email addresses, canonical `local@domain` in lower case with an IDNA (ASCII) domain."""

from __future__ import annotations

import re
from collections.abc import Mapping

from nervecentre.types._host import ascii_domain
from nervecentre.types.value import Value, ValueType, quote

# `"Ravi Kumar" <ravi@example.com>` or `Ravi <ravi@example.com>`: keep what is in the brackets.
# Any whitespace (what str.isspace() means): one regex search, not a generator per character.
_SPACE = re.compile(r"\s")
_NAMED = re.compile(r'^(?:"[^"]*"|[^<>"]*)\s*<([^<>]*)>$')
_LOCAL = re.compile(r"^[\w!#$%&'*+/=?^`{|}~\-]+(?:\.[\w!#$%&'*+/=?^`{|}~\-]+)*$")
_LOOKS = re.compile(r"[^\s@<>]+@[^\s@<>]+\.[^\s@<>.]+")
_TLD = re.compile(r"^(?:[a-z]{2,63}|xn--[a-z0-9\-]{1,59})$")


class EmailType(ValueType):
    """Email addresses; a domain without a dot is refused because it is probably a UPI ID."""

    name = "email"
    label = "email address"

    def looks_like(self, raw: str) -> bool:
        return "@" in raw and _LOOKS.search(raw) is not None

    def parse(self, text: str, hints: Mapping[str, str]) -> Value:
        address = text
        if address[:7].lower() == "mailto:":
            address = address[7:].split("?", 1)[0]
        named = _NAMED.match(address)
        if named:
            address = named.group(1).strip()
        if _SPACE.search(address):
            raise self.invalid(f"email {quote(text)} contains a space", text)
        ats = address.count("@")
        if ats == 0:
            raise self.invalid(f"email {quote(text)} has no '@'", text)
        if ats > 1:
            raise self.invalid(f"email {quote(text)} has more than one '@'", text)
        local, domain = address.split("@")
        if not local:
            raise self.invalid(f"email {quote(text)} has nothing before the '@'", text)
        if len(local) > 64:
            raise self.invalid(
                f"email {quote(text)}: the part before '@' is over 64 characters", text
            )
        if local.startswith('"'):
            raise self.invalid(
                f"email {quote(text)} uses a quoted name, which is not supported", text
            )
        if not _LOCAL.match(local):
            raise self.invalid(
                f"email {quote(text)}: the part before '@' has characters (or dots) an email "
                "address cannot have",
                text,
            )
        try:
            domain = ascii_domain(domain)
        except ValueError as exc:
            raise self.invalid(f"email {quote(text)}: {exc}", text) from None
        if "." not in domain:
            raise self.invalid(
                f"email {quote(text)} has no dot in its domain; it looks like a UPI ID, "
                "not an email address",
                text,
            )
        if not _TLD.match(domain.rsplit(".", 1)[1]):
            raise self.invalid(
                f"email {quote(text)} does not end in a real top-level domain such as .com or .in",
                text,
            )
        # Local parts are lower-cased too: RFC 5321 lets them be case-sensitive, but Gmail,
        # Outlook, Rediffmail and the Indian providers ignore case, and one suspect must not
        # become two because a register typed "Ravi@" once and "ravi@" elsewhere.
        value = f"{local.lower()}@{domain}"
        return self.make(value, domain=domain)
