"""The prior: counted from pairs that surely match, and falling as a list grows."""

from __future__ import annotations

import numpy as np

from nervecentre.resolve.compare import FEATURES
from nervecentre.resolve.engine import PRIOR_POOL, STRICT_RECALL, estimate_prior


def _levels(rows: list[tuple[int, ...]], repeat: int) -> np.ndarray:
    return np.array(rows * repeat, dtype=np.int8).reshape(-1, len(FEATURES))


# name, father, phone, email, birth, gender, place, address
SURE = (7, -1, 1, -1, 3, 1, 2, -1)  # the same name and a shared phone
NAMESAKE = (7, -1, -1, -1, 4, 1, 2, -1)  # the same name and birth year, nothing else
OTHER = (1, -1, 0, -1, 2, 1, 2, -1)


def test_a_shared_birth_year_does_not_make_a_pair_sure() -> None:
    """Namesakes born in one year are common in a long list: only a contact counts."""
    levels = _levels([SURE, NAMESAKE, *[OTHER] * 8], 30)
    assert estimate_prior(levels) == (30 / STRICT_RECALL) / 300


def test_the_prior_falls_with_the_list_among_all_pairs() -> None:
    """Among the candidates the share is the same; bounded by the share among all pairs
    (times PRIOR_POOL), a long list's prior falls as its namesakes grow."""
    levels = _levels([SURE, *[OTHER] * 9], 30)
    short, long = estimate_prior(levels, 200), estimate_prior(levels, 1_000_000)
    assert short == (30 / STRICT_RECALL) / 300
    assert long == PRIOR_POOL * (30 / STRICT_RECALL) / (1_000_000 * 999_999 / 2)
    assert long < short / 1000
