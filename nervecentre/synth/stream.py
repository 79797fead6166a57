"""Streaming a dataset: plan each case in order, build it, hand it on.

Cases are built in blocks of BLOCK cases, each block from its own random stream, so a
block can be built in any process and the dataset is the same either way.
"""

from __future__ import annotations

from collections.abc import Iterator

from nervecentre.cases.records import CaseRecord
from nervecentre.synth._random import rng_for
from nervecentre.synth.cases import CaseBuilder
from nervecentre.synth.config import SynthConfig
from nervecentre.synth.networks import NetworkTable
from nervecentre.synth.plan import CasePlan, Planner
from nervecentre.synth.truth import TruthRow
from nervecentre.synth.values import IdentifierMaker

BLOCK = 1000


def plans(config: SynthConfig, builder: CaseBuilder | None = None) -> Iterator[CasePlan]:
    """The plans of all cases, in order."""

    table = builder.table if builder is not None else NetworkTable(config, IdentifierMaker())
    planner = Planner(config, table)
    for i in range(config.cases):
        yield planner.plan(i)


def generate_with_truth(config: SynthConfig) -> Iterator[tuple[CaseRecord, list[TruthRow]]]:
    """Each case with the truth rows of its people, in FIR-date order."""
    builder = CaseBuilder(config)
    rng = rng_for(config.seed, "block", 0)
    for plan in plans(config, builder):
        if plan.position % BLOCK == 0:
            rng = rng_for(config.seed, "block", plan.position // BLOCK)
        yield builder.build(plan, rng)


def generate(config: SynthConfig) -> Iterator[CaseRecord]:
    """The cases of a dataset, streamed in FIR-date order."""
    for record, _ in generate_with_truth(config):
        yield record


def ground_truth(config: SynthConfig) -> Iterator[TruthRow]:
    """The truth rows of a dataset, streamed (same config, same rows as ``generate``)."""
    for _, rows in generate_with_truth(config):
        yield from rows
