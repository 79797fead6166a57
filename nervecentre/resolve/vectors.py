"""Comparing many pairs at once: each record's fields as integer codes, levels by NumPy.

:func:`nervecentre.resolve.compare.compare` reads one pair at a time, which in Python costs
tens of microseconds a pair — minutes for the tens of millions of candidate pairs of a
million records. Here every record's gender, birth year, district, state, phone and e-mail
(when it has one), main name and father's name become integers once; birth, gender and
place levels are then array arithmetic over all pairs, a name level is computed once per
distinct *pair of names* (most candidate pairs repeat a pair of spellings already seen),
and only what does not reduce to codes (several names or phones, addresses) is left to
Python, pair by pair. The levels are exactly those of ``compare``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from nervecentre.resolve.compare import NAME_INITIALS, NULL, _address_level, _shared
from nervecentre.resolve.names import ParsedName
from nervecentre.resolve.namevec import NameTable, levels, name_table
from nervecentre.resolve.records import PersonRecord

Ints = npt.NDArray[np.int64]
_GENDERS = {"": -1, "M": 0, "F": 1, "T": 2}
_CHUNK = 200_000
# Phones (e-mails) and address words a record's row holds; a record with more is compared
# one pair at a time.
SET_WIDTH = 4
ADDRESS_WIDTH = 12


@dataclass
class Codes:
    """Every record's comparable fields as integers (-1: not recorded; -2: several)."""

    gender: Ints
    birth: Ints
    district: Ints
    state: Ints
    phone: Ints
    email: Ints
    name: Ints  # the row of the record's only name in ``table``; -2: several names
    father: Ints
    address: npt.NDArray[np.bool_]
    phones: Ints  # (n, SET_WIDTH): each record's phone codes (-1: none there)
    emails: Ints
    words: Ints  # (n, ADDRESS_WIDTH): each record's address word codes
    word_count: Ints
    wide: npt.NDArray[np.bool_]  # more phones, e-mails or address words than the rows hold
    table: NameTable
    phone_text: list[str]  # each phone code's phone
    # Every record's names, as rows of ``table``: record i's are rows[start[i]:start[i+1]].
    start: Ints
    rows: Ints


def _code(table: dict[str, int], value: str) -> int:
    if not value:
        return -1
    return table.setdefault(value, len(table))


def _one(table: dict[str, int], values: frozenset[str]) -> int:
    if not values:
        return -1
    if len(values) > 1:
        return -2
    return _code(table, next(iter(values)))


def _row(table: dict[str, int], values: frozenset[str], out: Ints) -> bool:
    """``values`` coded into ``out`` (sorted, for a stable layout); False if they overflow."""
    if len(values) > len(out):
        return False
    for k, value in enumerate(sorted(values)):
        out[k] = _code(table, value)
    return True


def encode(records: Sequence[PersonRecord]) -> Codes:
    """The codes of ``records`` (computed once per run, shared by every chunk of pairs)."""
    places: dict[str, int] = {}
    phones: dict[str, int] = {}
    emails: dict[str, int] = {}
    row_of: dict[int, int] = {}
    names: list[ParsedName] = []

    def row(name: ParsedName) -> int:
        found = row_of.get(name.uid)
        if found is None:
            found = row_of[name.uid] = len(names)
            names.append(name)
        return found

    n = len(records)
    gender, birth, district, state = (np.full(n, -1, np.int64) for _ in range(4))
    phone, email, name, father = (np.full(n, -1, np.int64) for _ in range(4))
    address = np.zeros(n, dtype=bool)
    start = np.zeros(n + 1, dtype=np.int64)
    rows: list[int] = []
    phone_rows, email_rows = (np.full((n, SET_WIDTH), -1, np.int64) for _ in range(2))
    words = np.full((n, ADDRESS_WIDTH), -1, np.int64)
    word_count = np.zeros(n, dtype=np.int64)
    wide = np.zeros(n, dtype=bool)
    vocabulary: dict[str, int] = {}
    for i, r in enumerate(records):
        wide[i] = not (
            _row(phones, r.phones, phone_rows[i])
            & _row(emails, r.emails, email_rows[i])
            & _row(vocabulary, r.address, words[i])
        )
        word_count[i] = len(r.address)
        gender[i] = _GENDERS.get(r.gender, -1)
        birth[i] = r.birth_year if r.birth_year is not None else -1
        district[i] = _code(places, r.district)
        state[i] = _code(places, "state:" + r.state) if r.state else -1
        phone[i] = _one(phones, r.phones)
        email[i] = _one(emails, r.emails)
        rows.extend(row(x) for x in r.names)
        start[i + 1] = len(rows)
        name[i] = rows[-1] if len(r.names) == 1 else -2
        if r.father is not None:
            father[i] = row(r.father)
        address[i] = bool(r.address)
    return Codes(
        gender, birth, district, state, phone, email, name, father, address,
        phone_rows, email_rows, words, word_count, wide,
        name_table(names), list(phones), start, np.array(rows, dtype=np.int64),
    )  # fmt: skip


