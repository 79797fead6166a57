"""Import benchmark: nervecentre's validating import vs a plain ``pandas.to_sql`` load.

Both load the same synthetic register (CSV) into a fresh database, in the same run:
- nervecentre: read, validate, normalise every value, write ~10 normalised tables, one transaction;
- anchor: ``pandas.read_csv`` then ``DataFrame.to_sql`` of the flat rows (no validation).
Prints rows/s for both and the ratio (ours / anchor), for SQLite and, when reachable, PostgreSQL.
With ``--million`` it also times generating and importing 1,000,000 cases into SQLite.
``--revision`` migrates our databases only that far (e.g. ``0003_security``), to see what a
later migration's triggers and indexes cost the import.

    python benchmarks/bench_import.py [--rows 100000] [--million] [--pg URL] [--revision REV]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

import pandas as pd
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

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


def _ours(url: str, register: Path, data_dir: Path, revision: str) -> tuple[float, int]:
    # A million-case CSV is about 0.9 GB, more than the default upload limit.
    size = max(register.stat().st_size, 1)
    settings = load_settings(database_url=url, data_dir=str(data_dir), max_upload_bytes=size)
    db = Database(settings)
    db.check()
    upgrade(db, revision)
    start = time.perf_counter()
    report = import_register(db, register, "demo-register")
    elapsed = time.perf_counter() - start
    db.dispose()
    return elapsed, report.cases_ok


def _pandas(url: str, register: Path) -> tuple[float, int]:
    engine = create_engine(url)
    start = time.perf_counter()
    frame = pd.read_csv(register, dtype=str, keep_default_na=False)
    frame.to_sql("register", engine, index=False, if_exists="replace", chunksize=10_000)
    elapsed = time.perf_counter() - start
    engine.dispose()
    return elapsed, len(frame)


def _row(label: str, ours: tuple[float, int], anchor: tuple[float, int]) -> None:
    ours_rate, anchor_rate = ours[1] / ours[0], anchor[1] / anchor[0]
    print(
        f"{label:<12} {ours[1]:>9,} {ours[0]:>9.1f} {ours_rate:>12,.0f} "
        f"{anchor[0]:>9.1f} {anchor_rate:>12,.0f} {ours_rate / anchor_rate:>7.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--pg", default=os.environ.get("NERVECENTRE_TEST_POSTGRES_URL", PG_DEFAULT))
    parser.add_argument("--million", action="store_true", help="also 1,000,000 cases end to end")
    parser.add_argument("--revision", default="head", help="migrate our databases to this only")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="nc-bench-"))
    try:
        _run(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)  # gigabytes at a million cases


def _run(args: argparse.Namespace, work: Path) -> None:
    start = time.perf_counter()
    paths = write_dataset(work / "data", SynthConfig(cases=args.rows, seed=7), fmt="csv")
    print(
        f"generated {args.rows:,} cases in {time.perf_counter() - start:.1f} s "
        f"({paths.register.stat().st_size / 1e6:.0f} MB CSV)\n"
    )
    print(
        f"{'backend':<12} {'rows':>9} {'ours s':>9} {'ours rows/s':>12} "
        f"{'pandas s':>9} {'pandas rows/s':>12} {'ratio':>7}"
    )
    sqlite_ours = f"sqlite:///{work / 'ours.db'}"
    sqlite_pd = f"sqlite:///{work / 'pandas.db'}"
    ours = _ours(sqlite_ours, paths.register, work, args.revision)
    _row("SQLite", ours, _pandas(sqlite_pd, paths.register))
    try:
        pg_ours = _fresh_pg(args.pg, "nc_bench_ours")
        pg_pd = _fresh_pg(args.pg, "nc_bench_pandas")
    except Exception as exc:
        print(f"PostgreSQL   skipped: {exc}")
    else:
        ours = _ours(pg_ours, paths.register, work, args.revision)
        _row("PostgreSQL", ours, _pandas(pg_pd, paths.register))
    if args.million:
        start = time.perf_counter()
        big = write_dataset(work / "million", SynthConfig(cases=1_000_000, seed=11), fmt="csv")
        generated = time.perf_counter() - start
        million_db = f"sqlite:///{work / 'million.db'}"
        elapsed, stored = _ours(million_db, big.register, work, args.revision)
        print(
            f"\n1,000,000 cases: generated in {generated:.0f} s, imported in {elapsed:.0f} s "
            f"({stored / elapsed:,.0f} rows/s), total {generated + elapsed:.0f} s"
        )


if __name__ == "__main__":
    main()
