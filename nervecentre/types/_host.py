"""Domain-name handling shared by email and URL: IDNA to ASCII, label checks."""

from __future__ import annotations

import re

_LABEL = re.compile(r"^(?!-)[a-z0-9_\-]{1,63}(?<!-)$")


def ascii_domain(domain: str) -> str:
    """Lower-case `domain` and IDNA-encode it; raise ValueError with a reason if malformed."""
    domain = domain.lower().rstrip(".")
    if not domain:
        raise ValueError("the domain is empty")
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            raise ValueError("the domain has characters no internet domain can have") from None
    if len(domain) > 253:
        raise ValueError("the domain is longer than 253 characters")
    for label in domain.split("."):
        if not label:
            raise ValueError("the domain has an empty part (two dots in a row)")
        if not _LABEL.match(label):
            raise ValueError(f"the domain part {label!r} is not allowed in a domain name")
    return domain
