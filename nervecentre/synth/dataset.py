"""Writing a whole synthetic dataset: the register, its ground truth and a README."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from nervecentre.errors import ConfigError
from nervecentre.synth.config import SynthConfig
from nervecentre.synth.parallel import render_dataset
from nervecentre.synth.register import RegisterStats, RowSink

_README = """Synthetic FIR register (nervecentre)
====================================

Everything here is invented: the people, their names, accounts, addresses and e-mails
(on reserved example.* domains). Phone numbers are random numbers in valid Indian mobile
ranges. Made by nervecentre.synth with seed {seed}: {cases} cases, FIR dates {start} to
{end}, {networks} hidden networks.

{register}
    The register, one row per FIR (layout: docs/register-format.md).
    Import it with:  nervecentre import {register}
truth.jsonl
    The ground truth: one line per person record of the register's good rows
    (person_ref, identity_id, network_id, role, canonical_name). Never import it: it is
    the answer key for scoring entity resolution and network analysis.

Deliberately bad rows ({bad_count}), which a correct import must refuse:
{bad}
"""


@dataclass(frozen=True)
class DatasetPaths:
    """Where ``write_dataset`` put things, and what the register holds."""

    register: Path
    truth: Path
    readme: Path
    stats: RegisterStats


def write_dataset(
    out_dir: Path,
    config: SynthConfig,
    *,
    fmt: str = "xlsx",
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> DatasetPaths:
    """Write ``register.<fmt>``, ``truth.jsonl`` and ``README.txt`` into ``out_dir``.

    Large CSV datasets are rendered by ``workers`` processes (default: one per CPU from
    20,000 cases); the files are byte-identical whatever the number of workers.
    """
    if fmt not in ("csv", "xlsx"):
        raise ConfigError(f"register format must be 'csv' or 'xlsx', not {fmt!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    register, truth = out / f"register.{fmt}", out / "truth.jsonl"
    stats = RegisterStats(path=register)
    sink = RowSink(register, fmt)
    try:
        with truth.open("w", encoding="utf-8", newline="\n") as truth_file:
            for block in render_dataset(config, workers=workers if fmt == "csv" else 0):
                if fmt == "csv":
                    sink.write_text(block.csv)
                else:
                    for row in _csv_rows(block.csv):
                        sink.write(row)
                truth_file.write(block.truth)
                stats.rows += block.rows
                stats.cases += block.cases
                stats.bad.extend(block.bad)
                if progress is not None:
                    progress(block.cases)
    finally:
        sink.close()
    readme = out / "README.txt"
    readme.write_text(
        _README.format(
            seed=config.seed,
            cases=config.cases,
            start=config.start,
            end=config.end,
            networks=config.networks,
            register=register.name,
            bad_count=len(stats.bad),
            bad="\n".join(f"  row {b.row}: {b.column}: {b.reason}" for b in stats.bad) or "  none",
        ),
        encoding="utf-8",
    )
    return DatasetPaths(register, truth, readme, stats)


def _csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))
