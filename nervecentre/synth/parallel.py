"""Rendering a dataset in blocks, in this process or in worker processes.

Each block of cases is built from its own random stream and rendered to register text
and truth lines; the main process only plans cases and writes the blocks in order. The
bytes are the same for any number of workers, and the same as ``write_register`` over
``generate`` (tests hold both to that).
"""

from __future__ import annotations

import csv
import io
import multiprocessing
import os
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

from nervecentre.synth._random import rng_for
from nervecentre.synth.badrows import BadRowPlan
from nervecentre.synth.cases import CaseBuilder
from nervecentre.synth.config import SynthConfig
from nervecentre.synth.plan import CasePlan, Planner
from nervecentre.synth.register import BadRow, format_row
from nervecentre.synth.stream import BLOCK
from nervecentre.synth.truth import truth_line

# Below this many cases, starting worker processes costs more than it saves.
PARALLEL_FROM = 20_000


@dataclass(frozen=True, slots=True)
class Job:
    """One block to render: its plans, the bad rows after its cases, its first row number."""

    block: int
    plans: list[CasePlan]
    bad: dict[int, list[str]]
    first_serial: int


@dataclass(frozen=True, slots=True)
class Rendered:
    """A rendered block: CSV text (no header), truth lines, and the bad rows in it."""

    csv: str
    truth: str
    cases: int
    rows: int
    bad: list[BadRow]


_builder: CaseBuilder | None = None


def _start_worker(config: SynthConfig) -> None:
    global _builder
    _builder = CaseBuilder(config)


def render(builder: CaseBuilder, job: Job) -> Rendered:
    """Build and render one block."""
    rng = rng_for(builder.config.seed, "block", job.block)
    text = io.StringIO()
    out = csv.writer(text)
    truth: list[str] = []
    bad: list[BadRow] = []
    serial = job.first_serial
    for plan in job.plans:
        record, rows = builder.build(plan, rng)
        cells = format_row(record, serial)
        out.writerow(cells)
        truth += [truth_line(row) for row in rows]
        for kind in job.bad.get(plan.position, ()):
            serial += 1
            row, column, reason = BadRowPlan.make(kind, cells, serial)
            out.writerow(row)
            bad.append(BadRow(serial + 1, column, reason))
        serial += 1
    return Rendered(text.getvalue(), "".join(truth), len(job.plans), serial - job.first_serial, bad)


def _render_in_worker(job: Job) -> Rendered:
    assert _builder is not None
    return render(_builder, job)


def _jobs(config: SynthConfig, planner: Planner, bad: BadRowPlan) -> Iterator[Job]:
    plans = (planner.plan(i) for i in range(config.cases))
    serial = 1
    for block in range(0, (config.cases + BLOCK - 1) // BLOCK):
        chunk = list(islice(plans, BLOCK))
        after = {p.position: kinds for p in chunk if (kinds := bad.after(p.position))}
        yield Job(block, chunk, after, serial)
        serial += len(chunk) + sum(len(k) for k in after.values())


def workers_for(config: SynthConfig, workers: int | None) -> int:
    """How many worker processes to use (0: render here)."""
    if workers is None:
        workers = (os.cpu_count() or 1) if config.cases >= PARALLEL_FROM else 0
    return 0 if workers <= 1 else workers


def render_dataset(config: SynthConfig, *, workers: int | None = None) -> Iterator[Rendered]:
    """Every block of the dataset, rendered, in order (bad rows as ``config.bad_rows``)."""
    bad = BadRowPlan(config.bad_rows, config.seed, config.cases)
    count = workers_for(config, workers)
    if count == 0:
        builder = CaseBuilder(config)
        for job in _jobs(config, Planner(config, builder.table), bad):
            yield render(builder, job)
        return
    planner = Planner(config, CaseBuilder(config).table)
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    with context.Pool(count, initializer=_start_worker, initargs=(config,)) as pool:
        # imap keeps block order; a small chunksize keeps both workers busy to the end.
        yield from pool.imap(_render_in_worker, _jobs(config, planner, bad), chunksize=1)
