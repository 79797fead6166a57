"""Learning from analysts' decisions, measured: pairwise F1 before and after, simulated analysts.

On a synthetic person list (``nervecentre.synth.person_lists``) the engine resolves once;
a simulated analyst then decides ``K`` pairs truthfully (the generator's truth): with
``--shown sample`` (the default) pairs drawn at random among those scored at or above the
review threshold — queued pairs and automatic links an analyst checks on a person's page —,
with ``--shown queue`` the first ``K`` of the review queue in its order. The list is
resolved again with those decisions
(a) as constraints only and (b) as constraints and as labelled pairs that correct the model
(:mod:`nervecentre.resolve.learn`). The corrected model is also applied, with no decision,
to another list (another seed) against the uncorrected one: the gain that carries over.

    python benchmarks/bench_resolve_learn.py [--people 2000] [--seeds 1 2] [--decisions 50 200]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
from bench_resolve import pairwise

from nervecentre.resolve.engine import REVIEW, resolve_records
from nervecentre.resolve.records import PersonRecord, read_records
from nervecentre.synth.person_lists import write_person_list


def _load(folder: Path, people: int, seed: int) -> tuple[list[PersonRecord], list[str]]:
    path = folder / f"people-{seed}.csv"
    truth_of = write_person_list(path, people, seed=seed)
    records = read_records(path)
    return records, [truth_of[r.record_id] for r in records]


def _sample(probabilities: np.ndarray, k: int, seed: int) -> list[int]:
    """K pairs an analyst is shown: scored at or above the review threshold, at random."""
    shown = np.flatnonzero(probabilities >= REVIEW)
    rng = np.random.default_rng(seed)
    return rng.choice(shown, size=min(k, len(shown)), replace=False).tolist()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--decisions", type=int, nargs="+", default=[50, 200, 500])
    parser.add_argument(
        "--shown",
        choices=("queue", "sample"),
        default="sample",
        help="which pairs analysts decide: the review queue's first K, or K pairs at random "
        "among those scored at or above the review threshold (links checked as well)",
    )
    args = parser.parse_args()
    print(
        f"{'set':>7} {'decided':>7} {'same':>5} | {'F1 before':>9} {'constraints':>11} "
        f"{'+ learnt':>8} | {'other set':>9} {'+ learnt':>8}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            records, truth = _load(Path(tmp), args.people, seed)
            other, other_truth = _load(Path(tmp), args.people, seed + 100)
            first = resolve_records(records)
            before = pairwise(truth, first.labels)[2]
            for k in args.decisions:
                same, different = [], []
                shown = (
                    first.review[:k]
                    if args.shown == "queue"
                    else _sample(first.probabilities, k, seed)
                )
                for index in shown:
                    i, j = (int(x) for x in first.pairs[index])
                    (same if truth[i] == truth[j] else different).append((i, j))
                plain = resolve_records(records, same=same, different=different, learn=False)
                learnt = resolve_records(records, same=same, different=different)
                held = pairwise(other_truth, resolve_records(other, model=plain.model).labels)
                held_l = pairwise(other_truth, resolve_records(other, model=learnt.model).labels)
                print(
                    f"{seed:>7} {len(same) + len(different):>7} {len(same):>5} | {before:9.3f} "
                    f"{pairwise(truth, plain.labels)[2]:11.3f} "
                    f"{pairwise(truth, learnt.labels)[2]:8.3f} | {held[2]:9.3f} {held_l[2]:8.3f}"
                )


if __name__ == "__main__":
    main()
