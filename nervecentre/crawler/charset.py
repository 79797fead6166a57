"""Decoding HTML in whatever character set it was written in, declared or not.

The order is the HTML standard's: a byte-order mark, then the HTTP header's charset, then a
``<meta>`` declaration in the first 4 KiB, then the bytes themselves (valid UTF-8 is UTF-8),
and finally windows-1252, the web's default for undeclared legacy pages. Labels follow the
standard's aliases (latin1 and ascii mean windows-1252; gb2312 means gb18030). Bytes that do
not decode become U+FFFD: a page is never refused for its encoding.
"""

from __future__ import annotations

import codecs
import re

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:\-]+)", re.IGNORECASE)
_META = re.compile(
    rb"<meta[^>]+?charset\s*=\s*[\"']?\s*([\w.:\-]+)",
    re.IGNORECASE,
)
# The WHATWG Encoding Standard maps these labels to a superset that browsers actually use.
_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso-8859-9": "cp1254",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "x-sjis": "shift_jis",
    "windows-31j": "cp932",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "tis-620": "cp874",
    "x-user-defined": "cp1252",
    # A page cannot really be UTF-16 without a BOM; the standard reads the label as UTF-8.
    "utf-16": "utf-8",
    "utf-16le": "utf-8",
    "utf-16be": "utf-8",
}
FALLBACK = "cp1252"


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    name = _ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def declared(content_type: str | None, body: bytes) -> str | None:
    """The encoding a page declares (BOM, then header, then meta), or None."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    if content_type:
        found = _HEADER_CHARSET.search(content_type)
        codec = _codec(found.group(1)) if found else None
        if codec:
            return codec
    meta = _META.search(body[:4096])
    return _codec(meta.group(1).decode("ascii", "replace")) if meta else None


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """The page's text and the encoding it was read with."""
    encoding = declared(content_type, body)
    if encoding is None:
        try:
            return body.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            encoding = FALLBACK
    text = body.decode(encoding, errors="replace")
    return text.removeprefix("\ufeff"), encoding
