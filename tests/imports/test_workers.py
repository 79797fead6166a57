"""The processes that convert rows for a large import end with the import, however it ends."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nervecentre.store.db import Database
from tests.imports.registers import row, write_csv

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")

# Runs an import whose every written batch waits a moment, so that it is still running (with
# its workers converting ahead) when the test kills it.
SCRIPT = """
import sys, time
from nervecentre.cases import writer
from nervecentre.imports import import_register
from nervecentre.store.db import open_database

original = writer.CaseWriter.write
def slow(self, records):
    time.sleep(0.5)
    original(self, records)
writer.CaseWriter.write = slow
db = open_database(sys.argv[1])
import_register(db, sys.argv[2], progress=lambda n: print("row", flush=True))
"""


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie has ended; it only waits to be reaped


def test_a_killed_import_leaves_no_worker_behind(sqlite_db: Database, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "big.csv", [row(i, **{"FIR No": str(i)}) for i in range(6000)])
    env = {**os.environ, "NERVECENTRE_IMPORT_WORKERS": "2", "NERVECENTRE_IMPORT_BATCH_SIZE": "500"}
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, sqlite_db.url, str(path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=Path(__file__).parents[2],
    )
    workers: list[int] = []
    try:
        assert proc.stdout is not None
        proc.stdout.readline()  # the first row went past: the workers are converting
        workers += _children(proc.pid)
        assert len(workers) == 2, workers
        os.kill(proc.pid, signal.SIGKILL)  # the importer alone, without warning
        proc.wait()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(_alive(w) for w in workers):
            time.sleep(0.05)
        assert not [w for w in workers if _alive(w)], "workers outlived the import"
    finally:
        if proc.poll() is None:
            proc.kill()
        for pid in workers:  # only where the test failed: they are still ours, still running
            if _alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
