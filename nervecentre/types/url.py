"""Web addresses (http/https), including Tor .onion services, canonicalised but not rewritten.

Scheme and host are lower-cased (host IDNA-encoded), default ports and the fragment dropped,
an empty path becomes '/'; the path and query are kept exactly, because on most servers they
are case- and order-sensitive and are evidence as captured. Display is the same ASCII form:
showing Unicode hosts would hide homograph phishing domains from the analyst.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from collections.abc import Mapping
from urllib.parse import SplitResult, urlsplit

from nervecentre.types._host import ascii_domain
from nervecentre.types.value import Value, ValueType, quote

# Any whitespace (what str.isspace() means): one regex search, not a generator per character.
_SPACE = re.compile(r"\s")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
_HOST_PORT = re.compile(r"^[\w.\-]+:\d{1,5}(?:[/?#]|$)")
_DANGEROUS = {"javascript", "data", "file", "vbscript", "blob", "about", "filesystem"}
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Defanged indicators ("hxxp://evil[.]com") as threat reports and complaint forwards write them.
_DEFANG = (("[.]", "."), ("(.)", "."), ("[dot]", "."), ("[:]", ":"), ("[://]", "://"))
_HXXP = re.compile(r"^hxxp(s?)(?=://)", re.IGNORECASE)
# The usual shape, http(s) with a plain ASCII host name and an optional port, split the way
# urlsplit does (netloc up to the first '/', '?' or '#'; the fragment cut at the first '#',
# then the query at the first '?') without its general machinery; anything else (user info,
# IPv6, Unicode hosts, odd ports) goes through urlsplit. tests/types/test_url_fast.py checks
# that both give the same answer on many generated addresses, hostile ones included.
_PLAIN = re.compile(
    r"(?P<scheme>[hH][tT][tT][pP][sS]?)://(?P<host>[A-Za-z0-9_.\-]+)(?::(?P<port>[0-9]{1,5}))?"
    r"(?P<path>/[^?#]*)?(?:\?(?P<query>[^#]*))?(?:#.*)?",
    re.DOTALL,
)
_LOOKS = re.compile(
    r"^(?:(?:https?|hxxps?)://|www\.|(?:[\w\-]+\.)*[a-z2-7]{16}(?:[a-z2-7]{40})?\.onion\b)\S+$",
    re.IGNORECASE,
)


# Base32 (RFC 4648, lower case) letters -> the digits int(..., 32) reads: an onion label
# decodes as one integer (base64.b32decode does the same in Python, several times slower).
_BASE32_DIGITS = str.maketrans(
    "abcdefghijklmnopqrstuvwxyz234567", "0123456789abcdefghijklmnopqrstuv"
)
_ONION_V2 = re.compile(r"[a-z2-7]{16}")
_ONION_V3 = re.compile(r"[a-z2-7]{56}")


def onion_version(label: str) -> str:
    """Check an onion-service label; return '3' (checksummed) or '2' (legacy, unverifiable)."""
    if len(label) == 16 and _ONION_V2.fullmatch(label):
        return "2"
    if len(label) != 56 or not _ONION_V3.fullmatch(label):
        raise ValueError("an onion address is 56 letters and digits 2-7 (or 16 for old v2)")
    raw = int(label.translate(_BASE32_DIGITS), 32).to_bytes(35, "big")
    pubkey, checksum, version = raw[:32], raw[32:34], raw[34:]
    if version != b"\x03":
        raise ValueError("unknown onion address version")
    expected = hashlib.sha3_256(b".onion checksum" + pubkey + version).digest()[:2]
    if checksum != expected:
        raise ValueError("the onion address fails its checksum (a character is wrong)")
    return "3"


class UrlType(ValueType):
    """URLs; a scheme-less 'example.com/x' gets http://, javascript:/data:/file: are refused."""

    name = "url"
    label = "web address"
    folds_unicode = False

    def looks_like(self, raw: str) -> bool:
        # Any scheme counts, so detect() explains why 'javascript:' or 'file:' was refused.
        if _SCHEME.match(raw) and not _HOST_PORT.match(raw):
            return True
        return _LOOKS.match(raw) is not None

    def parse(self, text: str, hints: Mapping[str, str]) -> Value:
        url = self.refanged(text)
        if (plain_url := _PLAIN.fullmatch(url)) and (value := self._plain(text, plain_url)):
            return value
        return self.parse_general(text, url)

    def refanged(self, text: str) -> str:
        """`text` with defanged forms ('hxxp', '[.]') undone; InvalidValue if it has a space."""
        url = _HXXP.sub(r"http\1", text)
        if "[" in url or "(" in url:
            for fanged, plain in _DEFANG:
                url = url.replace(fanged, plain)
        if _SPACE.search(url):
            raise self.invalid(f"web address {quote(text)} contains a space", text)
        return url

    def _plain(self, text: str, match: re.Match[str]) -> Value | None:
        """The Value of a URL of the usual shape (_PLAIN), or None to take the general path."""
        scheme, host, port_text, path, query = match.group(
            "scheme", "host", "port", "path", "query"
        )
        port = None
        if port_text is not None:
            port = int(port_text)
            if port > 65535:
                return None  # the general path says why
        return self._assemble(text, scheme.lower(), host, host.lower(), port, path or "", query)

    def parse_general(self, text: str, url: str) -> Value:
        """The general path (urlsplit) for `url`, which is `text` refanged()."""
        scheme_match = _SCHEME.match(url)
        if scheme_match and not _HOST_PORT.match(url):
            scheme = scheme_match.group(1).lower()
            if scheme in _DANGEROUS:
                raise self.invalid(
                    f"{quote(text)} is a {scheme}: link, which runs or embeds content instead of "
                    "pointing to a web page; only http and https addresses are accepted",
                    text,
                )
            if scheme not in _DEFAULT_PORTS:
                raise self.invalid(
                    f"{quote(text)} uses {scheme}:, but only http and https addresses are accepted",
                    text,
                )
        elif url.startswith("//"):
            url = "http:" + url
        else:
            if "." not in url.split("/", 1)[0]:
                raise self.invalid(
                    f"{quote(text)} is not a web address (no scheme, no domain)", text
                )
            url = "http://" + url
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise self.invalid(f"web address {quote(text)} is malformed: {exc}", text) from None
        return self._build(text, parts, port)

    def _build(self, text: str, parts: SplitResult, port: int | None) -> Value:
        scheme = parts.scheme.lower()
        return self._assemble(
            text, scheme, parts.netloc, parts.hostname, port, parts.path, parts.query
        )

    def _assemble(
        self,
        text: str,
        scheme: str,
        netloc_text: str,
        raw_host: str | None,
        port: int | None,
        path: str,
        query: str | None,
    ) -> Value:
        if not raw_host:
            raise self.invalid(f"web address {quote(text)} has no host name", text)
        extra: dict[str, str] = {}
        if "[" in netloc_text:
            try:
                host = "[" + ipaddress.IPv6Address(raw_host).compressed + "]"
            except ValueError:
                raise self.invalid(f"web address {quote(text)} has a bad IPv6 host", text) from None
        else:
            try:
                host = ascii_domain(raw_host)
            except ValueError as exc:
                raise self.invalid(f"web address {quote(text)}: {exc}", text) from None
            if host.endswith(".onion"):
                try:
                    extra["onion_version"] = onion_version(host.split(".")[-2])
                except (ValueError, IndexError) as exc:
                    raise self.invalid(f"web address {quote(text)}: {exc}", text) from None
                extra["onion"] = "true"
        netloc = host
        if port is not None and port != _DEFAULT_PORTS[scheme]:
            netloc = f"{host}:{port}"
        userinfo = netloc_text.rpartition("@")[0]
        if userinfo:
            # Kept: 'http://bank.com@evil.example/' is the phishing evidence itself.
            netloc = f"{userinfo}@{netloc}"
        value = f"{scheme}://{netloc}{path or '/'}"
        if query:
            value += "?" + query
        extra["host"] = host
        return self.make(value, **extra)
