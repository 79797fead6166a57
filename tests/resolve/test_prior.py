"""The prior: counted from pairs that surely match, and falling as a list grows; a
father's name weighed among namesakes."""

from __future__ import annotations

import dataclasses

import numpy as np

from nervecentre.resolve.compare import FEATURES
from nervecentre.resolve.engine import (
    PRIOR_POOL,
    STRICT_RECALL,
    estimate_prior,
    refine_with_rules,
)
from nervecentre.resolve.model import Model, match_weights


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


def test_a_fathers_name_shared_by_namesakes_weighs_less() -> None:
    """Namesakes' fathers share the surname: their agreeing says less than among strangers.

    The u of the father's name among namesakes is counted on pairs whose names fit but who
    were born more than ten years apart (near-surely different people).
    """
    namesakes_apart = (7, 2, -1, -1, 0, 1, 2, -1)  # born >10 years apart, the same father
    namesakes_other = (7, 0, -1, -1, 0, 1, 2, -1)
    levels = _levels([namesakes_apart, namesakes_other, namesakes_other, SURE], 40)
    u = [np.full(len(f.levels), 1 / len(f.levels)) for f in FEATURES]
    u[1] = np.array([0.97, 0.02, 0.01])
    base = Model(m=[x.copy() for x in u], u=u, prior=0.1)
    model = refine_with_rules(base, levels)
    assert model.father_named_u is not None
    assert model.father_named_u[2] > 0.3  # a third of those namesakes share the father
    pair = np.array([(7, 2, -1, -1, 3, 1, 2, -1)], dtype=np.int8)
    plain = dataclasses.replace(model, father_named_u=None)
    assert match_weights(model, pair)[0] < match_weights(plain, pair)[0] - 4
    assert model.to_dict()["father_named_u"] == [round(float(x), 6) for x in model.father_named_u]
