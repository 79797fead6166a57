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

With ``--postgres URL``, nervecentre is also served from a PostgreSQL database holding the
same cases (the same register, seed and importer; loaded when the database is empty or
missing, reused when it holds exactly ``--cases`` cases), and every level runs against
it too, side by side with SQLite and Datasette (which reads SQLite only). Last, the goal
level (10 clients) runs once more against a copy of that database (made from it as a
template, dropped after) while ``--import-cases`` new cases are imported into it by
another process, from when the import's first batch is committed: every failed request is
counted, p50/p95/p99 printed, and the audit chain verified after.

Datasette serves a consistent copy of the database made after setup (SQLite's backup API,
rollback journal), so that its immutable mode stays true while nervecentre appends audit
entries to the original. Besides req/s and p50/p99 latency, each server's CPU time per
request is printed: on a busy machine it moves much less than the wall-clock figures.

    python benchmarks/bench_web.py [--cases 100000] [--duration 10] [--clients 1 10 50]
                                   [--keep /tmp/bench_web] [--quick] [--postgres URL]
                                   [--import-cases 5000] [--import-seconds 20]
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import _web_data as data
from _servers import HOST, cpu_seconds, database_cpu_seconds, free_port, http_get, serving
from _web_data import DISTRICT
from _web_report import GOAL_CLIENTS, cell, report
from sqlalchemy.engine import make_url

