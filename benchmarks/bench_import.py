"""Import benchmark: nervecentre's whole import vs writing the very rows it wrote, in one run.

For SQLite and, when reachable, PostgreSQL, each into a fresh database of the same schema:

- ours: read the register (CSV), validate and normalise every cell, write the normalised
  tables (about 37 database rows per register row) batch by batch, audited, for the
  installation;
- pandas: ``DataFrame.to_sql`` of those same tables, read back from our database as
  DataFrames before the clock starts (pandas alone, nothing validated);
- floor: the same rows by the database's bulk path in one transaction: ``sqlite3``
  ``executemany`` (nervecentre's connection settings), PostgreSQL ``COPY``.

Ratios are time over time: ours/pandas (goal ≤ 1) and ours/floor (goal ≤ 2). The old flat
anchor (``read_csv`` + ``to_sql`` of the register as one table) is printed as context.
With ``--million`` it also imports 1,000,000 cases into SQLite (from ``--million-csv`` if
given, generated otherwise) and prints the peak memory of this process and of the workers.

    python benchmarks/bench_import.py [--rows 20000] [--million] [--million-csv PATH]
        [--pg URL] [--no-pg] [--revision REV]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_anchors import (
    db_rows,
    frames,
    pandas_to_sql,
    postgres_copy,
    read_tables,
    sqlite_executemany,
)

from nervecentre.imports import import_register
from nervecentre.settings import load_settings
from nervecentre.store.db import Database
from nervecentre.store.migrate import upgrade
from nervecentre.synth import SynthConfig, write_dataset

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _fresh_pg(url: str, schema: str) -> str:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return (
        make_url(url)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )


def _migrated(url: str, data_dir: Path, revision: str, size: int = 1) -> Database:
    # A million-case CSV is about 0.9 GB, more than the default upload limit.
    settings = load_settings(database_url=url, data_dir=str(data_dir), max_upload_bytes=size)
    db = Database(settings)
    db.check()
    upgrade(db, revision)
    return db


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the conversion workers)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _ours(
    url: str, register: Path, data_dir: Path, revision: str, every: int = 0
) -> tuple[float, int]:
    db = _migrated(url, data_dir, revision, max(register.stat().st_size, 1))
    start, cpu = time.perf_counter(), _cpu()
    read = 0

    def progress(rows: int) -> None:  # a run stopped early still tells its pace
        nonlocal read
        read += rows
        if every and read % every == 0:
            print(
                f"  {read:,} rows read: {time.perf_counter() - start:,.0f} s,"
                f" CPU {_cpu() - cpu:,.0f} s (workers counted when they end),"
                f" load {os.getloadavg()[0]:.1f}",
                flush=True,
            )

    report = import_register(db, register, "demo-register", progress=progress)
    elapsed = time.perf_counter() - start
    CPU["ours"] = _cpu() - cpu
    db.dispose()
    return elapsed, report.cases_ok


#: CPU seconds of the last runs (SQLite's work is all in these processes; PostgreSQL's not).
CPU: dict[str, float] = {}


def _cpu_of(key: str, run: Callable[[], float]) -> float:
    cpu = _cpu()
    elapsed = run()
    CPU[key] = _cpu() - cpu
    return elapsed


def _flat_pandas(url: str, register: Path) -> float:
    engine = create_engine(url)
    start = time.perf_counter()
    frame = pd.read_csv(register, dtype=str, keep_default_na=False)
    frame.to_sql("register", engine, index=False, if_exists="replace", chunksize=10_000)
    elapsed = time.perf_counter() - start
    engine.dispose()
    return elapsed


def _line(label: str, seconds: float, rows: int, ours: float) -> None:
    print(
        f"  {label:<34} {seconds:>8.2f} s {rows / seconds:>11,.0f} rows/s"
        f"   ours/this {ours / seconds:>5.2f}"
    )


def _backend(
    name: str, urls: dict[str, str], args: argparse.Namespace, work: Path, register: Path
) -> None:
    ours, cases = _ours(urls["ours"], register, work, args.revision)
    print(
        f"{name}: ours (read, validate, normalise, write) {ours:.2f} s,"
        f" {cases / ours:,.0f} cases/s, CPU {CPU['ours']:.1f} s",
        flush=True,  # told at once: a run stopped later still has it
    )
    tables = read_tables(urls["ours"])
    rows = db_rows(tables)
    data = frames(tables)
    for key in ("pandas", "floor"):
        _migrated(urls[key], work, args.revision).dispose()
    pandas_s = _cpu_of("pandas", lambda: pandas_to_sql(urls["pandas"], data))
    if name == "SQLite":
        path = make_url(urls["floor"]).database or ""
        floor_s = _cpu_of("floor", lambda: sqlite_executemany(path, tables))
        floor_label = "floor: sqlite3 executemany"
    else:
        floor_s = postgres_copy(urls["floor"], tables)
        floor_label = "floor: COPY"
    flat_s = _flat_pandas(urls["flat"], register)
    print(f"{name}: {cases:,} register rows → {rows:,} database rows ({rows / cases:.1f} each)")
    print(
        f"  {'ours (read, validate, normalise, write)':<34} {ours:>8.2f} s"
        f" {cases / ours:>11,.0f} cases/s"
    )
    _line("pandas to_sql of the same tables", pandas_s, rows, ours)
    _line(floor_label, floor_s, rows, ours)
    print(
        f"  {'(context) flat read_csv + to_sql':<34} {flat_s:>8.2f} s"
        f" {cases / flat_s:>11,.0f} cases/s"
        f"   ours/this {ours / flat_s:>5.2f}"
    )
    met_pandas = "met" if ours <= pandas_s else "NOT met"
    met_floor = "met" if ours <= 2 * floor_s else "NOT met"
    print(
        f"  goals: ours/pandas {ours / pandas_s:.2f} (≤ 1: {met_pandas}),"
        f" ours/floor {ours / floor_s:.2f} (≤ 2: {met_floor})",
        flush=True,
    )
    if name == "SQLite":
        # On a shared machine the wall clock counts others' work too; CPU time does not.
        mine = CPU["ours"]
        print(
            f"  CPU s (all processes): ours {mine:.1f}, pandas {CPU['pandas']:.1f},"
            f" floor {CPU['floor']:.1f}; ours/pandas {mine / CPU['pandas']:.2f},"
            f" ours/floor {mine / CPU['floor']:.2f}"
        )
    print(flush=True)


def _peak_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--pg", default=os.environ.get("NERVECENTRE_TEST_POSTGRES_URL", PG_DEFAULT))
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--million", action="store_true", help="also 1,000,000 cases, SQLite")
    parser.add_argument("--million-only", action="store_true", help="only the million")
    parser.add_argument("--million-csv", type=Path, help="a generated 1,000,000-case register")
    parser.add_argument("--cache", type=Path, help="keep (or reuse) the generated register here")
    parser.add_argument("--revision", default="head", help="migrate our databases to this only")
    args = parser.parse_args()
    print(
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}, {os.cpu_count()} CPUs\n"
    )
    work = Path(tempfile.mkdtemp(prefix="nc-bench-"))
    # Stopped by `timeout` (SIGTERM), the run still removes its databases (gigabytes).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        if not args.million_only:
            _run(args, work)
        if args.million or args.million_only:
            _million(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)  # gigabytes at a million cases
    print(f"load average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def _run(args: argparse.Namespace, work: Path) -> None:
    start = time.perf_counter()
    where = (args.cache or work) / f"register-{args.rows}-seed7"
    register = where / "register.csv"
    if not register.is_file():  # (a register left half-written is not reused: see below)
        paths = write_dataset(where / "part", SynthConfig(cases=args.rows, seed=7), fmt="csv")
        paths.register.rename(register)
        print(f"generated {args.rows:,} cases in {time.perf_counter() - start:.1f} s")
    print(f"register: {register} ({register.stat().st_size / 1e6:.0f} MB CSV)\n")
    if not args.no_sqlite:
        urls = {
            key: f"sqlite:///{work / f'{key}.db'}" for key in ("ours", "pandas", "floor", "flat")
        }
        _backend("SQLite", urls, args, work, register)
    if args.no_pg:
        return
    try:
        urls = {
            key: _fresh_pg(args.pg, f"nc_bench_{key}")
            for key in ("ours", "pandas", "floor", "flat")
        }
    except Exception as exc:
        print(f"PostgreSQL skipped: {exc}")
        return
    _backend("PostgreSQL", urls, args, work, register)


def _million(args: argparse.Namespace, work: Path) -> None:
    register = args.million_csv
    generated = ""
    if register is None:
        start = time.perf_counter()
        big = write_dataset(work / "million", SynthConfig(cases=1_000_000, seed=11), fmt="csv")
        register = big.register
        generated = f"generated in {time.perf_counter() - start:.0f} s, "
    url = f"sqlite:///{work / 'million.db'}"
    print(f"{datetime.now(UTC):%H:%M} UTC: importing {register}", flush=True)
    elapsed, stored = _ours(url, register, work, args.revision, every=50_000)
    own, children = _peak_mb()
    print(
        f"{stored:,} cases ({register.stat().st_size / 1e6:.0f} MB CSV): {generated}"
        f"imported in {elapsed:.0f} s ({stored / elapsed:,.0f} cases/s), CPU"
        f" {CPU['ours']:,.0f} s ({CPU['ours'] / stored * 1e6:,.0f} µs a case, all processes); "
        f"peak memory: this process {own:,.0f} MB, largest worker {children:,.0f} MB"
    )


if __name__ == "__main__":
    main()
