"""Where our resolver errs on a large list: pairwise scores, and its false pairs by how the
two true people relate (namesakes, siblings, a father and son, strangers on one phone).

    python benchmarks/bench_resolve_errors.py --people 59000 --seed 7   # ~100,000 records

Ours only (the side by side with Splink is ``bench_resolve.py``). The generator's own
people (``ListMaker(seed).population``) say how two records' people relate; the engine
runs at its defaults (``resolve_records``).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from bench_resolve import bcubed, pairwise

from nervecentre.resolve.engine import resolve_records
from nervecentre.resolve.records import read_records
from nervecentre.synth.person_lists import ListMaker, TruePerson, write_person_list

# Entities larger than this are skipped when false pairs are listed (a chain gone wrong
# would swamp the count); they still count in the scores.
LARGEST = 60


def relation(a: TruePerson, b: TruePerson) -> str:
    """How two different true people look alike."""
    if a.name.full == b.name.full:
        return "namesakes, same district" if a.district == b.district else "namesakes"
    if b.name.full == a.father.full or a.name.full == b.father.full:
        return "father and son"
    if a.father == b.father and a.name.surname == b.name.surname:
        return "siblings"
    if set(a.phones) & set(b.phones):
        return "strangers on one phone"
    if (a.name.given, a.name.surname) == (b.name.given, b.name.surname):
        return "same given name and surname, another middle name"
    return "other look-alikes"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=59_000, help="true people in the list")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} UTC, load {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "people.csv"
        truth_of = write_person_list(path, args.people, seed=args.seed)
        records = read_records(path)
    truth = [truth_of[r.record_id] for r in records]
    start = time.perf_counter()
    result = resolve_records(records)
    seconds = time.perf_counter() - start
    p, r, f = pairwise(truth, result.labels)
    print(
        f"{len(records):,} records, {result.blocking.pairs:,} candidate pairs, prior "
        f"{result.model.prior:.3g}: pairwise F1 {f:.3f} (P {p:.3f}, R {r:.3f}), "
        f"B3 {bcubed(truth, result.labels):.3f}; {seconds:.0f} s"
    )
    people = {person.id: person for person in ListMaker(args.seed).population(args.people)}
    members: dict[int, list[int]] = defaultdict(list)
    for index, label in enumerate(result.labels):
        members[label].append(index)
    wrong: Counter[str] = Counter()
    for group in members.values():
        if not 1 < len(group) <= LARGEST:
            continue
        for x, i in enumerate(group):
            for j in group[x + 1 :]:
                if truth[i] != truth[j]:
                    wrong[relation(people[truth[i]], people[truth[j]])] += 1
    total = sum(wrong.values()) or 1
    print(f"false pairs inside entities (of up to {LARGEST} records): {sum(wrong.values()):,}")
    for what, count in wrong.most_common():
        print(f"  {what:<50} {count:>7,} {count / total:6.1%}")
    print(f"load average at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