LOAD = Path(__file__).with_name("_load.py")
PAGE = 50

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
    database: str | None = None,
) -> dict[str, Any]:
    """One load level against one server, from a separate process; adds the server's CPU
    time per request, a figure that stays meaningful on a busy machine, and for a
    PostgreSQL ``database`` its backends' CPU time per request (``db_cpu_ms``)."""
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
    db_before = database_cpu_seconds(database) if database else 0.0
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
    db_after = database_cpu_seconds(database) if database else 0.0
    result: dict[str, Any] = json.loads(done.stdout)
    sent = sum(result["sent"].values())
    result["db_cpu_ms"] = (db_after - db_before) * 1000 / sent if database and sent else None
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
    ports: dict[str, int],
    ds_port: int,
    auth: dict[str, dict[str, str]],
) -> bool:
    """Send every query once to every server; print their totals; True when all agree."""
    names = list(ports)
    head = " ".join(f"{n[:10]:>10}" for n in names)
    print(f"\n{'query':<20} {head} {'datasette':>10} {'page':>6}")
    agree = True
    for query, our_path, ds_path in zip(qs, ours, anchor, strict=True):
        ds_status, ds_body = http_get(ds_port, ds_path, {})
        if ds_status != 200:
            raise RuntimeError(f"{query.name}: datasette {ds_status} {ds_body[:300]!r}")
        theirs = json.loads(ds_body)
        ds_total = theirs["filtered_table_rows_count"]
        ds_ids = {r.get("id") for r in theirs["rows"]}
        totals, same = [], True
        for name in names:
            status, body = http_get(ports[name], our_path, auth[name])
            if status != 200:
                raise RuntimeError(f"{query.name}: nervecentre ({name}) {status} {body[:300]!r}")
            mine = json.loads(body)
            totals.append(mine["total"])
            same = same and {r.get("id") for r in mine["rows"]} == ds_ids
            if mine["total"] != ds_total or not mine["rows"]:
                agree = False
        cells = " ".join(f"{t:>10,}" for t in totals)
        print(f"{query.name:<20} {cells} {ds_total:>10,} {'same' if same else 'DIFF':>6}")
    if not agree:
        print("WARNING: the servers do not answer the same; the comparison is not like for like")
    return agree


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
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="also serve nervecentre from this PostgreSQL database (loaded when empty, "
        "reused when it holds the cases), e.g. "
        "postgresql+psycopg://postgres@127.0.0.1:5432/nc_bench_web",
    )
    parser.add_argument(
        "--import-cases",
        type=int,
        default=5_000,
        help="PostgreSQL: cases of the register imported while the load runs (0: no such level)",
    )
    parser.add_argument(
        "--import-seconds", type=float, default=20.0, help="measured seconds of that level"
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
            plan = Plan(cases, duration, warmup, args.clients, args.workers, args.postgres)
            during = (args.import_cases, args.import_seconds)
            return _run(stack, work, plan, during)
        except KeyboardInterrupt:
            print("\ninterrupted: stopping the servers", file=sys.stderr)
            return 130


@dataclass(frozen=True)
class Plan:
    cases: int
    duration: float
    warmup: float
    levels: list[int]
    workers: int
    postgres: str | None


@dataclass
class Server:
    """One nervecentre server: its backend, database, token and port."""

    name: str
    url: str
    auth: dict[str, str]
    port: int = 0
    pid: int = 0

    @property
    def database(self) -> str | None:
        """The PostgreSQL database's name (None for SQLite)."""
        return make_url(self.url).database if self.url.startswith("postgresql") else None


def _start(stack: contextlib.ExitStack, server: Server, work: Path, workers: int) -> None:
    server.port = free_port()
    argv = [sys.executable, "-c", SERVE, server.url, str(work), str(server.port), str(workers)]
    log = work / f"nervecentre-{server.name.lower()}.log"
    server.pid = stack.enter_context(
        serving(f"nervecentre ({server.name})", argv, server.port, "/api/me", server.auth, log)
    )


def _run(stack: contextlib.ExitStack, work: Path, plan: Plan, during: tuple[int, float]) -> int:
    from nervecentre.cli.web import server_processes

    workers = server_processes(plan.workers)
    urls = {"SQLite": data.build_sqlite(work, plan.cases)}
    if plan.postgres:
        urls["PostgreSQL"] = data.build_postgres(plan.postgres, work, plan.cases)
    servers, units = [], []
    for name, url in urls.items():
        token, units = data.bench_user(url, work)
        data.index_text(url, work)
        servers.append(Server(name, url, {"Authorization": f"Bearer {token}"}))
    sqlite_path = Path(urls["SQLite"].removeprefix("sqlite:///"))
    copy = data.datasette_copy(sqlite_path, work / "datasette-copy.db")
    qs = queries()
    ours_paths = [_ours_path(q) for q in qs]
    ds_paths = [_anchor_path(copy.stem, q, units) for q in qs]

    pg_stack = contextlib.ExitStack()  # PostgreSQL's server stops before its import level
    stack.enter_context(pg_stack)
    for server in servers:
        _start(pg_stack if server.name == "PostgreSQL" else stack, server, work, workers)
    ds_port = free_port()
    ds_argv = [
        sys.executable, "-m", "datasette", "serve", "-i", str(copy),
        "--host", HOST, "--port", str(ds_port),
        "--setting", "sql_time_limit_ms", "10000",
        "--setting", "suggest_facets", "off",
    ]  # fmt: skip
    ds_pid = stack.enter_context(
        serving("datasette", ds_argv, ds_port, "/-/versions.json", {}, work / "datasette.log")
    )

    print(
        f"\nnervecentre GET /api/cases (token, need-to-know, audit; {workers} processes) on "
        f"{' and '.join(urls)} vs Datasette {version('datasette')} table API on the SQLite "
        f"file; {plan.cases:,} cases; user {data.BENCH_USER} (analyst, {len(units)} "
        f"{data.DISTRICT} units); {len(qs)} queries in rotation; {plan.duration:g}+ s per level "
        f"after {plan.warmup:g}+ s warm-up; {os.cpu_count()} CPUs, {_load_average()}; "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )
    ports = {s.name: s.port for s in servers}
    auth = {s.name: s.auth for s in servers}
    agree = preflight(qs, ours_paths, ds_paths, ports, ds_port, auth)
    audited_before = {s.name: data.audit_searches(s.url) for s in servers}
    # search_cases audits every query that filters; the bare list page is not audited.
    audited_paths = {p for q, p in zip(qs, ours_paths, strict=True) if q.ours}
    sent = dict.fromkeys(ports, 0)
    results: list[tuple[int, dict[str, dict[str, Any]], dict[str, Any]]] = []
    for clients in plan.levels:
        mine = {}
        for server in servers:
            mine[server.name] = run_load(
                server.pid, server.port, ours_paths, server.auth, clients, plan.warmup,
                plan.duration, server.database,
            )  # fmt: skip
            sent[server.name] += sum(
                n for p, n in mine[server.name]["sent"].items() if p in audited_paths
            )
        theirs = run_load(ds_pid, ds_port, ds_paths, {}, clients, plan.warmup, plan.duration)
        results.append((clients, mine, theirs))
    paged: dict[str, tuple[int, dict[str, Any]]] = {}
    if GOAL_CLIENTS in plan.levels:
        for server in servers:
            deep = deep_paths(qs, server.port, server.auth)
            sent[server.name] += sum(1 for q in qs if q.ours)  # deep_paths' first pages
            paths = [p for _q, p in deep]
            result = run_load(
                server.pid, server.port, paths, server.auth, GOAL_CLIENTS, plan.warmup,
                plan.duration, server.database,
            )  # fmt: skip
            audited_deep = {p for q, p in deep if q.ours}
            sent[server.name] += sum(n for p, n in result["sent"].items() if p in audited_deep)
            paged[server.name] = (len(deep), result)

    errors = report(qs, ours_paths, ds_paths, results, paged)
    for server in servers:
        audited = data.audit_searches(server.url) - audited_before[server.name]
        print(
            f"audit ({server.name}): {audited:,} 'search' entries written for "
            f"{sent[server.name]:,} filtered requests (the unfiltered list is not audited)"
        )
    pg = [s for s in servers if s.name == "PostgreSQL"]
    if pg and during[0] > 0:
        pg_stack.close()
        errors += _during_import(pg[0], ours_paths, work, workers, plan, during)
    return 0 if agree and not errors else 1


def _load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} / {fifteen:.1f}"


