"""Big lists stream: peak memory does not grow with the number of entries."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from nervecentre.hashing.sets.synthetic import write_synthetic_vics

_IMPORT = """
import sys
from sqlalchemy import event
from nervecentre.store.db import open_database
from nervecentre.hashing.sets import import_hashset
db = open_database(sys.argv[2])
# A small SQLite page cache, so that what grows (if anything) is ours.
event.listen(db.engine, "connect", lambda conn, _: conn.execute("PRAGMA cache_size=-2000"))
db.upgrade()
report = import_hashset(db, sys.argv[1], name="big")
assert report.added == int(sys.argv[3]), report.to_dict()
# VmHWM is this process image's own peak; ru_maxrss would carry over the
# (possibly large) pytest worker that forked us.
status = open("/proc/self/status").read().split("VmHWM:")[1]
print(int(status.split()[0]) // 1024)
"""


def _peak_mib(path: Path, db: Path, count: int) -> int:
    done = subprocess.run(
        [sys.executable, "-c", _IMPORT, str(path), f"sqlite:///{db}", str(count)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return int(done.stdout.split()[-1])


@pytest.mark.slow
def test_memory_stays_flat_from_50k_to_200k_entries(tmp_path: Path) -> None:
    small = write_synthetic_vics(tmp_path / "50k.json", 50_000, seed=1)
    large = write_synthetic_vics(tmp_path / "200k.json", 200_000, seed=2)
    assert large.stat().st_size > 60_000_000
    small_peak = _peak_mib(small, tmp_path / "a.db", 50_000)
    large_peak = _peak_mib(large, tmp_path / "b.db", 200_000)
    # Loading 200k entries whole would take several hundred MiB more than 50k.
    assert large_peak - small_peak < 25, (small_peak, large_peak)
    assert large_peak < 250
