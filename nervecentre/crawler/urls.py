"""URLs as the crawler sees them: resolved, canonical for fetching, and keyed for de-duplication.

:func:`canonical` applies the URL value type's rules (nervecentre.types.url: scheme and host
lower-cased, the host IDNA-encoded, default ports and the fragment dropped, an empty path made
'/') and, because a crawler must not be trapped by them, removes session ids (query parameters
and ``;jsessionid=`` path parameters) and tracking parameters, resolves dot segments and
normalises percent-encoding. :func:`url_key` additionally sorts the query, so that
permutations of one query are one URL. The URL fetched and recorded keeps its query order.
"""

from __future__ import annotations

import functools
import hashlib
import re
from urllib.parse import SplitResult, quote, unquote, urljoin, urlsplit, urlunsplit

from nervecentre.errors import InvalidValue
from nervecentre.types._host import ascii_domain

_DEFAULT_PORTS = {"http": 80, "https": 443}
# Parameter names that only ever carry a session or a click id, whatever their value.
SESSION_PARAMS = frozenset(
    {
        "jsessionid",
        "phpsessid",
        "aspsessionid",
        "sessionid",
        "session_id",
        "sessid",
        "cfid",
        "cftoken",
        "sid_token",
        "fbclid",
        "gclid",
        "msclkid",
        "yclid",
    }
)
# Names that carry a session id only when the value looks like one (long and random).
_MAYBE_SESSION = frozenset({"sid", "s", "session", "token"})
_SESSION_VALUE = re.compile(r"^[0-9A-Za-z_\-]{16,}$")
_PATH_SESSION = re.compile(r";(?:jsessionid|phpsessid|sessionid|sid)=[^/?#]*", re.IGNORECASE)
_ASPNET_COOKIELESS = re.compile(r"/\([A-Za-z]\([0-9A-Za-z_\-]{16,}\)\)")
# Characters left as they are in a path or query; everything else is percent-encoded.
_SAFE_PATH = "/:@!$&'()*+,;=-._~%"
_SAFE_QUERY = _SAFE_PATH + "?"
MEDIA_EXTENSIONS = frozenset(
    [
        "jpg",
        "jpeg",
        "jpe",
        "jfif",
        "png",
        "gif",
        "webp",
        "bmp",
        "dib",
        "tif",
        "tiff",
        "avif",
        "heic",
        "heif",
        "ico",
        "jp2",
        "pbm",
        "pgm",
        "ppm",
    ]
)
# A year and a month (or a full date) in a path or query: the mark of a calendar.
_DATE = re.compile(
    r"(?:^|[/=_\-])(?:1[89]|2[01])\d\d(?:[/\-_]|%2F)?(?:0?[1-9]|1[0-2])(?:[/\-_&]|$|[/\-]\d)"
)
_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")
MAX_URL_LENGTH = 2048


@functools.lru_cache(maxsize=4096)
def _netloc(scheme: str, netloc: str) -> str:
    parts = urlsplit(f"{scheme}://{netloc}")
    host = parts.hostname
    if not host:
        raise ValueError("no host name")
    port = parts.port  # raises ValueError for a bad port
    host = f"[{host}]" if ":" in host else ascii_domain(host)  # IPv6 has colons
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    return host


def _clean_query(query: str) -> list[str]:
    kept = []
    for pair in query.split("&"):
        if not pair:
            continue
        name = unquote(pair.partition("=")[0]).lower()
        value = pair.partition("=")[2]
        if name in SESSION_PARAMS or name.startswith("utm_"):
            continue
        if name in _MAYBE_SESSION and _SESSION_VALUE.match(value):
            continue
        kept.append(_requote(pair, _SAFE_QUERY))
    return kept


def _requote(text: str, safe: str) -> str:
    # Encodes what must be (spaces, non-ASCII) and upper-cases existing escapes, but never
    # decodes one: %2F in a path or %26 in a query value means something else unescaped.
    return _ESCAPE.sub(lambda m: m.group(0).upper(), quote(text, safe=safe))


def _dot_segments(path: str) -> str:
    if "/." not in path:
        return path
    out: list[str] = []
    for segment in path.split("/")[1:]:
        if segment == "..":
            if out:
                out.pop()
        elif segment != ".":
            out.append(segment)
    trailing = path.endswith(("/.", "/.."))
    return "/" + "/".join(out) + ("/" if trailing and out else "")


def _parts(url: str) -> SplitResult:
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in _DEFAULT_PORTS:
        raise ValueError(f"only http and https are crawled, not {parts.scheme or 'no scheme'}")
    return parts


def canonical(url: str, base: str | None = None) -> str | None:
    """The canonical absolute form of ``url`` (resolved against ``base``), or None when it is
    not a crawlable http(s) URL (mailto:, javascript:, data:, malformed, too long)."""
    try:
        if base is not None:
            url = urljoin(base, url.strip())
        parts = _parts(url)
        scheme = parts.scheme.lower()
        netloc = _netloc(scheme, parts.netloc.rpartition("@")[2])
    except (ValueError, UnicodeError):
        return None
    path = _ASPNET_COOKIELESS.sub("", _PATH_SESSION.sub("", parts.path)) or "/"
    path = _requote(_dot_segments(path), _SAFE_PATH)
    query = "&".join(_clean_query(parts.query))
    result = urlunsplit((scheme, netloc, path, query, ""))
    return result if len(result) <= MAX_URL_LENGTH else None


def check_seed(url: str) -> str:
    """The canonical seed URL, or InvalidValue saying why it cannot be crawled."""
    try:
        parts = _parts(url)
        if not parts.netloc:
            raise ValueError("it has no host")
        _netloc(parts.scheme.lower(), parts.netloc.rpartition("@")[2])
    except (ValueError, UnicodeError) as exc:
        raise InvalidValue(f"not a URL to crawl: {url!r} ({exc})", kind="url", value=url) from None
    found = canonical(url)
    if found is None:
        raise InvalidValue(f"not a URL to crawl: {url!r}", kind="url", value=url)
    return found


def url_key(url: str) -> str:
    """The de-duplication key of a canonical URL: SHA-256 (hex) of it with its query sorted."""
    head, _, query = url.partition("?")
    if query:
        head += "?" + "&".join(sorted(query.split("&")))
    return hashlib.sha256(head.encode("utf-8", "surrogatepass")).hexdigest()


def host_of(url: str) -> str:
    """The host (and non-default port) of a canonical URL: the unit of politeness."""
    return url.split("/", 3)[2]


def looks_like_media(url: str) -> bool:
    """Whether the URL's path names an image file (a hint only: the bytes decide)."""
    path = url.partition("?")[0].rsplit("/", 1)[-1]
    return path.rpartition(".")[2].lower() in MEDIA_EXTENSIONS if "." in path else False


def calendar_shape(url: str) -> str | None:
    """For a URL that carries a date (a calendar page), its shape with digits blanked out:
    the URLs of one endless calendar share it. None for URLs without a date."""
    rest = url.split("/", 3)[-1]
    if not _DATE.search("/" + rest):
        return None
    return host_of(url) + "/" + re.sub(r"\d+", "#", rest)
