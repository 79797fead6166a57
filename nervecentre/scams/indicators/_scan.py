"""Cheap candidate patterns over the whole text, each candidate then validated.

The patterns are compiled once and deliberately loose; nothing is an indicator until its
checksum or structure validates (_validate). Crypto addresses that mail wrapped across lines
or split into groups are rejoined from a strong first piece (one holding a digit or an inner
capital), trying each join whose length a real address can have.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from nervecentre.scams.indicators import _validate

_B58 = "1-9A-HJ-NP-Za-km-z"
_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
# Tokens that may start (or be) a crypto address, one pattern per family so that each begins
# with a literal or a rare character class (the regex engine then skips text quickly); the
# family decides the lengths to try.
_FAMILIES = (
    (
        "eth",
        re.compile(r"[xX](?<=0[xX])(?<![0-9A-Za-z]0[xX])[0-9a-fA-F]+(?![0-9A-Za-z])"),
        ("0x", "0X"),
        1,
    ),
    (
        "bech",
        re.compile(r"[cC]1(?:(?<=[bB][cC]1)|(?<=[lL][tT][cC]1))[0-9A-Za-z]*(?![0-9A-Za-z])"),
        ("c1", "C1"),
        -1,
    ),
    (
        "b58",
        # A token that crypto() would look at: starting with a digit, or holding a digit or
        # a capital after its first letter, or long enough to be an address whole (so that
        # words such as 'Transfer' or 'Mumbai' never leave the regex engine).
        re.compile(
            rf"[13LMT48](?<![0-9A-Za-z].)(?:(?<=[1348])|(?=[{_B58}]*[0-9A-Z])|(?=[{_B58}]{{25}}))"
            rf"[{_B58}]{{3,}}(?![0-9A-Za-z])"
        ),
        (),
        0,
    ),
)
# Each pattern starts with a plain character class (what comes before it is checked by a
# look-behind), so that the regex engine skips text between candidates in C; the fourth item
# says how far before the match the token starts: the '0' of '0x', back over the
# 'bc' or 'ltc' of a bech32 prefix (-1: found in code), or none.
# The next piece of a split address: spaces, or one line break with mail quoting ('> ').
# One blank line may come between (an HTML body's paragraphs as text).
_NEXT = re.compile(r"[ \t\u00a0]{0,8}(?:-[ \t]{0,2})?(?:\r?\n[ \t>]*){0,2}([0-9A-Za-z]+)")
_MAX_PIECES = 40
_HEX = re.compile(r"[0-9a-fA-F]+")

_LOCAL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")
# The local part before an '@' (read backwards), and the domain or handle after it.
_LOCAL_BACK = re.compile(r"[A-Za-z0-9._%+\-]{0,256}")  # over the text before, reversed
_AFTER = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}\.)*[A-Za-z0-9\-]*[A-Za-z0-9]")
_TLD_END = re.compile(r"\.[A-Za-z]{2,24}$")
# From each '://' or 'www.' (literal searches), the scheme before and the rest after.
_URL_MARK = re.compile(r"[:wW](?:(?<=:)//|(?<=[wW])[wW][wW]\.)")  # class first: fast skip
_URL_REST = re.compile(r"[^\s<>\"'`{}|\\^\[\]]{1,2048}")  # a URL is at most 2 KB here
_URL_TAIL = ".,;:!?'\")]}*"
_ONION = re.compile(r"\.[oO][nN][iI][oO][nN](?![A-Za-z0-9\-])")
_ONION_LABEL = re.compile(r"[A-Za-z2-7]{56}")
# A run of digits with the separators people write in numbers; its ends are checked in code.
_PHONE = re.compile(r"[+(]?[0-9][0-9 \t().\-]{5,}[0-9]")
# The same runs found fast (a pattern that starts with a plain class lets the regex engine skip
# text in C); a run that starts with '+' or '(' not before a digit is matched again by _PHONE.
_PHONE_RUN = re.compile(r"[+(0-9][0-9 \t().\-]{5,}[0-9]")
_SEPARATORS = str.maketrans("", "", " \t().-+")
_BEFORE_PHONE = frozenset(".+/:@-_")
# Where a number after ':' or '/' is still a phone: tel: links and WhatsApp chat links.
_PHONE_LINK = re.compile(r"(?:tel:|callto:|wa\.me/|whatsapp\.com/send\?phone=)$", re.IGNORECASE)
# Words that say an '@' address without a known handle is a UPI ID all the same.
_SAYS_UPI = re.compile(r"upi|vpa|gpay|google ?pay|phone ?pe|paytm|bhim|यूपीआई|यूपीआय", re.IGNORECASE)
# Numbers that these words introduce (as one of the two words before) are references.
_NOT_PHONE = frozenset(
    "invoice inv order bill ref reference txn transaction trans utr rrn a/c acct account pnr awb"  # noqa: SIM905
    " tracking otp pin amount amt rs inr usd ticket case fir policy receipt serial customer cust"
    " block height nonce".split()
)
_WORDS = re.compile(r"[a-z/]+")


def _reference(text: str, start: int) -> bool:
    """Whether the number at `start` follows a word such as 'invoice' or 'order id'."""
    return _reference_before(text[max(0, start - 30) : start])


@lru_cache(maxsize=4096)
def _reference_before(window: str) -> bool:
    """The words before a number repeat from message to message of a campaign ('call me on
    WhatsApp '): each window is read once."""
    before = _WORDS.findall(window.lower())
    return not _NOT_PHONE.isdisjoint(before[-2:])


_BASE32 = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ234567")

Found = tuple[str, str, int, int]  # kind, value, start, end in the cleaned text


_STRONG = re.compile(r"[0-9A-Z]")


def _strong(token: str) -> bool:
    """A first piece worth rejoining: it starts with a digit, or holds a digit or a capital
    after its first letter (unlike the words of a sentence)."""
    return token[0].isdigit() or _STRONG.search(token, 1) is not None


# The lengths an address of each family can have (a set: one lookup per join tried).
_LENGTHS = {
    "b58": frozenset(range(26, 36)),
    "xmr": frozenset({95, 106}),
    "eth": frozenset({42}),
    "bech": frozenset(range(14, 75)),
}


# Characters after the '1' of a segwit address for 20- and 32-byte programs (P2WPKH, P2WSH,
# Taproot): a whole token is checked at any length, a rejoined one only at these.
_SEGWIT_DATA = frozenset({40, 60})
_MAX_LENGTH = {"b58": 35, "xmr": 106, "eth": 42, "bech": 74}
# The characters each family's addresses are written in (bech32's data part in either case):
# a cheap necessary condition checked on each piece before any join is validated.
_ALPHABETS = {
    "b58": re.compile(f"[{_B58}]*"),
    "xmr": re.compile(f"[{_B58}]*"),
    "eth": re.compile("[0-9a-fA-F]*"),
    "bech": re.compile("[02-9ac-hj-np-zAC-HJ-NP-Z]*"),
}


def _tokens(text: str) -> list[tuple[int, int, str]]:
    """(start, end, family) of each whole token that may be (the start of) an address."""
    found = []
    for family, pattern, hints, back in _FAMILIES:
        if hints and hints[0] not in text and hints[1] not in text:
            continue
        for match in pattern.finditer(text):
            start, end = match.span()
            if back == -1:
                start -= 2 if text[start - 1] in "tT" else 1  # 'ltc1' or 'bc1'
                if start and text[start - 1] in _ALNUM:
                    continue
            else:
                start -= back
            kind = "xmr" if family == "b58" and text[start] in "48" else family
            found.append((start, end, kind))
    found.sort()
    return found


def crypto(text: str) -> Iterator[Found]:
    """Crypto addresses, whole or rejoined from pieces."""
    skip_to = 0
    for start, end, family in _tokens(text):
        if start < skip_to:
            continue
        token = text[start:end]
        lengths = _LENGTHS[family]
        if end - start in lengths and (found := _validate.crypto(token)):
            yield _chain_by_context(text, start, found), found[1], start, end
            continue
        longest = _MAX_LENGTH[family]
        if len(token) > longest or len(token) < 3 or not _strong(token):
            continue
        alphabet = _ALPHABETS[family]
        body_at = token.find("1") + 1 if family == "bech" else 2 if family == "eth" else 0
        if not alphabet.fullmatch(token, body_at):  # past the '0x' or 'bc1' of the token
            continue
        joined, pos = token, end
        for _ in range(_MAX_PIECES):
            piece = _NEXT.match(text, pos)
            if piece is None or not alphabet.fullmatch(piece.group(1)):
                break  # a character no address of the family has: no longer join can be one
            joined += piece.group(1)
            pos = piece.end()
            if len(joined) > longest:
                break
            if len(joined) not in lengths:
                continue
            if family == "bech" and len(joined) - joined.index("1") not in _SEGWIT_DATA:
                continue  # rejoined pieces: only the lengths of real witness programs
            found = _validate.crypto(joined)
            if found is None:
                continue
            if found[0] == "eth" and _hex_run_continues(text, pos, joined):
                break  # the start of a longer hex string (a hash), not an address
            yield _chain_by_context(text, start, found), found[1], start, pos
            skip_to = pos
            break


_LITECOIN = re.compile(r"litecoin|\bltc\b", re.IGNORECASE)
_BITCOIN = re.compile(r"bitcoin|\bbtc\b", re.IGNORECASE)


def _chain_by_context(text: str, start: int, found: tuple[str, str]) -> str:
    """'3…' addresses are Bitcoin's or Litecoin's (old) P2SH: the nearest coin named before
    the address decides; Bitcoin when none is."""
    if found[0] != "btc" or not _validate.litecoin_p2sh(found[1]):
        return found[0]
    window = text[max(0, start - 120) : start]
    ltc = [m.end() for m in _LITECOIN.finditer(window)]
    btc = [m.end() for m in _BITCOIN.finditer(window)]
    return "ltc" if ltc and (not btc or ltc[-1] > btc[-1]) else "btc"


def _hex_run_continues(text: str, pos: int, joined: str) -> bool:
    """An all-lower/upper 0x+40 join followed by more hex is a longer hash cut short."""
    body = joined[2:]
    if body != body.lower() and body != body.upper():
        return False  # EIP-55 mixed case checked out: the address is meant
    piece = _NEXT.match(text, pos)
    return piece is not None and _HEX.fullmatch(piece.group(1)) is not None


def at_signs(text: str) -> Iterator[Found]:
    """E-mail addresses and UPI IDs (known payment providers), found from each '@'."""
    i = text.find("@")
    while i >= 0:
        at, i = i, text.find("@", i + 1)
        if not at or text[at - 1] not in _LOCAL_CHARS:
            continue
        # The local part, read backwards from the '@' over (at most) the 256 characters before.
        window = text[max(0, at - 256) : at][::-1]
        start = at - _LOCAL_BACK.match(window).end()  # type: ignore[union-attr]
        while start < at and not text[start].isalnum():
            start += 1  # a local part starts with a letter or digit
        after = _AFTER.match(text, at + 1)
        if start == at or after is None:
            continue
        end = after.end()
        if end < len(text) and (text[end].isalnum() or text[end] in "_@"):
            continue
        candidate = text[start:end]
        domain = after.group()
        if _TLD_END.search(domain):
            if value := _validate.email(candidate):
                yield "email", value, start, end
        elif "." not in domain:
            # The words around matter only for a handle that is not a known provider's.
            said = not _validate.known_upi_handle(domain) and (
                _SAYS_UPI.search(text, max(0, start - 60), start) is not None
            )
            if value := _validate.upi(candidate, said):
                yield "upi", value, start, end


def url(text: str) -> Iterator[Found]:
    """http(s) and www. addresses, re-fanged already, with trailing punctuation dropped."""
    skip_to = 0
    for mark in _URL_MARK.finditer(text):
        at = mark.start()
        if at < skip_to:
            continue  # inside the previous candidate ("http://x/?u=http://y" is one URL)
        if mark.group() == "://":
            scheme = text[max(0, at - 5) : at].lower()
            start = at - (5 if scheme == "https" else 4 if scheme.endswith("http") else 99)
            if start < 0 or (start and text[start - 1] in _ALNUM):
                continue
        elif at and (text[at - 1] in _ALNUM or text[at - 1] in "/."):
            continue  # inside a URL or a host name already
        else:
            start = at
        rest = _URL_REST.match(text, mark.end())
        if rest is None:
            continue
        raw = text[start : rest.end()]
        skip_to = rest.end()
        while raw and raw[-1] in _URL_TAIL:
            if raw[-1] == ")" and raw.count("(") >= raw.count(")"):
                break
            raw = raw[:-1]
        if value := _validate.url(raw):
            yield "url", value, start, start + len(raw)


_HOST_LEFT = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.")
_HOST_RIGHT = re.compile(r"[A-Za-z0-9\-.]{0,252}[A-Za-z0-9](?:[/?][^\s<>\"'`{}|\\^\[\]]{0,2048})?")


def defanged_hosts(
    text: str, dots: tuple[int, ...], taken: list[tuple[int, int]]
) -> Iterator[Found]:
    """Scheme-less addresses whose dot was defanged ("evil[.]example/pay"): meant as URLs."""
    spans = sorted(taken)
    k = 0
    covered = -1  # end of the last span (found before or here) that a dot may fall in
    for dot in dots:  # in increasing order
        while k < len(spans) and spans[k][0] <= dot:
            covered = max(covered, spans[k][1])
            k += 1
        if dot < covered or not 0 < dot < len(text) - 1:
            continue
        if text[dot - 1] not in _ALNUM or text[dot + 1] not in _ALNUM:
            continue  # a host's dot sits between letters or digits
        start = dot
        while start > 0 and dot - start < 253 and text[start - 1] in _HOST_LEFT:
            start -= 1
        rest = _HOST_RIGHT.match(text, dot + 1)
        if rest is None or start == dot:
            continue
        raw = text[start : rest.end()]
        covered = max(covered, rest.end())  # one candidate per host, valid or not
        while raw and raw[-1] in _URL_TAIL:
            raw = raw[:-1]
        host = raw.split("/", 1)[0].split("?", 1)[0].lower()
        if host.endswith(".onion") or not _TLD_END.search(host):
            continue
        if value := _validate.url(raw):
            yield "url", value, start, start + len(raw)


def onion(text: str) -> Iterator[Found]:
    """Tor v3 onion service names whose checksum holds, found from each '.onion'."""
    for match in _ONION.finditer(text):
        start = match.start() - 56
        if start < 0 or (start > 0 and text[start - 1] in _BASE32):
            continue
        label = _ONION_LABEL.fullmatch(text, start, match.start())
        if label and (value := _validate.onion(label.group())):
            yield "onion", value, start, match.end()


def phone(text: str, region: str) -> Iterator[Found]:
    """Phone numbers valid in their country; runs of several numbers are split."""
    for run in _PHONE_RUN.finditer(text):
        match = run
        if text[run.start()] in "+(" and text[run.start() + 1] not in "0123456789":
            again = _PHONE.search(text, run.start() + 1, run.end())
            if again is None:
                continue
            match = again
        start, end = match.span()
        if end - start < 7:
            continue
        if start and not _phone_start(text, start):
            continue
        if end < len(text) and (
            text[end] in _ALNUM
            or text[end] in "@_"
            or (text[end] == "/" and not text[end + 1 : end + 2].isdigit())
            or (text[end] == "." and text[end + 1 : end + 2].isdigit())
        ):
            continue
        raw = match.group()
        if start > 4 and text[start - 1] == "/" and text[start - 6 : start] == "wa.me/":
            raw = "+" + raw  # WhatsApp links carry the number with its country code
        digits = len(raw.translate(_SEPARATORS))
        if digits < 7:
            continue
        if _reference(text, start):
            continue
        if digits <= 15 and (value := _validate.phone(raw, region)):
            yield "phone", value, start, end
        elif digits > 15 or (digits > 10 and not raw.lstrip("(").startswith("+")):
            # One '+' number that does not validate is not several national ones
            # ('+44 7700 900123' is no Indian '7700900123').
            for item in _split_phones(raw, start, region):
                if item[2] == start or not _reference(text, item[2]):
                    yield item


def _phone_start(text: str, start: int) -> bool:
    """Whether a number may start here: not inside a word, a decimal, a path or a code."""
    before = text[start - 1]
    if before in _ALNUM:
        return False  # (Devanagari and other scripts may touch a number: "९८७…पर")
    if before not in _BEFORE_PHONE:
        return True
    if before in ":/=" and _PHONE_LINK.search(text, max(0, start - 30), start):
        return True
    if before == "/":
        # "98765 43210 / 91234 56789" and "9876543210/9123456789", not a path.
        return start > 1 and (
            text[start - 2] in " \t" or text[max(0, start - 8) : start - 1].isdigit()
        )
    if before in "-.":
        # "Contact:-98765…" and "Mob.98765…" yes; "INV-2024…" and "1.5" no.
        return start > 1 and not text[start - 2].isdigit() and not text[start - 2].isupper()
    return False


_PIECE = re.compile(r"\+?\d[\d().\-]*")
_MAX_GROUPS = 6  # a phone number is written in at most this many groups ("0 98 76 54 32 10")


def _split_phones(raw: str, offset: int, region: str) -> Iterator[Found]:
    """Several numbers written one after another ('98765 43210 / 91234 56789')."""
    pieces = [
        (m.start(), m.end(), len(m.group().translate(_SEPARATORS))) for m in _PIECE.finditer(raw)
    ]
    i = 0
    while i < len(pieces):
        # Longest first, but never past 15 digits or _MAX_GROUPS groups: linear in the run.
        last = min(len(pieces), i + _MAX_GROUPS) - 1
        for j in range(last, i - 1, -1):
            digits = sum(p[2] for p in pieces[i : j + 1])
            if not 7 <= digits <= 15:
                continue
            candidate = raw[pieces[i][0] : pieces[j][1]]
            if value := _validate.phone(candidate, region):
                yield "phone", value, offset + pieces[i][0], offset + pieces[j][1]
                i = j
                break
        i += 1
