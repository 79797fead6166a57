"""Synthetic data: a deterministic generator of FIR registers with a hidden ground truth.

>>> from nervecentre.synth import SynthConfig, write_dataset
>>> paths = write_dataset(Path("out"), SynthConfig(cases=2000, seed=1, bad_rows=9))

Everything is invented (Faker ``en_IN`` plus the pools in ``data/``): no real people.
The same config always gives byte-identical files. See docs/synthetic-data.md.
"""

from nervecentre.cases.records import CaseRecord
from nervecentre.synth.badrows import KINDS as BAD_ROW_KINDS
from nervecentre.synth.config import SynthConfig
from nervecentre.synth.dataset import DatasetPaths, write_dataset
from nervecentre.synth.register import BadRow, RegisterStats, format_row, write_register
from nervecentre.synth.score import PairScores, pair_scores
from nervecentre.synth.stream import generate, generate_with_truth, ground_truth
from nervecentre.synth.truth import TruthRow, read_truth, write_truth


def records_for_demo(config: SynthConfig | None = None) -> list[CaseRecord]:
    """All cases of a (small) dataset as a list; the demo's default config if none is given."""
    return list(generate(config or SynthConfig()))


__all__ = [
    "BAD_ROW_KINDS",
    "BadRow",
    "DatasetPaths",
    "PairScores",
    "RegisterStats",
    "SynthConfig",
    "TruthRow",
    "format_row",
    "generate",
    "generate_with_truth",
    "ground_truth",
    "pair_scores",
    "read_truth",
    "records_for_demo",
    "write_dataset",
    "write_register",
    "write_truth",
]
