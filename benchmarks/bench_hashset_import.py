"""Hash-set import benchmark: nervecentre's streamed VICS import vs a naive whole-file load.

Same synthetic VICS 2.0 file (random MD5, SHA-1, PDQ, some PhotoDNA; no real data), same run:
- ours: ``import_hashset`` - streamed with ijson, every entry validated, staged and merged
  as a new version in one transaction (SQLite file, and PostgreSQL when reachable);
- anchor: ``json.load`` of the whole file then ``executemany`` of the raw fields into a bare
  SQLite table - no validation, no identity, no versions - the simplest loader one could write.
A re-import of the same file (every entry unchanged) is timed too. Each load runs in its own
process so that peak resident memory is its own.

    python benchmarks/bench_hashset_import.py [--entries 1000000] [--pg URL | --no-pg]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from nervecentre.hashing.sets.synthetic import write_synthetic_vics

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

OURS = """
import resource, sys, time
from nervecentre.store.db import open_database
from nervecentre.hashing.sets import import_hashset
db = open_database(sys.argv[2]); db.upgrade()
times = []
for _ in range(2):
    started = time.perf_counter()
    report = import_hashset(db, sys.argv[1], name="bench")
    times.append(time.perf_counter() - started)
print(times[0], times[1], resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
      report.unchanged)
"""

NAIVE = """
import json, resource, sqlite3, sys, time
started = time.perf_counter()
with open(sys.argv[1], encoding="utf-8") as handle:
    media = json.load(handle)["value"]
conn = sqlite3.connect(sys.argv[2])
conn.execute("CREATE TABLE h (id TEXT, category INT, md5 TEXT, sha1 TEXT, pdq TEXT, pdna TEXT)")
conn.executemany("INSERT INTO h VALUES (?, ?, ?, ?, ?, ?)",
                 ((m.get("MediaID"), m.get("Category"), m.get("MD5"), m.get("SHA1"),
                   m.get("PDQ"), m.get("PhotoDNA")) for m in media))
conn.commit()
print(time.perf_counter() - started, 0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
      len(media))
"""


def run(script: str, *args: str) -> tuple[float, float, float]:
    out = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, check=True
    ).stdout.split()
    return float(out[0]), float(out[1]), float(out[2])


def fresh_pg(url: str) -> str | None:
    try:
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text('DROP SCHEMA IF EXISTS "bench_hashsets" CASCADE'))
            conn.execute(text('CREATE SCHEMA "bench_hashsets"'))
        engine.dispose()
    except Exception as exc:  # any failure means no server to compare on
        print(f"PostgreSQL skipped: {exc}")
        return None
    query = {"options": "-csearch_path=bench_hashsets"}
    return make_url(url).update_query_dict(query).render_as_string(hide_password=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--pg", default=PG_DEFAULT)
    parser.add_argument("--no-pg", action="store_true")
    args = parser.parse_args()
    n = args.entries
    with tempfile.TemporaryDirectory() as folder:
        path = write_synthetic_vics(Path(folder) / "vics.json", n)
        print(f"{n:,} entries, {path.stat().st_size / 2**20:,.0f} MiB of VICS JSON")
        rows = [
            (
                "naive json.load + executemany (SQLite)",
                run(NAIVE, str(path), str(Path(folder) / "naive.db")),
            )
        ]
        rows.append(
            (
                "nervecentre import_hashset (SQLite)",
                run(OURS, str(path), f"sqlite:///{folder}/ours.db"),
            )
        )
        pg = None if args.no_pg else fresh_pg(args.pg)
        if pg:
            rows.append(("nervecentre import_hashset (PostgreSQL)", run(OURS, str(path), pg)))
    print(f"{'loader':<42} {'entries/s':>10} {'re-import/s':>12} {'peak RSS MiB':>13}")
    for name, (first, again, peak) in rows:
        print(
            f"{name:<42} {n / first:>10,.0f} "
            f"{(f'{n / again:,.0f}' if again else '-'):>12} {peak:>13,.0f}"
        )
    naive, ours = rows[0][1], rows[1][1]
    print(
        f"ours / naive (SQLite): {naive[0] / ours[0]:.2f}x the speed, "
        f"{naive[2] / ours[2]:.1f}x less peak memory"
    )


if __name__ == "__main__":
    main()
