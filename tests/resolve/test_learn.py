"""Learning from analysts' decisions: corrections follow the verdicts; the waterfall sums."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nervecentre.resolve.compare import FEATURE_INDEX, FEATURES, NULL
from nervecentre.resolve.engine import explain_pair, learn_from_decisions, resolve_records
from nervecentre.resolve.learn import MIN_DECISIONS, corrections, learn
from nervecentre.resolve.model import Model
from nervecentre.resolve.records import read_records
from nervecentre.synth.person_lists import write_person_list


def _levels(rows: int, name: int, father: int) -> np.ndarray:
    levels = np.full((rows, len(FEATURES)), NULL, dtype=np.int8)
    levels[:, FEATURE_INDEX["name"]] = name
    levels[:, FEATURE_INDEX["father"]] = father
    return levels


def test_a_level_that_decisions_contradict_loses_bits() -> None:
    # Pairs whose names "fit" but whose fathers differ: the model scores them as likely
    # matches (offset +3 bits); analysts say they are father and son, different people.
    sons = _levels(60, name=5, father=0)
    same = _levels(60, name=5, father=2)
    levels = np.concatenate([sons, same])
    offsets = np.full(len(levels), 3.0)
    verdicts = [False] * 60 + [True] * 60
    learnt = corrections(levels, offsets, verdicts)
    father = learnt[FEATURE_INDEX["father"]]
    assert father[0] < -1.0 < 0.0 < father[2]  # a different father now counts against


def test_few_decisions_teach_nothing() -> None:
    levels = _levels(MIN_DECISIONS - 1, name=5, father=0)
    model = Model(m=[], u=[], prior=0.1)
    assert learn(model, levels, np.zeros(len(levels)), [False] * len(levels)) is model


def test_a_learnt_model_still_explains_each_pair_by_parts_that_sum(tmp_path: Path) -> None:
    truth = write_person_list(tmp_path / "p.csv", 200, seed=3)
    records = read_records(tmp_path / "p.csv")
    first = resolve_records(records)
    decided = [(int(i), int(j)) for i, j in first.pairs[::7].tolist()]
    who = [truth[r.record_id] for r in records]
    same = [(i, j) for i, j in decided if who[i] == who[j]]
    different = [p for p in decided if p not in same]
    model = learn_from_decisions(records, first.model, same, different)
    assert model.learnt is not None and model.decisions == len(decided)
    assert model.version.endswith("+decisions")
    a, b = records[decided[0][0]], records[decided[0][1]]
    probability, parts = explain_pair(model, records, a, b)
    bits = sum(p.bits for p in parts)
    assert abs(probability - 1 / (1 + 2 ** (-bits))) < 1e-9