def _during_import(
    server: Server,
    paths: list[str],
    work: Path,
    workers: int,
    plan: Plan,
    during: tuple[int, float],
) -> int:
    """The goal level on PostgreSQL while a register is imported into a copy of its database
    (made from it as a template, dropped after): the failed requests."""
    cases, seconds = during
    register = data.fresh_register(work, cases, data.SEED + 1)
    copy_url = data.template_copy(server.url)
    copy = Server("PostgreSQL, importing", copy_url, server.auth)
    try:
        with contextlib.ExitStack() as stack:
            _start(stack, copy, work, workers)
            before = data.count_cases(copy_url)
            importer = data.start_import(copy_url, work, register)
            began = time.monotonic()
            while data.count_cases(copy_url) == before and importer.poll() is None:
                time.sleep(0.5)  # until its first batch is committed: writing, not reading
            writing = time.monotonic() - began
            load = _load_average()
            result = run_load(
                copy.pid, copy.port, paths, copy.auth, GOAL_CLIENTS, 1.0, seconds, copy.database
            )
            after = data.count_cases(copy_url)
            running = importer.poll() is None
            if running:
                importer.terminate()  # an import resumes after a kill; the copy goes anyway
            out, err = importer.communicate(timeout=60)
            print(
                f"\nnervecentre (PostgreSQL) at {GOAL_CLIENTS} clients while a register of "
                f"{cases:,} cases is imported into the same database ({before:,} cases; the "
                f"import's first batch committed {writing:.0f} s after it started; {load}):\n"
                f"  {cell(result)}  (req/s p50 p99 CPU ms); p95 {result['p95_ms']:.1f} ms; "
                f"database CPU {result['db_cpu_ms']:.1f} ms a request; "
                f"{result['completed']:,} requests in the window, {result['errors']} failed\n"
                f"  the import wrote {after - before:,} cases during the window and was "
                f"{'still running at its end (stopped then)' if running else 'done before'}"
            )
            if not running and importer.returncode:
                print(f"  import failed: {err[-1000:]}")
            elif not running:
                print(f"  import: {out.strip()}")
            for sample in result["error_samples"]:
                print(f"error (nervecentre PostgreSQL, importing): {sample}")
            print(f"  audit chain after it: {data.verify_audit(copy_url, work)}")
            return int(result["errors"])
    finally:
        data.drop_database(copy_url)


if __name__ == "__main__":
    sys.exit(main())
