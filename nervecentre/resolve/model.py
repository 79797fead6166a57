"""The Fellegi-Sunter model: per-level m and u probabilities, estimated from the data.

``u`` (how often two *different* people agree at a level) is counted on random pairs, which
are almost all non-matches. ``m`` (how often the *same* person's records agree at a level)
and the share of matches among candidate pairs are estimated by expectation-maximisation
over the candidate pairs, as Splink does. Common names and shared phones are weighed by how
common they are (term-frequency adjustment), so "Rajesh Kumar" agreeing says less than
"Dnyaneshwar Kokate" agreeing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from nervecentre.resolve.compare import FEATURES, NULL

VERSION = "fs-rules-2"
Levels = npt.NDArray[np.int8]
Floats = npt.NDArray[np.float64]

# Starting m per feature and level (lowest level first): what an experienced analyst
# would guess; EM moves them to what the data says.
_M_START: dict[str, tuple[float, ...]] = {
    "name": (0.02, 0.03, 0.05, 0.1, 0.1, 0.15, 0.25, 0.3),
    "father": (0.1, 0.2, 0.7),
    "phone": (0.4, 0.6),
    "email": (0.5, 0.5),
    "birth": (0.01, 0.04, 0.1, 0.45, 0.4),
    "gender": (0.02, 0.98),
    "place": (0.1, 0.3, 0.6),
    "address": (0.3, 0.3, 0.4),
}
# Starting u per feature and level: how often two different people agree so, as a prior
# worth U_PRIOR_PAIRS random pairs: it decides for a short list, and is outweighed by the
# tens of thousands of random pairs of a long one.
_U_START: dict[str, tuple[float, ...]] = {
    "name": (0.93, 0.04, 0.02, 0.003, 0.002, 0.002, 0.0015, 0.0015),
    "father": (0.97, 0.02, 0.01),
    "phone": (0.999, 0.001),
    "email": (0.999, 0.001),
    "birth": (0.55, 0.2, 0.12, 0.1, 0.03),
    "gender": (0.5, 0.5),
    "place": (0.3, 0.4, 0.3),
    "address": (0.9, 0.08, 0.02),
}
U_PRIOR_PAIRS = 500
FATHER_INDEX = next(i for i, f in enumerate(FEATURES) if f.name == "father")
# From this name level up (one name fits in the other) a father's name is weighed with the
# u counted among namesakes (Model.father_named_u).
NAMED_FROM = 5
# Features a household shares, and what they may add up to when two names conflict.
HOUSEHOLD = frozenset({"father", "phone", "address", "place"})
HOUSEHOLD_CAP = 4.0
# Term-frequency shares are shrunk towards the level's u by this many pseudo-records.
TF_PSEUDO = 1000
# The most that records of one person disagree this way, whatever EM says: a clerk's slip
# rate. Candidate pairs that are not matches leak into EM's match class and would
# otherwise make these disagreements look common among matches.
_M_CAP: dict[tuple[str, int], float] = {
    ("name", 0): 0.02,
    ("gender", 0): 0.02,
    ("birth", 0): 0.01,
}
# No level of a feature is ever taken as certain either way.
_FLOOR = 1e-4


@dataclass
class Model:
    """m and u per feature and level, and the prior share of matches among candidates."""

    m: list[Floats]
    u: list[Floats]
    prior: float
    version: str = VERSION
    trained_on: int = 0
    #: Bits added per feature and level, learnt from analysts' decisions (none: zeros).
    learnt: list[Floats] | None = None
    #: How many decided pairs taught ``learnt``.
    decisions: int = 0
    #: u of the father's-name levels among *different* people whose names agree (see
    #: :func:`match_weights`); None: the father's name weighs as among random pairs.
    father_named_u: Floats | None = None

    def weights(self) -> list[Floats]:
        """log2(m/u) per feature and level (plus what decisions taught): the bits of each."""
        base = [np.log2(m / u) for m, u in zip(self.m, self.u, strict=True)]
        if self.learnt is None:
            return base
        return [w + d for w, d in zip(base, self.learnt, strict=True)]

    def to_dict(self) -> dict[str, object]:
        """The model as plain data (for the API, the docs and an audit entry)."""
        return {
            "version": self.version,
            "prior": self.prior,
            "trained_on": self.trained_on,
            "decisions": self.decisions,
            "features": {
                f.name: {
                    "levels": list(f.levels),
                    "m": [round(float(x), 6) for x in m],
                    "u": [round(float(x), 6) for x in u],
                    **(
                        {"learnt_bits": [round(float(x), 6) for x in self.learnt[i]]}
                        if self.learnt is not None
                        else {}
                    ),
                }
                for i, (f, m, u) in enumerate(zip(FEATURES, self.m, self.u, strict=True))
            },
            **(
                {"father_named_u": [round(float(x), 6) for x in self.father_named_u]}
                if self.father_named_u is not None
                else {}
            ),
        }


def share(levels: Levels, count: int, weights: Floats | None = None) -> Floats:
    """Share of each level among the non-null values of one feature column."""
    out = np.zeros(count)
    mask = levels != NULL
    if weights is None:
        np.add.at(out, levels[mask].astype(np.int64), 1.0)
    else:
        np.add.at(out, levels[mask].astype(np.int64), weights[mask])
    out += 0.5  # Laplace: a level never seen is rare, not impossible
    result: Floats = np.maximum(out / out.sum(), _FLOOR)
    return result


def estimate_u(random_pairs: Levels) -> list[Floats]:
    """u per feature from the levels of random pairs (rows: pairs, columns: features)."""
    out = []
    for i, feature in enumerate(FEATURES):
        column = random_pairs[:, i]
        seen = np.zeros(len(feature.levels))
        np.add.at(seen, column[column != NULL].astype(np.int64), 1.0)
        seen += U_PRIOR_PAIRS * np.array(_U_START[feature.name])
        out.append(np.maximum(seen / seen.sum(), _FLOOR))
    return out


def _log_likelihood(patterns: Levels, probs: Sequence[Floats]) -> Floats:
    total = np.zeros(len(patterns))
    for i, p in enumerate(probs):
        col = patterns[:, i]
        mask = col != NULL
        total[mask] += np.log(p[col[mask].astype(np.int64)])
    return total


def _em(
    patterns: Levels, weights: Floats, u: list[Floats], m: list[Floats], iterations: int
) -> tuple[list[Floats], float]:
    """EM over unique level patterns with their counts; returns m and the estimated prior."""
    prior = 0.5
    log_u = _log_likelihood(patterns, u)
    for _ in range(iterations):
        log_m = _log_likelihood(patterns, m)
        logit = math.log(prior) - math.log1p(-prior) + log_m - log_u
        p_match = 1.0 / (1.0 + np.exp(-np.clip(logit, -60, 60)))
        w = weights * p_match
        new_m = [share(patterns[:, i], len(f.levels), w) for i, f in enumerate(FEATURES)]
        prior = float(np.clip(w.sum() / weights.sum(), 1e-4, 0.999))
        moved = max(float(np.abs(a - b).max()) for a, b in zip(new_m, m, strict=True))
        m = new_m
        if moved < 1e-5:
            break
    return m, prior


# Each feature's levels and NULL as one digit of a pattern's number (the first feature the
# most significant digit, so that numbers sort as the rows of levels do).
_RADIX = [len(f.levels) + 1 for f in FEATURES]
_PLACE = [math.prod(_RADIX[i + 1 :]) for i in range(len(FEATURES))]
PATTERNS = math.prod(_RADIX)


def level_patterns(
    levels: Levels, mask: npt.NDArray[np.bool_], chunk: int = 1_000_000
) -> tuple[Levels, npt.NDArray[np.int64]]:
    """The distinct rows of ``levels[mask]``, in sorted order, and how many times each
    occurs (``np.unique(..., axis=0, return_counts=True)``), counted a chunk at a time as
    numbered patterns: tens of millions of candidate pairs are never copied or sorted."""
    counts = np.zeros(PATTERNS, dtype=np.int64)
    for start in range(0, len(levels), chunk):
        rows = levels[start : start + chunk][mask[start : start + chunk]]
        number = np.zeros(len(rows), dtype=np.int64)
        for i, place in enumerate(_PLACE):
            number += (rows[:, i].astype(np.int64) + 1) * place
        counts += np.bincount(number, minlength=PATTERNS)
    present = np.flatnonzero(counts)
    patterns = np.stack(
        [(present // place) % radix - 1 for place, radix in zip(_PLACE, _RADIX, strict=True)],
        axis=1,
    ).astype(np.int8)
    return patterns.reshape(-1, len(FEATURES)), counts[present]


def train(
    candidates: Levels,
    u: list[Floats],
    sessions: list[tuple[npt.NDArray[np.bool_], frozenset[str]]],
    *,
    prior: float = 0.1,
    iterations: int = 40,
) -> Model:
    """Estimate m by EM in training sessions, as Splink does; u and the prior held fixed.

    Candidate pairs are alike by construction (they share a phone, or a name), which
    breaks the model's assumption that features are independent given match status. Each
    session takes the pairs one rule selects (a mask) and estimates m only for the features
    that rule does not look at (the set is of the features it *does* look at); each
    feature's m is the mean over the sessions that estimated it.
    """
    start = [np.array(_M_START[f.name], dtype=np.float64) for f in FEATURES]
    found: list[list[Floats]] = [[] for _ in FEATURES]
    trained = 0
    for mask, used in sessions:
        if mask.sum() < 20:
            continue
        patterns, counts = level_patterns(candidates, mask)
        m, _ = _em(patterns, counts.astype(np.float64), u, list(start), iterations)
        trained += int(mask.sum())
        for i, feature in enumerate(FEATURES):
            if feature.name not in used:
                found[i].append(m[i])
    m = [np.mean(f, axis=0) if f else s for f, s in zip(found, start, strict=True)]
    for (capped, level), cap in _M_CAP.items():
        probs = m[next(i for i, f in enumerate(FEATURES) if f.name == capped)]
        if probs[level] > cap:
            rest = 1.0 - probs[level]
            probs *= (1.0 - cap) / rest
            probs[level] = cap
    return Model(m=m, u=u, prior=prior, trained_on=trained)


def match_weights(
    model: Model,
    levels: Levels,
    *,
    name_tf: Floats | None = None,
    phone_tf: Floats | None = None,
    population: int = 0,
) -> Floats:
    """The match weight (bits) of each pair; ``*_tf`` replace u where a value is shared.

    ``name_tf[k]`` is how many of the ``population`` records carry the name pair k agrees
    on (NaN when the names do not agree closely); likewise ``phone_tf`` for a shared phone.
    """
    total = np.full(len(levels), math.log2(model.prior / (1 - model.prior)))
    household = np.zeros(len(levels))
    for i, weight in enumerate(model.weights()):
        col = levels[:, i]
        mask = col != NULL
        bits = weight[col[mask].astype(np.int64)]
        total[mask] += bits
        if FEATURES[i].name in HOUSEHOLD:
            household[mask] += np.maximum(bits, 0.0)
    # Brothers, sisters and spouses share a father's name, a phone, an address and a place;
    # when the names conflict, those say "the same household", not "the same person", so
    # together they count for at most HOUSEHOLD_CAP bits instead of adding up.
    conflict = levels[:, 0] <= 1
    total[conflict] -= np.maximum(household[conflict] - HOUSEHOLD_CAP, 0.0)
    if model.father_named_u is not None:
        # The father's name shares the surname: two namesakes' fathers agree far more often
        # than two random people's (a few dozen given names in a community), so where the
        # names agree its u is the one counted among namesakes.
        father = FATHER_INDEX
        col = levels[:, father]
        named = (levels[:, 0] >= NAMED_FROM) & (col != NULL)
        lv = col[named].astype(np.int64)
        total[named] += np.log2(model.u[father][lv] / model.father_named_u[lv])
    for tf, feature, from_level in ((name_tf, "name", 6), (phone_tf, "phone", 1)):
        if tf is None:
            continue
        index = next(i for i, f in enumerate(FEATURES) if f.name == feature)
        col = levels[:, index]
        adjust = (col >= from_level) & ~np.isnan(tf)
        if not adjust.any():
            continue
        base_u = model.u[index][col[adjust].astype(np.int64)]
        # The chance that a random *other* record carries this value: the records beyond the
        # pair's own two, shrunk towards the level's u by TF_PSEUDO records, so that a short
        # list (where three records of one person make a name look common) says little.
        others = np.maximum(tf[adjust] - 2, 0)
        tf_u = (others + TF_PSEUDO * base_u) / (population + TF_PSEUDO)
        total[adjust] += np.log2(base_u / np.maximum(tf_u, _FLOOR / 100))
    return total


def probability(weights: Floats) -> Floats:
    """Match probability from match weight in bits."""
    return 1.0 / (1.0 + np.exp2(-np.clip(weights, -60, 60)))
