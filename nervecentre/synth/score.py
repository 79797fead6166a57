"""Scoring entity resolution and network analysis against the ground truth.

Pairwise scores count pairs of person records: a pair is a true match when both records
have the same identity_id, and a predicted match when the resolver put both in the same
cluster. Counting works on cluster sizes, so a million records score in a second.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from nervecentre.synth.truth import TruthRow


@dataclass(frozen=True, slots=True)
class PairScores:
    """Pairwise precision, recall and F1 of a clustering, with the pair counts behind them."""

    true_pairs: int
    predicted_pairs: int
    correct_pairs: int

    @property
    def precision(self) -> float:
        """Share of predicted matches that are true matches (1.0 when none are predicted)."""
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        """Share of true matches that were predicted (1.0 when there are none)."""
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _pairs(counts: Iterable[int]) -> int:
    return sum(n * (n - 1) // 2 for n in counts)


def pair_scores(
    truth: Iterable[TruthRow],
    clusters: Mapping[str, str],
    *,
    key: str = "identity_id",
    roles: frozenset[str] | None = None,
) -> PairScores:
    """Score ``clusters`` (person_ref -> predicted cluster id) against the truth.

    ``key`` is 'identity_id' (entity resolution) or 'network_id' (community detection:
    records without a network are left out). A ref missing from ``clusters`` counts as a
    cluster of its own. ``roles`` limits scoring to some roles, e.g. {'accused'}.
    """
    true_sizes: Counter[str] = Counter()
    predicted_sizes: Counter[str] = Counter()
    cells: Counter[tuple[str, str]] = Counter()
    for row in truth:
        if roles is not None and row.role not in roles:
            continue
        actual = row.identity_id if key == "identity_id" else row.network_id
        if actual is None:
            continue
        predicted = clusters.get(row.person_ref, "\0" + row.person_ref)
        true_sizes[actual] += 1
        predicted_sizes[predicted] += 1
        cells[(actual, predicted)] += 1
    return PairScores(
        _pairs(true_sizes.values()), _pairs(predicted_sizes.values()), _pairs(cells.values())
    )
