"""Export benchmark: CSV, JSON and FollowTheMoney exports of the same synthetic registry.

For CSV the anchor is a plain dump of the same tables with ``pandas.read_sql_table`` and
``DataFrame.to_csv`` (no privacy filtering, no formula neutralising, not streamed). JSON and
FtM have no like-for-like anchor and print cases/s only. SQLite always; PostgreSQL when
reachable.

    python benchmarks/bench_exports.py [--cases 5000] [--pg URL]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.exports.factory

from nervecentre.exports import run_export
from nervecentre.exports.tables import CSV_FILES
from nervecentre.settings import load_settings
from nervecentre.store.db import Database
from tests.exports.factory import load, make_records

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
_TABLE_OF = {"people": "persons"}


def _pg_url(url: str, schema: str) -> str | None:
    try:
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine.dispose()
    except Exception as exc:  # any failure to connect means "no server"
        print(f"PostgreSQL skipped: {exc.__class__.__name__}")
        return None
    query = {"options": f"-csearch_path={schema}"}
    return make_url(url).update_query_dict(query).render_as_string(hide_password=False)


def _anchor_csv(db: Database, folder: Path) -> float:
    folder.mkdir()
    start = time.perf_counter()
    for name in CSV_FILES:
        table = name.removesuffix(".csv")
        frame = pd.read_sql_table(_TABLE_OF.get(table, table), db.engine)
        frame.to_csv(folder / name, index=False)
    return time.perf_counter() - start


def _run(label: str, url: str, cases: int, work: Path) -> None:
    db = Database(load_settings(database_url=url, data_dir=str(work / "data")))
    db.upgrade()
    records, _ = make_records(cases, hostile=False)
    load(db, records)
    print(f"\n{label}: {cases:,} cases")
    print(f"{'format':<8}{'seconds':>10}{'cases/s':>10}   result")
    timings = {}
    for fmt, target in (("csv", "csv"), ("json", "cases.json"), ("ftm", "cases.ftm.json")):
        start = time.perf_counter()
        stats = run_export(db, fmt, work / target)
        timings[fmt] = time.perf_counter() - start
        print(f"{fmt:<8}{timings[fmt]:>10.2f}{cases / timings[fmt]:>10,.0f}   {stats}")
    anchor = _anchor_csv(db, work / "anchor")
    print(f"{'pandas':<8}{anchor:>10.2f}{cases / anchor:>10,.0f}   plain dump of the CSV tables")
    print(f"CSV ratio (ours / pandas, speed): {anchor / timings['csv']:.2f}")
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--pg", default=PG_DEFAULT, help="PostgreSQL URL ('' to skip)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "sqlite").mkdir()
        _run("SQLite", f"sqlite:///{work}/bench.db", args.cases, work / "sqlite")
        url = _pg_url(args.pg, "bench_exports") if args.pg else None
        if url:
            (work / "pg").mkdir()
            _run("PostgreSQL", url, args.cases, work / "pg")


if __name__ == "__main__":
    main()