def _birth(codes: Codes, a: Ints, b: Ints) -> Ints:
    ya, yb = codes.birth[a], codes.birth[b]
    gap = np.abs(ya - yb)
    level = np.select([gap == 0, gap <= 2, gap <= 5, gap <= 10], [4, 3, 2, 1], 0)
    return np.where((ya < 0) | (yb < 0), NULL, level)


def _gender(codes: Codes, a: Ints, b: Ints) -> Ints:
    ga, gb = codes.gender[a], codes.gender[b]
    return np.where((ga < 0) | (gb < 0), NULL, (ga == gb).astype(np.int64))


def _place(codes: Codes, a: Ints, b: Ints) -> Ints:
    da, db, sa, sb = codes.district[a], codes.district[b], codes.state[a], codes.state[b]
    both_d, both_s = (da >= 0) & (db >= 0), (sa >= 0) & (sb >= 0)
    same_s = (sa >= 0) & (sa == sb)
    with_d = np.where(da == db, 2, np.where(same_s, 1, np.where(both_s, 0, 1)))
    without_d = np.where(both_s, same_s.astype(np.int64), NULL)
    return np.where(both_d, with_d, without_d)


def _common(rows: Ints, a: Ints, b: Ints) -> Ints:
    """How many codes the rows of each pair share (codes within a row are distinct)."""
    ra, rb = rows[a], rows[b]
    same = (ra[:, :, None] == rb[:, None, :]) & (ra[:, :, None] >= 0)
    count: Ints = same.sum(axis=(1, 2))
    return count


def _single(
    codes: Codes, values: Ints, rows: Ints, a: Ints, b: Ints,
    records: Sequence[PersonRecord], field: str,
) -> Ints:  # fmt: skip
    """Phones or e-mails: NULL where a side has none, else whether they share one."""
    va, vb = values[a], values[b]
    out = np.where((va == -1) | (vb == -1), NULL, (va == vb).astype(np.int64))
    several = np.flatnonzero(((va == -2) | (vb == -2)) & (va != -1) & (vb != -1))
    out[several] = (_common(rows, a[several], b[several]) > 0).astype(np.int64)
    for k in several[codes.wide[a[several]] | codes.wide[b[several]]].tolist():
        out[k] = _shared(getattr(records[a[k]], field), getattr(records[b[k]], field))
    return out


def _names(codes: Codes, a: Ints, b: Ints) -> Ints:
    """The best level between any name of each record of a pair and any of the other's."""
    na, nb = codes.name[a], codes.name[b]
    out = np.empty(len(a), dtype=np.int64)
    simple = (na >= 0) & (nb >= 0)
    out[simple] = levels(codes.table, na[simple], nb[simple])
    several = np.flatnonzero(~simple)
    if len(several):
        # every name of one against every name of the other, then the best per pair
        xa, xb = a[several], b[several]
        ca = codes.start[xa + 1] - codes.start[xa]
        cb = codes.start[xb + 1] - codes.start[xb]
        combos = ca * cb
        owner = np.repeat(np.arange(len(several)), combos)
        within = np.arange(int(combos.sum())) - np.repeat(np.cumsum(combos) - combos, combos)
        ra = codes.rows[codes.start[xa][owner] + within // cb[owner]]
        rb = codes.rows[codes.start[xb][owner] + within % cb[owner]]
        best = np.full(len(several), -1, dtype=np.int64)
        np.maximum.at(best, owner, levels(codes.table, ra, rb))
        out[several] = best
    return out


def _fathers(codes: Codes, a: Ints, b: Ints) -> Ints:
    fa, fb = codes.father[a], codes.father[b]
    out = np.full(len(a), NULL, dtype=np.int64)
    both = (fa >= 0) & (fb >= 0)
    level = levels(codes.table, fa[both], fb[both])
    out[both] = np.where(level >= NAME_INITIALS, 2, np.where((level == 2) | (level == 3), 1, 0))
    return out


def _addresses(codes: Codes, a: Ints, b: Ints, records: Sequence[PersonRecord]) -> Ints:
    out = np.full(len(a), NULL, dtype=np.int64)
    both = np.flatnonzero(codes.address[a] & codes.address[b])
    xa, xb = a[both], b[both]
    shared = _common(codes.words, xa, xb)
    overlap = shared / (codes.word_count[xa] + codes.word_count[xb] - shared)
    out[both] = np.where(overlap >= 0.6, 2, np.where(overlap >= 0.25, 1, 0))
    for k in both[codes.wide[xa] | codes.wide[xb]].tolist():
        out[k] = _address_level(records[a[k]].address, records[b[k]].address)
    return out


def compare_many(
    records: Sequence[PersonRecord], codes: Codes, pairs: npt.NDArray[np.int64]
) -> npt.NDArray[np.int8]:
    """The levels of every feature for ``pairs`` (rows), as ``compare`` gives them."""
    a, b = pairs[:, 0], pairs[:, 1]
    columns = (
        _names(codes, a, b),
        _fathers(codes, a, b),
        _single(codes, codes.phone, codes.phones, a, b, records, "phones"),
        _single(codes, codes.email, codes.emails, a, b, records, "emails"),
        _birth(codes, a, b),
        _gender(codes, a, b),
        _place(codes, a, b),
        _addresses(codes, a, b, records),
    )
    return np.stack(columns, axis=1).astype(np.int8)
