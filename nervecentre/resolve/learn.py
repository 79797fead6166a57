"""Learning from analysts' decisions: labelled pairs correct the weights EM estimated.

Each "same person" / "different people" decision is a labelled pair. EM never sees a label;
its weak spot is exactly the pairs analysts are shown — namesakes, siblings, a son with his
father's name — where look-alike non-matches leaked into its match class. A decision pair
teaches a correction in bits per feature level: a logistic regression of the verdict on
the levels, with the model's own match weight as the offset, pulled towards no correction
(a ridge penalty) so that a few decisions move the model a little and many move it more.
The corrections are added to the levels' weights, so a pair's waterfall still sums: each
feature's bits are its log2(m/u) plus what decisions taught about that level.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from nervecentre.resolve.compare import FEATURES, NULL
from nervecentre.resolve.model import Floats, Levels, Model

# Fewer decided pairs than this teach nothing (the model is returned unchanged).
MIN_DECISIONS = 20
# Ridge penalty: how many bits² of evidence a correction of one bit costs.
RIDGE = 2.0
# No level's weight moves by more than this many bits, however many decisions agree.
MAX_BITS = 6.0
_LN2 = math.log(2.0)


def _design(levels: Levels) -> Floats:
    """One column per feature level: 1 where the pair is at that level."""
    columns = []
    for index, feature in enumerate(FEATURES):
        col = levels[:, index]
        for level in range(len(feature.levels)):
            columns.append((col == level) & (col != NULL))
    return np.stack(columns, axis=1).astype(np.float64)


def corrections(
    levels: Levels, offsets: Floats, verdicts: Sequence[bool], *, ridge: float = RIDGE
) -> list[Floats]:
    """Bits per feature level that best explain the verdicts beyond the model's weights."""
    # A free intercept takes up how far the decided pairs' scores are off as a whole: the
    # pairs analysts are shown are a biased sample (the uncertain band), and a shift of
    # every weight would move the thresholds; only the levels' relative weights are kept.
    x = np.hstack([_design(levels), np.ones((len(levels), 1))])
    y = np.asarray(verdicts, dtype=np.float64)
    delta = np.zeros(x.shape[1])
    penalty = np.full(x.shape[1], ridge)
    penalty[-1] = 1e-6
    for _ in range(30):
        z = _LN2 * (offsets + x @ delta)
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -60, 60)))
        gradient = _LN2 * x.T @ (p - y) + penalty * delta
        hessian = _LN2**2 * (x.T * (p * (1 - p))) @ x + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        delta = delta - step
        delta[:-1] = np.clip(delta[:-1], -MAX_BITS, MAX_BITS)
        if float(np.abs(step).max()) < 1e-6:
            break
    out, start = [], 0
    for feature in FEATURES:
        out.append(delta[start : start + len(feature.levels)].copy())
        start += len(feature.levels)
    return out


def learn(model: Model, levels: Levels, offsets: Floats, verdicts: Sequence[bool]) -> Model:
    """``model`` with weights corrected by decided pairs (their levels, weights, verdicts)."""
    if len(verdicts) < MIN_DECISIONS:
        return model
    base = replace(model, learnt=None, decisions=0)
    return replace(
        base,
        learnt=corrections(levels, offsets, verdicts),
        decisions=len(verdicts),
        version=f"{model.version.split('+')[0]}+decisions",
    )
