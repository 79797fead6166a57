"""Reports benchmark: the annual report of a synthetic registry, rendered to PDF and XLSX.

The registry comes from the synthetic generator (``nervecentre.synth``, written straight
through the case writer, not through a spreadsheet); it is kept in the work folder and
reused by later runs of the same size. Printed: the time to compute the tables and charts
(over every case, as the installation, and as a unit-bound supervisor through need-to-know),
to render each format, and the shared version's suppression. The issue names no anchor for
reports: the times are the figure.

    python benchmarks/bench_reports.py [--cases 100000] [--year 2025] [--work DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select

from nervecentre.cases.models import Case
from nervecentre.cases.writer import write_cases
from nervecentre.reports.render import render
from nervecentre.reports.report import build_report
from nervecentre.security import users
from nervecentre.security.fields import cipher_for
from nervecentre.settings import load_settings
from nervecentre.store.db import Database
from nervecentre.synth import SynthConfig, generate

SEED = 16


def _database(work: Path, cases: int) -> Database:
    path = work / f"reports-{cases}.db"
    db = Database(load_settings(database_url=f"sqlite:///{path}", data_dir=str(work)))
    db.upgrade()
    with db.session() as s:
        have = s.scalar(select(func.count(Case.id))) or 0
    if have == cases:
        print(f"reusing {path} ({cases:,} cases)")
        return db
    if have:
        db.dispose()
        path.unlink()
        return _database(work, cases)
    start = time.perf_counter()
    with db.engine.begin() as conn:
        write_cases(conn, generate(SynthConfig(cases=cases, seed=SEED)), cipher_for(db.settings))
    print(f"generated and wrote {cases:,} cases in {time.perf_counter() - start:.1f} s")
    return db


def _timed(label: str, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    """Run ``fn`` and print its wall-clock and CPU seconds (CPU: this process's own, which a
    busy machine does not inflate; the database and rendering all run in this process)."""
    start, cpu = time.perf_counter(), time.process_time()
    out = fn(*args, **kwargs)
    took, used = time.perf_counter() - start, time.process_time() - cpu
    print(f"  {label:<46}{took:>8.2f} s wall {used:>8.2f} s CPU")
    return out, took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--work", type=Path, default=None, help="keep the database here")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-reports-"))
    work.mkdir(parents=True, exist_ok=True)
    db = _database(work, args.cases)
    sup = users.get_user(db, "bench-sup") if _exists(db, "bench-sup") else users.create_user(
        db, "bench-sup", "a long enough password 1", "supervisor", actor="bench",
        units=["MH-THR-AHTU", "MH-THR-SHAHAPUR", "MH-PAL-BOISAR"],
    )  # fmt: skip
    print(f"\nannual report {args.year} of a {args.cases:,}-case registry (SQLite)")
    report, compute = _timed("compute, every case (installation)", build_report, db, None,
                             "annual", args.year)  # fmt: skip
    print(f"    {report.cases:,} cases in {args.year}, {len(report.tables)} tables, "
          f"{len(report.charts)} charts")  # fmt: skip
    pdf, pdf_s = _timed("render PDF", render, report, "pdf")
    xlsx, xlsx_s = _timed("render XLSX", render, report, "xlsx")
    print(f"    PDF {len(pdf) / 1e6:.2f} MB, XLSX {len(xlsx) / 1e6:.2f} MB")
    print(f"  {'total, PDF + XLSX':<46}{compute + pdf_s + xlsx_s:>8.2f} s wall")
    mine, _ = _timed("compute as a supervisor of 3 units", build_report, db, sup, "annual",
                     args.year)  # fmt: skip
    print(f"    {mine.cases:,} cases visible to them")
    shared, _ = _timed("compute the shared version (suppression)", build_report, db, None,
                       "annual", args.year, shared=True)  # fmt: skip
    hidden = sum(len(t.suppression.hidden) for t in shared.tables if t.suppression)
    cells = sum(len(t.grid) * len(t.columns) for t in shared.tables)
    print(f"    {hidden:,} of {cells:,} cells hidden")
    _timed("render shared PDF", render, shared, "pdf")
    db.dispose()


def _exists(db: Database, name: str) -> bool:
    try:
        users.get_user(db, name)
    except Exception:
        return False
    return True


if __name__ == "__main__":
    main()
