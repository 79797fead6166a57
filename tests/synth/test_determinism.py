"""Same seed, same bytes; another seed, other data; any number of workers, same bytes."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from nervecentre.synth import (
    SynthConfig,
    generate,
    ground_truth,
    write_dataset,
    write_register,
    write_truth,
)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_same_seed_gives_identical_files(tmp_path: Path) -> None:
    config = SynthConfig(cases=150, seed=11, bad_rows=4)
    for fmt in ("csv", "xlsx"):
        a = write_dataset(tmp_path / f"a-{fmt}", config, fmt=fmt)
        b = write_dataset(tmp_path / f"b-{fmt}", config, fmt=fmt)
        assert a.register.read_bytes() == b.register.read_bytes()
        assert a.truth.read_bytes() == b.truth.read_bytes()
        assert a.readme.read_text() == b.readme.read_text()


def test_other_seed_gives_other_data(tmp_path: Path) -> None:
    a = write_dataset(tmp_path / "a", SynthConfig(cases=100, seed=1), fmt="csv")
    b = write_dataset(tmp_path / "b", SynthConfig(cases=100, seed=2), fmt="csv")
    assert _digest(a.register) != _digest(b.register)
    assert _digest(a.truth) != _digest(b.truth)


def test_workers_and_the_streaming_api_agree(tmp_path: Path) -> None:
    # 1,200 cases span two blocks, so block seeding and row numbering across blocks count.
    config = SynthConfig(cases=1200, seed=3, bad_rows=9)
    here = write_dataset(tmp_path / "here", config, fmt="csv", workers=0)
    pool = write_dataset(tmp_path / "pool", config, fmt="csv", workers=2)
    stream = tmp_path / "stream.csv"
    stats = write_register(
        generate(config), stream, fmt="csv", bad_rows=9, seed=3, expected_rows=config.cases
    )
    write_truth(ground_truth(config), tmp_path / "stream.jsonl")
    assert _digest(here.register) == _digest(pool.register) == _digest(stream)
    assert _digest(here.truth) == _digest(pool.truth) == _digest(tmp_path / "stream.jsonl")
    assert here.stats.bad == pool.stats.bad == stats.bad
    assert here.stats.rows == stats.rows == 1209


def test_output_does_not_depend_on_string_hashing(tmp_path: Path) -> None:
    # This process has a random string-hash seed; the child a fixed, different one.
    here = write_dataset(tmp_path / "here", SynthConfig(cases=60, seed=9), fmt="csv")
    script = (
        "import hashlib, sys; from pathlib import Path;"
        "from nervecentre.synth import SynthConfig, write_dataset;"
        "p = write_dataset(Path(sys.argv[1]), SynthConfig(cases=60, seed=9), fmt='csv');"
        "print(hashlib.sha256(p.register.read_bytes() + p.truth.read_bytes()).hexdigest())"
    )
    child = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "child")],
        env={**os.environ, "PYTHONHASHSEED": "12345"},
        capture_output=True,
        text=True,
        check=True,
    )
    expected = hashlib.sha256(here.register.read_bytes() + here.truth.read_bytes()).hexdigest()
    assert child.stdout.strip() == expected
