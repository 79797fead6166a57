"""The comparison levels of this tree against those of another revision, on one list.

    python benchmarks/check_resolve_levels.py --data people.csv --against main --records 250000

A change meant to make the comparison faster must not change a level. This takes the
first ``--records`` records of a list written by ``bench_resolve.py --write``, every
``--every``-th of their candidate pairs and ``--random`` random pairs, and computes their
levels twice: with this tree, and with the revision ``--against`` (``git archive`` into a
temporary folder, run in a process of its own). It prints how many pairs differ (0 is the
only good answer) and exits 1 if any does. tests/resolve/test_vectors.py checks the same
on a small list against the levels of ``compare`` taken pair by pair.
"""

from __future__ import annotations

import argparse
import pickle
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

import numpy as np

from nervecentre.resolve.blocking import candidate_pairs, random_pairs

REPO = Path(__file__).resolve().parents[1]

# Run by the other revision's code: the levels of the pairs in argv[2], saved to argv[3].
_LEVELS = """
import pickle, sys
import numpy as np
from nervecentre.resolve.vectors import compare_many, encode
with open(sys.argv[1], "rb") as handle:
    records = pickle.load(handle)
pairs = np.load(sys.argv[2])
codes = encode(records)
step = 50_000
out = [compare_many(records, codes, pairs[s : s + step]) for s in range(0, len(pairs), step)]
np.save(sys.argv[3], np.concatenate(out) if out else np.zeros((0, 8), np.int8))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="a list written by --write")
    parser.add_argument("--against", default="main", help="the git revision to compare with")
    parser.add_argument("--records", type=int, default=250_000, help="first records taken")
    parser.add_argument("--every", type=int, default=25, help="every k-th candidate pair")
    parser.add_argument("--random", type=int, default=50_000, help="random pairs added")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO / "benchmarks"))
    from bench_resolve import _read_cached

    records, _ = _read_cached(args.data)
    records = records[: args.records]
    pairs, _ = candidate_pairs(records)
    sample = np.concatenate(
        [pairs[:: args.every].astype(np.int64), random_pairs(len(records), args.random)]
    )
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", args.against, "nervecentre"],
            check=True,
            capture_output=True,
        ).stdout
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(work / "old", filter="data")
        with (work / "records.pickle").open("wb") as handle:
            pickle.dump(records, handle, protocol=pickle.HIGHEST_PROTOCOL)
        np.save(work / "pairs.npy", sample)
        for name, root in (("old", work / "old"), ("new", REPO)):
            subprocess.run(
                [sys.executable, "-c", _LEVELS, str(work / "records.pickle"),
                 str(work / "pairs.npy"), str(work / f"{name}.npy")],
                check=True,
                cwd=work,  # not this tree's folder: "-c" puts the current one first on the path
                env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
            )  # fmt: skip
        old, new = np.load(work / "old.npy"), np.load(work / "new.npy")
    differ = int((old != new).any(axis=1).sum()) if old.shape == new.shape else len(sample)
    print(
        f"{len(records):,} records, {len(sample):,} pairs ({len(pairs):,} candidate pairs "
        f"every {args.every}th, and {args.random:,} random): {differ:,} differ from "
        f"{args.against}'s levels"
    )
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
