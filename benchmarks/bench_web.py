"""Web benchmark: nervecentre's case search API vs Datasette on the same SQLite data.

Both servers answer the same questions over the same database of N synthetic cases, in the
same run, one after the other, under the same closed-loop load (``_load.py``, a separate
process on loopback, one keep-alive connection per client, warm-up first) at 1, 10 and 50
clients, rotating through six searches: the bare list, district + status, status, section
'BNS 143', the word 'decoy', police station + FIR dates.

- nervecentre: ``GET /api/cases?...&sort=-fir_at&per_page=50`` (uvicorn, one process), with
  everything a real request does: API-token authentication, the need-to-know filter
  (``visible_cases_filter``) and a hash-chained audit entry ("search") for every query that
  filters (``search_cases`` does not audit the bare list);
- anchor: Datasette's table API, ``GET /<db>/cases.json?...&_sort_desc=fir_at&_size=50``
  (``datasette serve -i``, uvicorn, one process, default thread pool), which runs the same
  SQL shape: the filtered first page of 50 ordered by ``fir_at`` desc plus ``count(*)``.

The queries are equivalent, not merely similar: the need-to-know filter of the benchmark
user (an analyst of Thane Rural's units, without grants) is given to Datasette as plain SQL
(``unit_code IN (...)`` and not restricted), the section filter as the same section keys
nervecentre searches ('BNS 143' finds 'IPC 370' too), the text search as the FTS5 query
nervecentre makes of it (``"decoy"*``: the last word may be a prefix) on the same index
(``search_cases``, brought up to date before the copy). Before any load, every query is sent
once to both and their totals and first pages are compared; a difference is reported (and
exits 1). What Datasette does not do is the point of the comparison: no authentication, no
permission check, no audit write. Facets are off (``_nofacet``), as the API computes none; Datasette
returns every column, the API a dozen plus names and sections.

After the levels, nervecentre alone is loaded once more at 10 clients over every further page
of the six queries (page 2 to the last, interleaved: about 1,160 different requests), where
few pages have been shown before and so few rows are kept by the case index.

Datasette serves a consistent copy of the database made after setup (SQLite's backup API,
rollback journal), so that its immutable mode stays true while nervecentre appends audit
entries to the original. Besides req/s and p50/p99 latency, each server's CPU time per
request is printed: on a busy machine it moves much less than the wall-clock figures.

    python benchmarks/bench_web.py [--cases 100000] [--duration 10] [--clients 1 10 50]
                                   [--keep /tmp/bench_web] [--quick]
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from _servers import HOST, cpu_seconds, free_port, http_get, serving

LOAD = Path(__file__).with_name("_load.py")
SEED = 7
DISTRICT = "MH-THR"  # Thane Rural, the demo users' district
BENCH_USER = "bench-analyst"
PAGE = 50
GOAL_CLIENTS, GOAL_P99_MS = 10, 100.0

# The app served as `nervecentre serve` serves it: --workers processes (default one per
# core, up to 4), each with its own socket on the port and the app built from the
# environment (nervecentre.web.processes); no access log.
SERVE = """
import os, sys, uvicorn
from nervecentre.settings import load_settings
from nervecentre.store.db import Database
from nervecentre.web import create_app
url, data_dir, port, workers = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
options = dict(host="127.0.0.1", port=port, log_level="warning", access_log=False)
if workers == 1:
    app = create_app(db=Database(load_settings(database_url=url, data_dir=data_dir)))
    uvicorn.run(app, **options)
else:
    from nervecentre.web.processes import serve_processes
    os.environ.update(NERVECENTRE_DATABASE_URL=url, NERVECENTRE_DATA_DIR=data_dir)
    del options["host"], options["port"]
    serve_processes("127.0.0.1", port, workers, options)
