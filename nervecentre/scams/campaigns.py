"""Campaigns: messages grouped by their masked text and by the payment details they share.

Method (docs/sextortion.md explains the choice):

1. Each message's subject and scam text are masked (:mod:`nervecentre.scams.masking`), then
   cut into word bigrams (placeholders count as words).
2. Leader clustering by text: a message is compared, by the Jaccard index of its bigram sets,
   with the *representatives* of the campaigns found so far that share a bigram with it (an
   inverted index over representatives only, so the cost grows with campaigns, not with
   messages squared). It joins every campaign it reaches ``threshold`` with (joining two
   campaigns merges them); one it matches less closely than ``represent`` also becomes a
   representative, so a campaign's variants are all reachable; a message that reaches none
   starts a campaign.
3. Campaigns that ask for the same payment (a wallet, a UPI ID, a phone, an onion service:
   ``LINKING_KINDS``) are merged: a racket rotates templates, not its money. E-mail addresses and
   URLs do not link (a victim's own address, a common web site).

Messages with almost no text of their own (fewer than ``MIN_BIGRAMS`` bigrams) join only
through their indicators.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from nervecentre.scams.masking import words

LINKING_KINDS = frozenset({"btc", "eth", "xmr", "ltc", "trx", "upi", "phone", "onion"})
MIN_BIGRAMS = 3


@dataclass
class Document:
    """One message to cluster: its masked text and its indicators as (kind, value)."""

    masked: str
    indicators: Iterable[tuple[str, str]] = field(default_factory=tuple)


class _Sets:
    """Union-find over campaign numbers."""

    def __init__(self) -> None:
        self.parent: list[int] = []

    def add(self) -> int:
        self.parent.append(len(self.parent))
        return len(self.parent) - 1

    def find(self, x: int) -> int:
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def bigrams(masked: str) -> frozenset[str]:
    """The set of word bigrams of masked text (single words for very short texts)."""
    tokens = words(masked)
    if len(tokens) < 2:
        return frozenset(tokens)
    return frozenset(f"{a} {b}" for a, b in itertools.pairwise(tokens))


def cluster(
    documents: Sequence[Document],
    *,
    threshold: float = 0.35,
    represent: float = 0.7,
) -> list[int]:
    """A campaign number per document (0, 1, 2… in order of first appearance)."""
    sets = _Sets()
    labels: list[int] = []
    reps: list[tuple[frozenset[str], int]] = []  # (bigrams, campaign) per representative
    index: dict[str, list[int]] = defaultdict(list)  # bigram -> representatives
    for doc in documents:
        grams = bigrams(doc.masked)
        if len(grams) < MIN_BIGRAMS:
            labels.append(sets.add())
            continue
        overlap: dict[int, int] = defaultdict(int)
        for gram in grams:
            for rep in index.get(gram, ()):
                overlap[rep] += 1
        best, joined = 0.0, []
        for rep, shared in overlap.items():
            rep_grams = reps[rep][0]
            score = shared / (len(grams) + len(rep_grams) - shared)
            if score >= threshold:
                joined.append(reps[rep][1])
                best = max(best, score)
        if joined:
            label = joined[0]
            for other in joined[1:]:
                sets.union(label, other)
        else:
            label = sets.add()
        labels.append(label)
        if best < represent:
            reps.append((grams, label))
            for gram in grams:
                index[gram].append(len(reps) - 1)
    _merge_by_indicators(documents, labels, sets)
    return _renumber([sets.find(label) for label in labels])


def _merge_by_indicators(documents: Sequence[Document], labels: list[int], sets: _Sets) -> None:
    holders: dict[tuple[str, str], set[int]] = defaultdict(set)
    for number, doc in enumerate(documents):
        for kind, value in doc.indicators:
            if kind in LINKING_KINDS:
                holders[(kind, value)].add(number)
    for members in holders.values():
        if len(members) > 1:
            first, *rest = sorted(members)
            for other in rest:
                sets.union(labels[first], labels[other])


def _renumber(roots: list[int]) -> list[int]:
    seen: dict[int, int] = {}
    return [seen.setdefault(root, len(seen)) for root in roots]
