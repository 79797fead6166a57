"""Campaigns: messages grouped by the payment details they share and by their masked text.

Method (docs/sextortion.md explains the choice and the figures):

1. **Shared indicators.** Messages that give the same wallet, UPI ID, phone, onion service,
   contact e-mail or URL (``LINKING_KINDS``) are one campaign: a racket rotates templates,
   not its money. An e-mail address or URL found in more than ``COMMON_SHARE`` of all messages
   (a big web site, a help desk) links nothing.
2. **Masked text, for what indicators leave alone.** Each message's subject and scam text are
   masked (:mod:`nervecentre.scams.masking`: victim's name, e-mail, password, amounts,
   addresses) and cut into word bigrams. A message left on its own by step 1 (its details
   hidden beyond extraction, or a wallet made for that one victim) joins the campaign whose
   representatives it resembles most, by the Jaccard index of bigram sets, when that reaches
   ``attach``. Two such lone messages that both ask for payment join each other at
   ``alike``: a racket that makes a wallet per victim; two lone messages without payment
   details join only if ``same_text`` is given (off by default: near-identical benign mail,
   receipts and newsletters, would become "campaigns"). Text never merges two campaigns that
   each have their own payment details: one template is sold to many rackets, and a
   text-only merge there is the error that costs analysts most (two rackets as one).
   Representatives (up to ``MAX_REPRESENTATIVES`` varied members per campaign) sit in an
   inverted index, so the cost grows with campaigns, not with messages squared.

Messages with almost no text of their own (fewer than ``MIN_BIGRAMS`` bigrams) join only
through their indicators.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from nervecentre.scams.masking import words

PAYMENT_KINDS = frozenset({"btc", "eth", "xmr", "ltc", "trx", "upi", "phone", "onion"})
LINKING_KINDS = PAYMENT_KINDS | {"email", "url"}
COMMON_SHARE = 0.05
MIN_BIGRAMS = 3
MAX_REPRESENTATIVES = 8


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
    return frozenset(f"{a} {b}" for a, b in pairwise(tokens))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """|a ∩ b| / |a ∪ b| (0 for two empty sets)."""
    union = len(a | b)
    return len(a & b) / union if union else 0.0


class _Representatives:
    """Bigram sets standing for campaigns, in an inverted index: the best match of a text."""

    def __init__(self) -> None:
        self.grams: list[frozenset[str]] = []
        self.owner: list[int] = []  # message number whose campaign the representative stands for
        self.kind: list[tuple[bool, bool]] = []  # (strong, paying)
        self.index: dict[str, list[int]] = defaultdict(list)

    def add(self, grams: frozenset[str], owner: int, strong: bool, paying: bool = True) -> None:
        number = len(self.grams)
        self.grams.append(grams)
        self.owner.append(owner)
        self.kind.append((strong, paying))
        for gram in grams:
            self.index[gram].append(number)

    def best(self, grams: frozenset[str], strong: bool, paying: bool = True) -> tuple[float, int]:
        """(Jaccard, owner) of the closest representative of this kind; (0, -1) if none."""
        overlap: Counter[int] = Counter()
        for gram in grams:
            overlap.update(self.index.get(gram, ()))
        best, owner = 0.0, -1
        for rep, shared in overlap.items():
            if self.kind[rep] != (strong, paying or strong):
                continue
            score = shared / (len(grams) + len(self.grams[rep]) - shared)
            if score > best:
                best, owner = score, self.owner[rep]
        return best, owner


def cluster(
    documents: Sequence[Document],
    *,
    attach: float = 0.5,
    alike: float = 0.6,
    same_text: float | None = None,
) -> list[int]:
    """A campaign number per document (0, 1, 2… in order of first appearance)."""
    sets = _Sets()
    for _ in documents:
        sets.add()
    payments = _merge_by_indicators(documents, sets)
    grams = [bigrams(doc.masked) for doc in documents]
    members: dict[int, list[int]] = defaultdict(list)
    for number in range(len(documents)):
        members[sets.find(number)].append(number)
    reps = _Representatives()
    lone: list[int] = []
    for group in members.values():
        if len(group) == 1:
            lone.extend(n for n in group if len(grams[n]) >= MIN_BIGRAMS)
            continue
        chosen: list[frozenset[str]] = []
        for number in group:
            if len(grams[number]) < MIN_BIGRAMS or len(chosen) >= MAX_REPRESENTATIVES:
                continue
            if all(jaccard(grams[number], other) < 0.8 for other in chosen):
                chosen.append(grams[number])
                reps.add(grams[number], number, strong=True)
    for number in sorted(lone):
        score, owner = reps.best(grams[number], strong=True)
        if score >= attach:
            sets.union(owner, number)
            continue
        paying = number in payments
        if not paying and same_text is None:
            continue
        score, owner = reps.best(grams[number], strong=False, paying=paying)
        if score >= (alike if paying or same_text is None else same_text):
            sets.union(owner, number)
        reps.add(grams[number], number, strong=False, paying=paying)
    return _renumber([sets.find(n) for n in range(len(documents))])


def _merge_by_indicators(documents: Sequence[Document], sets: _Sets) -> set[int]:
    """Union the messages that share a linking indicator; return those that ask for payment."""
    holders: dict[tuple[str, str], set[int]] = defaultdict(set)
    paying: set[int] = set()
    for number, doc in enumerate(documents):
        for kind, value in doc.indicators:
            if kind in LINKING_KINDS:
                holders[(kind, value)].add(number)
            if kind in PAYMENT_KINDS:
                paying.add(number)
    common = max(3, int(COMMON_SHARE * len(documents)))
    for (kind, _), holding in holders.items():
        if len(holding) < 2 or (kind not in PAYMENT_KINDS and len(holding) > common):
            continue
        first, *rest = sorted(holding)
        for other in rest:
            sets.union(first, other)
    return paying


def _renumber(roots: list[int]) -> list[int]:
    seen: dict[int, int] = {}
    return [seen.setdefault(root, len(seen)) for root in roots]
