"""Scores of a clustering against the truth: B-cubed precision, recall and F1, and the ARI.

B-cubed (Bagga and Baldwin, 1998) asks, for each message, what share of its predicted
campaign truly belongs with it (precision) and what share of its true campaign it was put
with (recall), averaged over messages; it does not reward one giant cluster or all
singletons. The adjusted Rand index counts agreeing pairs, corrected for chance.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from math import comb


@dataclass(frozen=True)
class ClusterScores:
    """B-cubed precision, recall, F1 and the adjusted Rand index."""

    precision: float
    recall: float
    f1: float
    ari: float


def score(truth: Sequence[Hashable], predicted: Sequence[Hashable]) -> ClusterScores:
    """Scores of ``predicted`` labels against ``truth`` labels (same order, same length)."""
    if len(truth) != len(predicted):
        raise ValueError("truth and prediction differ in length")
    n = len(truth)
    if n == 0:
        return ClusterScores(1.0, 1.0, 1.0, 1.0)
    pairs = Counter(zip(truth, predicted, strict=True))
    true_sizes, pred_sizes = Counter(truth), Counter(predicted)
    precision = sum(c * c / pred_sizes[p] for (_, p), c in pairs.items()) / n
    recall = sum(c * c / true_sizes[t] for (t, _), c in pairs.items()) / n
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    index = sum(comb(c, 2) for c in pairs.values())
    true_pairs = sum(comb(c, 2) for c in true_sizes.values())
    pred_pairs = sum(comb(c, 2) for c in pred_sizes.values())
    expected = true_pairs * pred_pairs / comb(n, 2) if n > 1 else 0.0
    top = (true_pairs + pred_pairs) / 2
    ari = 1.0 if top == expected else (index - expected) / (top - expected)
    return ClusterScores(precision, recall, f1, ari)


def truth_labels(campaigns: Sequence[str | None]) -> list[str]:
    """Truth campaigns with each message of no campaign (benign mail) on its own."""
    return [c if c is not None else f"_alone{i}" for i, c in enumerate(campaigns)]
