"""Social-media accounts, canonical `platform:handle` (platforms from social_platforms.yaml).

Handles are lower-cased: Instagram, X, Telegram, TikTok and the rest treat them
case-insensitively (YouTube channel ids, which are not, are the declared exception).
A WhatsApp account *is* a phone number, but it stays kind 'social' with the E.164 number as
the handle ('whatsapp:+919876543210'): the record says the number was seen on WhatsApp, and
entity resolution links it to the 'phone' value with the same digits.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import parse_qs, urlsplit

from nervecentre.errors import InvalidValue
from nervecentre.types._data import load
from nervecentre.types.phone import PhoneType
from nervecentre.types.value import Value, ValueType, quote

_PREFIX = re.compile(r"^([A-Za-z][\w.]*?)\s*(?::\s*|\s+(?=@|\+))(.+)$")
_URL = re.compile(r"^(?:https?://)?([\w\-]+(?:\.[\w\-]+)+)(?:[/?#]|$)", re.IGNORECASE)
_HOST_PREFIXES = ("www.", "m.", "mobile.", "web.")


@dataclass(frozen=True, slots=True)
class Platform:
    """One social platform as declared in the data file."""

    name: str
    label: str
    handle: re.Pattern[str] | None
    keep_case: re.Pattern[str] | None
    handle_help: str
    profiles: tuple[tuple[re.Pattern[str], str | None], ...]
    not_profiles: frozenset[str]
    is_phone: bool


def _platform(name: str, spec: dict[str, Any]) -> Platform:
    def pattern(key: str) -> re.Pattern[str] | None:
        return re.compile(spec[key]) if key in spec else None

    return Platform(
        name=name,
        label=spec["label"],
        handle=pattern("handle"),
        keep_case=pattern("keep_case"),
        handle_help=spec.get("handle_help", ""),
        profiles=tuple((re.compile(p["path"]), p.get("query")) for p in spec["profiles"]),
        not_profiles=frozenset(str(s) for s in spec.get("not_profiles", ())),
        is_phone=spec.get("handle_kind") == "phone",
    )


@cache
def platforms() -> dict[str, Platform]:
    """Every declared platform by canonical name."""
    data: dict[str, dict[str, Any]] = load("social_platforms")
    return {name: _platform(name, spec) for name, spec in data.items()}


@cache
def _by_alias() -> dict[str, Platform]:
    data: dict[str, dict[str, Any]] = load("social_platforms")
    found = {}
    for name, spec in data.items():
        for alias in (name, spec["label"], *spec.get("aliases", ())):
            found[str(alias).lower()] = platforms()[name]
    return found


@cache
def _by_host() -> dict[str, Platform]:
    data: dict[str, dict[str, Any]] = load("social_platforms")
    return {host: platforms()[name] for name, spec in data.items() for host in spec["hosts"]}


def _host_platform(host: str) -> Platform | None:
    host = host.lower()
    hosts = _by_host()
    for prefix in ("", *_HOST_PREFIXES):
        if not prefix or host.startswith(prefix):
            found = hosts.get(host[len(prefix) :])
            if found is not None:
                return found
    return None


class SocialType(ValueType):
    """Accounts given as a profile link, `platform:handle`, or a handle plus `platform` hint."""

    name = "social"
    label = "social-media account"
    hints = frozenset({"platform"})

    def looks_like(self, raw: str) -> bool:
        url = _URL.match(raw)
        if url is not None and _host_platform(url.group(1)) is not None:
            return True
        prefix = _PREFIX.match(raw)
        return prefix is not None and prefix.group(1).lower() in _by_alias()

    def parse(self, text: str, hints: Mapping[str, str]) -> Value:
        hinted = None
        if "platform" in hints:
            hinted = _by_alias().get(hints["platform"].strip().lower())
            if hinted is None:
                known = ", ".join(platforms())
                raise self.invalid(f"unknown platform {hints['platform']!r}; known: {known}", text)
        platform, handle, from_url = self._split(text, hinted)
        if hinted is not None and platform is not hinted:
            raise self.invalid(
                f"{quote(text)} is a {platform.label} account, not {hinted.label}", text
            )
        if platform.is_phone:
            return self._phone(platform, handle, from_url, text)
        handle = handle.strip().removeprefix("@").rstrip("/")
        if not (platform.keep_case and platform.keep_case.fullmatch(handle)):
            handle = handle.lower()
            if platform.handle is not None and not platform.handle.fullmatch(handle):
                raise self.invalid(
                    f"{quote(handle)} is not a valid {platform.label} handle "
                    f"({platform.handle_help})",
                    text,
                )
        if handle in platform.not_profiles:
            raise self.invalid(
                f"{quote(text)} points to a {platform.label} page ({handle}), not a profile", text
            )
        return self.make(
            f"{platform.name}:{handle}", f"{platform.label} @{handle}", platform=platform.name
        )

    def _split(self, text: str, hinted: Platform | None) -> tuple[Platform, str, bool]:
        """Find (platform, raw handle, came-from-a-link) in any accepted input form."""
        url = _URL.match(text)
        if url is not None:
            platform = _host_platform(url.group(1))
            if platform is not None:
                return platform, self._from_url(platform, text), True
        prefix = _PREFIX.match(text)
        if prefix is not None:
            platform = _by_alias().get(prefix.group(1).lower())
            if platform is not None:
                return platform, prefix.group(2), False
        if hinted is not None:
            return hinted, text, False
        raise self.invalid(
            f"{quote(text)} does not say which platform it is on; write it as "
            "'instagram:@name', give the profile link, or pass the platform",
            text,
        )

    def _from_url(self, platform: Platform, text: str) -> str:
        parts = urlsplit(text if "://" in text else "https://" + text)
        for path, query in platform.profiles:
            match = path.fullmatch(parts.path or "/")
            if match is None:
                continue
            if query is None:
                return match.group("handle")
            values = parse_qs(parts.query).get(query)
            if values:
                return values[0]
        raise self.invalid(f"{quote(text)} is a {platform.label} link but not a profile", text)

    def _phone(self, platform: Platform, handle: str, from_url: bool, text: str) -> Value:
        number = handle.strip()
        if from_url and not number.startswith("+"):
            # wa.me links always carry the full international number without '+'.
            number = "+" + number
        try:
            phone = PhoneType().clean(number)
        except InvalidValue as exc:
            raise self.invalid(f"{platform.label} account {quote(text)}: {exc}", text) from None
        return self.make(
            f"{platform.name}:{phone.value}",
            f"{platform.label} {phone.display}",
            platform=platform.name,
        )