"""


@dataclass(frozen=True)
class Query:
    """One search, as nervecentre's API parameters and as Datasette's table-API filters."""

    name: str
    ours: dict[str, str]
    anchor: list[tuple[str, str]]


def _sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def _case_count(path: Path) -> int | None:
    if not path.exists():
        return None
    try:
        with contextlib.closing(sqlite3.connect(path)) as conn:
            return int(conn.execute("SELECT count(*) FROM cases").fetchone()[0])
    except sqlite3.Error:
        return None


def build_database(work: Path, cases: int) -> Path:
    """The database with ``cases`` synthetic cases in ``work``: reused when already there."""
    from nervecentre.imports import import_register
    from nervecentre.settings import load_settings
    from nervecentre.store.db import Database
    from nervecentre.synth import SynthConfig, write_dataset

    path = work / f"nervecentre-{cases}.db"
    settings = load_settings(database_url=_sqlite_url(path), data_dir=str(work))
    if _case_count(path) == cases:
        db = Database(settings)
        db.upgrade()  # the schema may have moved on since the file was made
        db.dispose()
        print(f"reusing {path} ({cases:,} cases)")
        return path
    for stale in work.glob(f"{path.name}*"):
        stale.unlink()
    partial = work / f"partial-{cases}.db"
    for stale in work.glob(f"{partial.name}*"):
        stale.unlink()
    register = work / f"register-{cases}"
    shutil.rmtree(register, ignore_errors=True)  # left by an interrupted run
    print(f"building a database of {cases:,} synthetic cases (minutes at 100,000)", flush=True)
    start = time.perf_counter()
    paths = write_dataset(register, SynthConfig(cases=cases, seed=SEED), fmt="csv")
    generated = time.perf_counter() - start
    db = Database(load_settings(database_url=_sqlite_url(partial), data_dir=str(work)))
    db.upgrade()
    report = import_register(db, paths.register, "demo-register")
    db.dispose()
    shutil.rmtree(register)
    for suffix in ("-wal", "-shm"):  # normally gone after a clean close
        side = partial.with_name(partial.name + suffix)
        if side.exists():
            side.rename(path.with_name(path.name + suffix))
    partial.rename(path)  # only a complete import gets the name that --keep reuses
    print(
        f"generated {cases:,} cases in {generated:.0f} s, imported {report.cases_ok:,} "
        f"in {time.perf_counter() - start - generated:.0f} s -> {path}"
    )
    return path


def bench_user(path: Path, work: Path) -> tuple[str, list[str]]:
    """A fresh API token of the benchmark analyst (created if missing), and their units."""
    from nervecentre import places
    from nervecentre.errors import NotFound
    from nervecentre.security.tokens import create_token
    from nervecentre.security.users import create_user, get_user
    from nervecentre.settings import load_settings
    from nervecentre.store.db import Database

    db = Database(load_settings(database_url=_sqlite_url(path), data_dir=str(work)))
    try:
        get_user(db, BENCH_USER)
    except NotFound:
        units = [u.code for u in places.units(district=DISTRICT)]
        password = "bench-" + os.urandom(12).hex()
        create_user(db, BENCH_USER, password, "analyst", actor="bench", units=units)
    _record, token = create_token(db, BENCH_USER, "bench_web", actor="bench")
    db.dispose()
    with contextlib.closing(sqlite3.connect(path)) as conn:
        rows = conn.execute(
            "SELECT uu.unit_code FROM user_units uu JOIN users u ON u.id = uu.user_id "
            "WHERE u.username = ? ORDER BY uu.unit_code",
            (BENCH_USER,),
        ).fetchall()
    return token, [r[0] for r in rows]


def index_text(path: Path, work: Path) -> None:
    """Bring the full-text index up to date, as after an import, before either side reads it
    (else the first text search pays for indexing, and Datasette's copy lacks the cases)."""
    from nervecentre.search.fulltext import refresh_index
    from nervecentre.settings import load_settings
    from nervecentre.store.db import Database

    db = Database(load_settings(database_url=_sqlite_url(path), data_dir=str(work)))
    try:
        if refresh_index(db):
            print("indexed the new and changed cases for text search")
    finally:
        db.dispose()


def datasette_copy(path: Path, target: Path) -> Path:
    """A consistent, self-contained copy of the database for Datasette (rollback journal)."""
    target.unlink(missing_ok=True)
    with (
        contextlib.closing(sqlite3.connect(path)) as src,
        contextlib.closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # no -wal/-shm beside an immutable file
    return target


def queries() -> list[Query]:
    """The searches in rotation: the list page, district+status, status, section, text, dates.

    The need-to-know filter is not here: nervecentre applies it itself, and
    :func:`_anchor_path` adds its SQL equivalent to every Datasette query.
    """
    from nervecentre import law

    keys = sorted(law.search_keys(law.parse_section("BNS 143")))
    in_keys = ", ".join(f"'{k}'" for k in keys)
    fts = [("_fts_table", "search_cases"), ("_fts_pk", "id")]
    station = f"{DISTRICT}-KINHAVALI"
    return [
        Query("list (no filter)", {}, []),
        Query(
            "district + status",
            {"district": DISTRICT, "status": "trial"},
            [("district_code", DISTRICT), ("status", "trial")],
        ),
        Query(
            "status",
            {"status": "under_investigation"},
            [("status", "under_investigation")],
        ),
        Query(
            "section BNS 143",
            {"section": "BNS 143"},
            [("_where", f"id IN (SELECT case_id FROM charges WHERE section_key IN ({in_keys}))")],
        ),
        # Ours: every word, the last one as a prefix ('decoy*'); the same FTS5 query, raw.
        Query(
            "text 'decoy'",
            {"q": "decoy"},
            [("_search", '"decoy"*'), ("_searchmode", "raw"), *fts],
        ),
        Query(
            "station + dates",
            {"police_station": station, "date_from": "2021-01-01", "date_to": "2023-12-31"},
            [
                ("police_station_code", station),
                ("fir_at__gte", "2021-01-01"),
                ("fir_at__lt", "2024-01-01"),
            ],
        ),
    ]


def _ours_path(query: Query, page: int = 1) -> str:
    paging = {"page": str(page)} if page > 1 else {}
    return "/api/cases?" + urlencode(
        {**query.ours, "sort": "-fir_at", "per_page": str(PAGE), **paging}
    )


def deep_paths(qs: list[Query], port: int, headers: dict[str, str]) -> list[tuple[Query, str]]:
    """Every further page of every query (page 2 to the last), each once, interleaved: an
    analyst paging through results, where few pages have been shown before."""
    per_query = []
    for query in qs:
        _status, body = http_get(port, _ours_path(query), headers)
        pages = -(-int(json.loads(body)["total"]) // PAGE)
        per_query.append([(query, _ours_path(query, n)) for n in range(2, pages + 1)])
    return [p for group in itertools.zip_longest(*per_query) for p in group if p is not None]


def _anchor_path(db_name: str, query: Query, units: list[str]) -> str:
    params = [
        *query.anchor,
        # What nervecentre's need-to-know filter amounts to for this user.
        ("unit_code__in", json.dumps(units)),
        ("_where", "id NOT IN (SELECT case_id FROM case_restrictions)"),
        ("_sort_desc", "fir_at"),
        ("_size", str(PAGE)),
        ("_shape", "objects"),
        ("_nofacet", "1"),
    ]
    return f"/{db_name}/cases.json?" + urlencode(params)


def run_load(
    pid: int,
    port: int,
    paths: list[str],
    headers: dict[str, str],
    clients: int,
    warmup: float,
    duration: float,
) -> dict[str, Any]:
    """One load level against one server, from a separate process; adds the server's CPU
    time per request, a figure that stays meaningful on a busy machine."""
    spec = {
        "host": HOST,
        "port": port,
        "paths": paths,
        "headers": headers,
        "clients": clients,
        "warmup": warmup,
        "duration": duration,
    }
    cpu_before = cpu_seconds(pid)
    done = subprocess.run(
        [sys.executable, str(LOAD)],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        timeout=warmup + 5 * duration + 120,  # _load.py stops itself well before
        start_new_session=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed ({done.returncode}):\n{done.stderr[-2000:]}")
    cpu_after = cpu_seconds(pid)
    result: dict[str, Any] = json.loads(done.stdout)
    sent = sum(result["sent"].values())
    result["cpu_ms"] = (
        (cpu_after - cpu_before) * 1000 / sent
        if cpu_before is not None and cpu_after is not None and sent
        else float("nan")
    )
    return result


def preflight(
    qs: list[Query],
    ours: list[str],
    anchor: list[str],
    ours_port: int,
    ds_port: int,
    headers: dict[str, str],
) -> bool:
    """Send every query once to both servers; print their totals; True when all agree."""
    print(
        f"\n{'query':<20} {'ours total':>10} {'datasette':>10} {'page':>6} "
        f"{'ours KB':>8} {'ds KB':>8}"
    )
    agree = True
    for query, our_path, ds_path in zip(qs, ours, anchor, strict=True):
        ours_status, ours_body = http_get(ours_port, our_path, headers)
        ds_status, ds_body = http_get(ds_port, ds_path, {})
        if ours_status != 200 or ds_status != 200:
            raise RuntimeError(
                f"{query.name}: nervecentre {ours_status} {ours_body[:300]!r}; "
                f"datasette {ds_status} {ds_body[:300]!r}"
            )
        mine, theirs = json.loads(ours_body), json.loads(ds_body)
        ours_total, ds_total = mine["total"], theirs["filtered_table_rows_count"]
        ours_ids = {r.get("id") for r in mine["rows"]}
        ds_ids = {r.get("id") for r in theirs["rows"]}
        page = "same" if ours_ids == ds_ids else "DIFF"
        if ours_total != ds_total or not mine["rows"]:
            agree = False
        print(
            f"{query.name:<20} {ours_total:>10,} {ds_total:>10,} {page:>6} "
            f"{len(ours_body) / 1024:>8.1f} {len(ds_body) / 1024:>8.1f}"
        )
    if not agree:
        print(
            "WARNING: the two servers do not answer the same; the comparison is not like for like"
        )
    return agree


def _audit_searches(path: Path) -> int:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        row = conn.execute(
            "SELECT count(*) FROM audit_log WHERE action = 'search' AND actor = ?", (BENCH_USER,)
        ).fetchone()
    return int(row[0])


def _cell(result: dict[str, Any]) -> str:
    errors = f" ({result['errors']} errors)" if result["errors"] else ""
    return (
        f"{result['rps']:>7,.0f} {result['p50_ms']:>7.1f} {result['p99_ms']:>7.1f} "
        f"{result['cpu_ms']:>7.1f}{errors}"
    )


def _interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, help="cases in the database (100,000; quick 5,000)")
    parser.add_argument(
        "--duration", type=float, help="least measured seconds per level (10; quick 3)"
    )
    parser.add_argument("--warmup", type=float, help="warm-up seconds per level (2; quick 1)")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--keep", type=Path, help="folder to keep and reuse the database in")
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="nervecentre server processes (0: as serve, per core)",
    )
    args = parser.parse_args()
    cases = args.cases or (5_000 if args.quick else 100_000)
    duration = args.duration or (3.0 if args.quick else 10.0)
    warmup = args.warmup if args.warmup is not None else (1.0 if args.quick else 2.0)
    signal.signal(signal.SIGTERM, _interrupt)

    with contextlib.ExitStack() as stack:
        if args.keep:
            work = args.keep.resolve()
            work.mkdir(parents=True, exist_ok=True)
        else:
            work = Path(tempfile.mkdtemp(prefix="nc-bench-web-"))
            stack.callback(shutil.rmtree, work, ignore_errors=True)
        try:
            return _run(stack, work, cases, duration, warmup, args.clients, args.workers)
        except KeyboardInterrupt:
            print("\ninterrupted: stopping the servers", file=sys.stderr)
            return 130


def _run(
    stack: contextlib.ExitStack,
    work: Path,
    cases: int,
    duration: float,
    warmup: float,
    levels: list[int],
    workers: int,
) -> int:
    from nervecentre.cli.web import server_processes

    workers = server_processes(workers)
    path = build_database(work, cases)
    token, units = bench_user(path, work)
    index_text(path, work)
    copy = datasette_copy(path, work / "datasette-copy.db")
    qs = queries()
    auth = {"Authorization": f"Bearer {token}"}
    ours_paths = [_ours_path(q) for q in qs]
    ds_paths = [_anchor_path(copy.stem, q, units) for q in qs]

    ours_port = free_port()
    ds_port = next(p for p in iter(free_port, None) if p != ours_port)
    ours_pid = stack.enter_context(
        serving(
            "nervecentre",
            [
                sys.executable,
                "-c",
                SERVE,
                _sqlite_url(path),
                str(work),
                str(ours_port),
                str(workers),
            ],
            ours_port,
            "/api/me",
            auth,
            work / "nervecentre.log",
        )
    )
    ds_argv = [
        sys.executable, "-m", "datasette", "serve", "-i", str(copy),
        "--host", HOST, "--port", str(ds_port),
        "--setting", "sql_time_limit_ms", "10000",
        "--setting", "suggest_facets", "off",
    ]  # fmt: skip
    ds_pid = stack.enter_context(
        serving("datasette", ds_argv, ds_port, "/-/versions.json", {}, work / "datasette.log")
    )

    load = os.getloadavg()[0]
    print(
        f"\nnervecentre GET /api/cases (token, need-to-know, audit; {workers} processes) vs "
        f"Datasette "
        f"{version('datasette')} table API; {cases:,} cases; user {BENCH_USER} "
        f"(analyst, {len(units)} {DISTRICT} units); {len(qs)} queries in rotation; "
        f"{duration:g}+ s per level after {warmup:g}+ s warm-up; {os.cpu_count()} CPUs, "
        f"load average {load:.1f} at start"
    )
    agree = preflight(qs, ours_paths, ds_paths, ours_port, ds_port, auth)
    audited_before = _audit_searches(path)

    results: list[tuple[int, dict[str, Any], dict[str, Any]]] = []
    # search_cases audits every query that filters; the bare list page is not audited.
    audited_paths = {p for q, p in zip(qs, ours_paths, strict=True) if q.ours}
    sent_ours = 0
    for clients in levels:
        mine = run_load(ours_pid, ours_port, ours_paths, auth, clients, warmup, duration)
        theirs = run_load(ds_pid, ds_port, ds_paths, {}, clients, warmup, duration)
        sent_ours += sum(n for p, n in mine["sent"].items() if p in audited_paths)
        results.append((clients, mine, theirs))
    deep = deep_paths(qs, ours_port, auth) if GOAL_CLIENTS in levels else []
    sent_ours += sum(1 for q in qs if q.ours) if deep else 0  # deep_paths' first pages
    if deep:
        paths = [p for _q, p in deep]
        paged = run_load(ours_pid, ours_port, paths, auth, GOAL_CLIENTS, warmup, duration)
        audited_deep = {p for q, p in deep if q.ours}
        sent_ours += sum(n for p, n in paged["sent"].items() if p in audited_deep)

    columns = f"{'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'CPU ms':>7}"
    print(f"\n{'':>7} | {'nervecentre':^31} | {'datasette':^31} |")
    print(f"{'clients':>7} | {columns} | {columns} | {'ratio':>5}")
    for clients, mine, theirs in results:
        ratio = mine["rps"] / theirs["rps"] if theirs["rps"] else float("nan")
        print(f"{clients:>7} | {_cell(mine):>31} | {_cell(theirs):>31} | {ratio:>5.2f}")
    print(
        "(ratio: nervecentre req/s / Datasette req/s; CPU ms: server CPU time per request, "
        "warm-up included)"
    )

    if deep:
        print(
            f"\nnervecentre alone, {GOAL_CLIENTS} clients, every further page of the six queries "
            f"({len(deep):,} different requests, pages 2 to the last, few shown before):\n"
            f"  {_cell(paged)}  (req/s p50 p99 CPU ms)"
        )
        for sample in paged["error_samples"]:
            print(f"error (nervecentre, pages): {sample}")

    print("\nmedian latency per query at the lowest concurrency (ms): nervecentre / datasette")
    _clients, mine, theirs = results[0]
    for query, our_path, ds_path in zip(qs, ours_paths, ds_paths, strict=True):
        ours_ms = mine["path_p50_ms"].get(our_path, float("nan"))
        ds_ms = theirs["path_p50_ms"].get(ds_path, float("nan"))
        print(f"  {query.name:<20} {ours_ms:>7.1f} / {ds_ms:>6.1f}")

    goal_level = [(m, t) for c, m, t in results if c == GOAL_CLIENTS]
    if goal_level:
        mine, theirs = goal_level[0]
        print(f"\np50 / p99 per query at {GOAL_CLIENTS} clients (ms): nervecentre | datasette")
        for query, our_path, ds_path in zip(qs, ours_paths, ds_paths, strict=True):
            nan = float("nan")
            o50, o99 = (mine[k].get(our_path, nan) for k in ("path_p50_ms", "path_p99_ms"))
            d50, d99 = (theirs[k].get(ds_path, nan) for k in ("path_p50_ms", "path_p99_ms"))
            print(f"  {query.name:<20} {o50:>7.1f} / {o99:>7.1f} | {d50:>7.1f} / {d99:>7.1f}")

    errors = 0
    for clients, mine, theirs in results:
        for name, result in (("nervecentre", mine), ("datasette", theirs)):
            errors += result["errors"]
            for sample in result["error_samples"]:
                print(f"error ({name}, {clients} clients): {sample}")
    audited = _audit_searches(path) - audited_before
    print(
        f"\naudit: {audited:,} 'search' entries written for {sent_ours:,} filtered "
        "nervecentre requests (the unfiltered list is not audited)"
    )

    goal = [(m, t) for c, m, t in results if c == GOAL_CLIENTS]
    if goal:
        mine, theirs = goal[0]
        met = mine["rps"] >= theirs["rps"] and mine["p99_ms"] < GOAL_P99_MS
        print(
            f"goal at {GOAL_CLIENTS} clients (req/s >= Datasette's, p99 < {GOAL_P99_MS:.0f} ms): "
            f"{'met' if met else 'NOT met'} ({mine['rps']:,.0f} vs {theirs['rps']:,.0f} req/s, "
            f"p99 {mine['p99_ms']:.1f} ms)"
        )
    errors += paged["errors"] if deep else 0
    return 0 if agree and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
