"""One small synthetic dataset, written once per test session and shared by the tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from nervecentre.cases.records import CaseRecord
from nervecentre.synth import (
    DatasetPaths,
    SynthConfig,
    TruthRow,
    generate_with_truth,
    write_dataset,
)

CONFIG = SynthConfig(cases=500, seed=5, bad_rows=9)


@dataclass
class Dataset:
    """The shared dataset: its files, and its records and truth rows in memory."""

    config: SynthConfig
    paths: DatasetPaths
    records: list[CaseRecord]
    truth: list[list[TruthRow]]


@pytest.fixture(scope="session")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    paths = write_dataset(tmp_path_factory.mktemp("synth") / "demo", CONFIG, fmt="csv")
    pairs = list(generate_with_truth(CONFIG))
    return Dataset(CONFIG, paths, [r for r, _ in pairs], [t for _, t in pairs])


@pytest.fixture(scope="session")
def records(dataset: Dataset) -> list[CaseRecord]:
    return dataset.records


def register_path(dataset: Dataset) -> Path:
    return dataset.paths.register
