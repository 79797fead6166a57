"""IPC <-> BNS equivalents, and the section keys a search must match.

A case charged under IPC 370 in 2023 and one charged under BNS 143 in 2025 are the same
crime; analysts searching either must find both. Only ``verified`` pairs widen a search
unless the caller opts in to ``likely`` ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from nervecentre.law import _data
from nervecentre.law._data import Equivalence
from nervecentre.law.refs import SectionRef

__all__ = ["Equivalence", "equivalence_pairs", "equivalents", "search_keys", "search_keys_for"]


def equivalence_pairs(*, include_likely: bool = True) -> list[Equivalence]:
    """Every IPC-BNS pair in the data (for tables and docs), in data order."""
    return [p for p in _data.equivalence_pairs() if include_likely or p.confidence == "verified"]


def _pairs(include_likely: bool) -> Iterable[Equivalence]:
    return (p for p in _data.equivalence_pairs() if include_likely or p.confidence == "verified")


def equivalents(ref: SectionRef, *, include_likely: bool = False) -> list[SectionRef]:
    """The other code's sections that correspond to ``ref``, in data order.

    'IPC 370' -> [BNS 143]; 'BNS 308' -> [IPC 383, ..., IPC 389]; 'BNS 308(2)' -> [IPC 384].
    A pair recorded at section level also answers a sub-section ('IPC 370(4)' -> BNS 143).
    Acts other than IPC and BNS have no equivalents.
    """
    if ref.law not in ("IPC", "BNS"):
        return []
    out: list[SectionRef] = []
    for pair in _pairs(include_likely):
        mine, other = (pair.ipc, pair.bns) if ref.law == "IPC" else (pair.bns, pair.ipc)
        if mine.key != ref.key:
            continue
        # Match when either side is the whole section, or one sub-section contains the other.
        if (ref.within(mine) or mine.within(ref)) and other not in out:
            out.append(other)
    return out


@cache
def _key_index(include_likely: bool) -> dict[str, frozenset[str]]:
    """Section key -> the keys of its equivalents (both directions)."""
    index: dict[str, set[str]] = {}
    for pair in _pairs(include_likely):
        index.setdefault(pair.ipc.key, set()).add(pair.bns.key)
        index.setdefault(pair.bns.key, set()).add(pair.ipc.key)
    return {key: frozenset(keys) for key, keys in index.items()}


def search_keys(ref: SectionRef, *, include_likely: bool = False) -> frozenset[str]:
    """The section keys a search for ``ref`` must match: its own key and its equivalents'.

    Works on whole sections so that it is symmetric: if 'BNS 143' is in
    ``search_keys(IPC 370)`` then 'IPC 370' is in ``search_keys(BNS 143)``.
    """
    return _key_index(include_likely).get(ref.key, frozenset()) | {ref.key}


def search_keys_for(refs: Iterable[SectionRef], *, include_likely: bool = False) -> frozenset[str]:
    """The union of ``search_keys`` over several references (e.g. a whole charge list)."""
    out: set[str] = set()
    for ref in refs:
        out |= search_keys(ref, include_likely=include_likely)
    return frozenset(out)
