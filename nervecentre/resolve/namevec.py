"""Name levels for many pairs at once: :func:`compare.name_level` as array operations.

A million records make tens of millions of candidate pairs, almost every one a pair of
names not met before, so a level per distinct pair in Python (25-50 µs each) is most of a
run. Here each name becomes a row of small integer arrays — its words' spelling and
skeleton keys, their first letters, its initials, ids of its sorted words, keys and
initials — and every rule of ``_name_level`` (same words, a spelling variant, one name
fitting in the other with its initials, Jaro-Winkler on as many words, a word in common)
is evaluated over all pairs of a chunk together. Jaro-Winkler is computed once per distinct
pair of word keys by rapidfuzz. Names with more words or initials than the arrays hold
(rare) are compared by ``name_level`` itself. The levels are exactly ``name_level``'s
(tests/resolve/test_vectors.py compares them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler

from nervecentre.resolve.compare import NAME_EXACT, NAME_FITS, NAME_INITIALS, NAME_VARIANT
from nervecentre.resolve.compare import name_level as one_level
from nervecentre.resolve.names import ParsedName

Ints = npt.NDArray[np.int64]
Small = npt.NDArray[np.int32]
Flags = npt.NDArray[np.bool_]
# The words and initials a name row holds; longer names are compared one by one.
WORDS = 4
INITIALS = 4


@dataclass
class NameTable:
    """Every name of a run as rows of integers (-1: no word or initial there)."""

    names: list[ParsedName]
    key: Small  # (rows, WORDS): spelling key id of each word
    skel: Small  # (rows, WORDS): skeleton id of each word
    first: Small  # (rows, WORDS): first letter of each word (its code point)
    initial: Small  # (rows, INITIALS): each initial's code point
    words: Small  # (rows,): how many words
    parts: Small  # (rows,): words and initials
    sorted_words: Ints  # (rows,): id of the sorted words
    sorted_keys: Ints  # (rows,): id of the sorted spelling keys
    sorted_initials: Ints  # (rows,): id of the sorted initials
    long: Flags  # (rows,): more words or initials than the row holds
    key_text: list[str]  # spelling key of each key id
    key_array: npt.NDArray[np.object_]  # the same, as an array (looked up many at a time)


def _id(table: dict[object, int], value: object) -> int:
    return table.setdefault(value, len(table))


def name_table(names: Sequence[ParsedName]) -> NameTable:
    """The rows of ``names`` (row k is ``names[k]``)."""
    n = len(names)
    key, skel, first = (np.full((n, WORDS), -1, np.int32) for _ in range(3))
    initial = np.full((n, INITIALS), -1, np.int32)
    words, parts = np.zeros(n, np.int32), np.zeros(n, np.int32)
    sorted_ids = [np.zeros(n, np.int64) for _ in range(3)]
    long = np.zeros(n, dtype=bool)
    keys: dict[object, int] = {}
    skels: dict[object, int] = {}
    tuples: list[dict[object, int]] = [{}, {}, {}]
    for row, name in enumerate(names):
        words[row] = len(name.tokens)
        parts[row] = len(name.tokens) + len(name.initials)
        for which, value in enumerate((name.sorted_tokens, name.sorted_keys)):
            sorted_ids[which][row] = _id(tuples[which], value)
        sorted_ids[2][row] = _id(tuples[2], name.sorted_initials)
        if len(name.tokens) > WORDS or len(name.initials) > INITIALS:
            long[row] = True
            continue
        for j, (k, s, t) in enumerate(zip(name.keys, name.skeletons, name.tokens, strict=True)):
            key[row, j] = _id(keys, k)
            skel[row, j] = _id(skels, s)
            first[row, j] = ord(t[0])
        for j, letter in enumerate(name.initials):
            initial[row, j] = ord(letter[0])
    return NameTable(
        names=list(names),
        key=key,
        skel=skel,
        first=first,
        initial=initial,
        words=words,
        parts=parts,
        sorted_words=sorted_ids[0],
        sorted_keys=sorted_ids[1],
        sorted_initials=sorted_ids[2],
        long=long,
        key_text=[str(k) for k in keys],
        key_array=np.array([str(k) for k in keys] or [""], dtype=object),
    )


def _fits(t: NameTable, short: Ints, long: Ints) -> Flags:
    """Every word of ``short`` matches a distinct word of ``long`` (first free one, in
    order), and its initials are first letters of distinct words or initials left over."""
    count = len(short)
    rows = np.arange(count)
    used = np.zeros((count, WORDS), dtype=bool)
    ok = np.ones(count, dtype=bool)
    lk, ls = t.key[long], t.skel[long]
    sk, ss = t.key[short], t.skel[short]
    present = lk >= 0
    for i in range(WORDS):
        active = sk[:, i] >= 0
        if not active.any():
            break
        match = ((lk == sk[:, i, None]) | (ls == ss[:, i, None])) & present & ~used
        found = match.any(axis=1)
        hit = match.argmax(axis=1)
        ok &= ~active | found
        take = active & found
        used[rows[take], hit[take]] = True
    pool = np.concatenate([np.where(used, -1, t.first[long]), t.initial[long]], axis=1)
    wanted = t.initial[short]
    for i in range(INITIALS):
        active = wanted[:, i] >= 0
        if not active.any():
            break
        match = (pool == wanted[:, i, None]) & (pool >= 0)
        found = match.any(axis=1)
        hit = match.argmax(axis=1)
        ok &= ~active | found
        take = active & found
        pool[rows[take], hit[take]] = -1
    return ok


def _similar(t: NameTable, a: Ints, b: Ints) -> Flags:
    """As many words (2+), each close to a word of the other by Jaro-Winkler, either way."""
    ka, kb = t.key[a], t.key[b]  # (P, WORDS)
    both = (ka[:, :, None] >= 0) & (kb[:, None, :] >= 0)
    pa = np.broadcast_to(ka[:, :, None], both.shape)[both]
    pb = np.broadcast_to(kb[:, None, :], both.shape)[both]
    codes = pa.astype(np.int64) * len(t.key_text) + pb
    distinct, inverse = np.unique(codes, return_inverse=True)
    left = t.key_array[distinct // len(t.key_text)].tolist()
    right = t.key_array[distinct % len(t.key_text)].tolist()
    sims = np.full(both.shape, -1.0)
    if len(distinct):
        scores = process.cpdist(
            left, right, scorer=JaroWinkler.similarity, dtype=np.float64, workers=1
        )
        sims[both] = np.asarray(scores, dtype=np.float64)[inverse.reshape(-1)]
    words = t.words[a].astype(np.float64)
    result = np.zeros(len(a), dtype=bool)
    valid_a, valid_b = ka >= 0, kb >= 0
    for best, valid in ((sims.max(axis=2), valid_a), (sims.max(axis=1), valid_b)):
        lowest = np.where(valid, best, np.inf).min(axis=1)
        total = np.where(valid, best, 0.0).sum(axis=1)
        result |= (lowest >= 0.84) & (total / words >= 0.9)
    return result


def _any_word(t: NameTable, a: Ints, b: Ints) -> Flags:
    ka, kb, sa, sb = t.key[a], t.key[b], t.skel[a], t.skel[b]
    same = (ka[:, :, None] == kb[:, None, :]) | (sa[:, :, None] == sb[:, None, :])
    same &= (ka[:, :, None] >= 0) & (kb[:, None, :] >= 0)
    flags: Flags = same.any(axis=(1, 2))
    return flags


def levels(t: NameTable, a: Ints, b: Ints) -> Ints:
    """The level of each pair of rows ``(a[k], b[k])``, as ``compare.name_level``.

    Each distinct pair of names is computed once: the level is symmetric, so the pairs are
    taken as (lower row, higher row) and sorted, and the levels of the distinct ones are
    spread back (half to two thirds of a chunk's candidate pairs repeat a pair of names).
    """
    if len(a) < 2:
        return _levels(t, a, b)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    key = lo * len(t.words) + hi
    order = np.argsort(key)
    ordered = key[order]
    first = np.empty(len(ordered), dtype=bool)
    first[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    inverse = np.empty(len(a), dtype=np.int64)
    inverse[order] = np.cumsum(first) - 1
    distinct = order[first]
    found = _levels(t, lo[distinct], hi[distinct])
    result: Ints = found[inverse]
    return result


def _levels(t: NameTable, a: Ints, b: Ints) -> Ints:
    """:func:`levels`, every pair computed."""
    out = np.full(len(a), -1, dtype=np.int64)
    slow = t.long[a] | t.long[b]
    for k in np.flatnonzero(slow).tolist():
        out[k] = one_level(t.names[a[k]], t.names[b[k]])
    todo = np.flatnonzero(~slow & (t.words[a] > 0) & (t.words[b] > 0))
    out[np.flatnonzero(~slow & ((t.words[a] == 0) | (t.words[b] == 0)))] = 0
    a, b = a[todo], b[todo]
    level = np.full(len(a), -1, dtype=np.int64)
    same_initials = t.sorted_initials[a] == t.sorted_initials[b]
    lone = t.parts[a] < 2
    single = np.minimum(t.parts[a], t.parts[b]) < 2

    def settle(mask: Flags, value: Ints | int) -> None:
        fresh = mask & (level < 0)
        level[fresh] = value[fresh] if isinstance(value, np.ndarray) else value

    settle((t.sorted_words[a] == t.sorted_words[b]) & same_initials, np.where(lone, 2, NAME_EXACT))
    settle((t.sorted_keys[a] == t.sorted_keys[b]) & same_initials, np.where(lone, 2, NAME_VARIANT))
    wa, wb = t.words[a], t.words[b]
    common = _any_word(t, a, b)  # no word in common: neither name fits in the other
    for short, long, order in ((a, b, wa <= wb), (b, a, wb <= wa)):
        rest = np.flatnonzero(order & common & (level < 0))
        fit = np.zeros(len(a), dtype=bool)
        fit[rest] = _fits(t, short[rest], long[rest])
        fit_level = np.where(
            single, 2, np.where(t.words[short] >= 2, NAME_FITS, NAME_INITIALS)
        ).astype(np.int64)
        settle(fit, fit_level)
    rest = np.flatnonzero((level < 0) & (wa == wb) & (wa >= 2))
    similar = np.zeros(len(a), dtype=bool)
    similar[rest] = _similar(t, a[rest], b[rest])
    settle(similar, 3)
    settle(common, np.where(single, 2, 1).astype(np.int64))
    settle(np.ones(len(a), dtype=bool), 0)
    out[todo] = level
    return out
