"""Library search benchmark: nervecentre's search vs SQLite FTS5 (and PostgreSQL) queried bare.

The same N synthetic documents (``nervecentre.library.synth``: judgment-like texts, a tenth
in Hindi or Marathi) are loaded into a migrated nervecentre database. Half are linked to
registry cases spread over every police station (so most are outside the benchmark user's
need-to-know), 1 % of the unlinked ones are restricted. The benchmark user is an
investigator of one unit.

Side by side, in the same run, over the same query list (single words, phrases, Devanagari,
prefixes; common and rare):

- **ours**: :func:`nervecentre.library.search.search` as the CLI, API and pages call it,
  need-to-know on and highlighted snippets made (the audit write is off: it is the same
  hash-chained append for every audited read, measured in bench_web.py);
- **anchor, SQLite**: FTS5 queried directly on the same index: ``SELECT rowid,
  snippet(...) FROM search_library WHERE search_library MATCH ? ORDER BY rank LIMIT 20`` —
  no access control at all;
- **anchor, PostgreSQL** (when a server answers): the same documents in a plain table with a
  GIN index on ``to_tsvector('simple', ...)``, ``ts_rank`` top 20 and ``ts_headline``; and
  ours on PostgreSQL, over the same nervecentre schema (``--postgres URL``).

Both sides run the query list ``--rounds`` times, taking turns on each query (who goes
first alternates, so that a busy machine slows both alike), one query at a time: the first
round is "cold" (nothing kept: every query is new to the process), the later ones "warm"
(analysts repeat and page through searches; ours keeps ranked ids per query while the
library is unchanged, the anchor has only SQLite's page cache). Printed: queries/s, p50 and
p95 latency per side, and the ratio ours / anchor.

    python benchmarks/bench_library.py [--docs 100000] [--rounds 5] [--postgres URL] [--no-postgres]
        [--work DIR] [--keep-schema NAME] [--no-sqlite]

``--work`` keeps the SQLite database in DIR and ``--keep-schema`` the PostgreSQL schema NAME
(both migrated to the head on reuse): a later run with the same options reuses what was
loaded (same ``--docs``), so that the timed rounds alone run under a benchmark lock.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nervecentre.cases.models import Case, Unit
from nervecentre.library.metadata import read_metadata
from nervecentre.library.models import LibraryDocument, LibraryLink
from nervecentre.library.search import search
from nervecentre.library.synth import documents
from nervecentre.security import users
from nervecentre.settings import load_settings
from nervecentre.store.db import Database

QUERIES = [
    "massage parlour", "decoy customer", "placement agency", "dance bar", "lodge",
    "sextortion", "child labour", "forged documents", "west bengal", "jharkhand",
    "convicted", "acquitted", "benefit of doubt", "panchnama", "call detail records",
    "shelter home", "upi", "rigorous imprisonment", "bangle factory", "nepal",
    "मानव तस्करी", "मसाज पार्लर", "नोकरीचे", "बरी", "प्लेसमेंट एजेंसी",
    "traffick*", "convict*", "massage parlour thane", "social media mumbai", "debt bondage",
    '"decoy customer"', "itpa", "sessions judge", "high court bombay", "raigad",
    "synthetic case 4711", "synthetic case 99", "palghar lodge", "assam dance", "karnataka",
]  # fmt: skip
CASES = 4_000
PER_PAGE = 20


def _ms(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]
    return statistics.median(ordered) * 1000, p95 * 1000


Figures = dict[str, tuple[float, float, float]]


def _figures(label: str, times: dict[str, list[float]]) -> Figures:
    out = {}
    for phase, values in times.items():
        if values:
            p50, p95 = _ms(values)
            out[phase] = (len(values) / sum(values), p50, p95)
    shown = [
        f"{ph} {q:,.0f} q/s p50 {p50:.2f} ms p95 {p95:.2f} ms" for ph, (q, p50, p95) in out.items()
    ]
    print(f"  {label}: " + "; ".join(shown))
    return out


def _run(sides: dict[str, Callable[[str], int]], rounds: int) -> dict[str, Figures]:
    """Per side and phase (cold, warm): queries/s, p50 ms, p95 ms. The sides take turns on
    each query (who goes first alternates), so that a busy machine slows both alike."""
    times = {name: {"cold": [], "warm": []} for name in sides}  # type: dict[str, dict[str, list[float]]]
    names = list(sides)
    for r in range(rounds):
        phase = "cold" if r == 0 else "warm"
        for i, q in enumerate(QUERIES):
            for name in names if (i + r) % 2 == 0 else reversed(names):
                t0 = time.perf_counter()
                sides[name](q)
                times[name][phase].append(time.perf_counter() - t0)
    return {name: _figures(name, times[name]) for name in names}


def _load(db: Database, count: int, seed: int) -> int:
    """Load cases, documents and links; returns the benchmark user's unit's case count."""
    rng = random.Random(seed)
    with db.session() as s:
        stations = [
            (u.code, u.district_code)
            for u in s.scalars(select(Unit).where(Unit.kind == "police_station"))
        ]
    with db.session() as s:
        rows = []
        for i in range(CASES):
            code, district = stations[i % len(stations)]
            rows.append({
                "case_key": f"{code}/2024/{i}", "fir_number": str(i), "fir_year": 2024,
                "police_station_code": code, "district_code": district, "unit_code": code,
                "fir_at": __import__("datetime").datetime(2024, 1, 1),
            })  # fmt: skip
        s.execute(insert(Case), rows)
    with db.session() as s:
        case_ids = list(s.scalars(select(Case.id)))
    t0 = time.perf_counter()
    batch: list[dict[str, object]] = []
    links: list[dict[str, int]] = []
    for doc_id, doc in enumerate(documents(count, seed), start=1):
        meta = read_metadata(doc.text) if doc_id <= 2000 else None  # metadata: a sample
        batch.append({
            "id": doc_id, "sha256": f"{doc_id:064x}", "size": len(doc.text.encode()),
            "media_type": "text/plain", "filename": f"{doc.name}.txt",
            "path": f"/library/{doc.name}.txt",
            "title": doc.title, "kind": "judgment", "court": meta.court if meta else "",
            "decided_on": doc.decided_on, "outcome": doc.outcome, "language": doc.language,
            "places": "", "pages": 0, "extraction": "text", "text": doc.text,
            "restricted": rng.random() < 0.005, "added_by": "bench",
        })  # fmt: skip
        if rng.random() < 0.5:
            links.append({"document_id": doc_id, "case_id": rng.choice(case_ids)})
        if len(batch) == 5000:
            with db.session() as s:
                s.execute(insert(LibraryDocument), batch)
            batch = []
    with db.session() as s:
        if batch:
            s.execute(insert(LibraryDocument), batch)
        s.execute(insert(LibraryLink), links)
    print(f"  loaded {count:,} documents ({len(links):,} linked to {CASES:,} cases) in "
          f"{time.perf_counter() - t0:.0f} s")  # fmt: skip
    return len(links)


def _loaded(db: Database, count: int) -> bool:
    """Whether a kept database holds this run's documents already."""
    with db.session() as s:
        return (s.scalar(select(func.count(LibraryDocument.id))) or 0) == count


def _user(db: Database) -> users.User:
    try:
        return users.get_user(db, "bench.inv")
    except Exception:  # not made yet
        pass
    with db.session() as s:
        unit = s.scalar(select(Unit.code).where(Unit.kind == "police_station").order_by(Unit.code))
    return users.create_user(
        db, "bench.inv", "benchmark password 1", "investigator", actor="bench", units=[unit]
    )


def _fts5_anchor(path: Path) -> Callable[[str], int]:
    from nervecentre.library.search import parse_query

    conn = sqlite3.connect(path)
    sql = (
        "SELECT rowid, snippet(search_library, 1, '<mark>', '</mark>', '…', 24) "
        "FROM search_library WHERE search_library MATCH ? ORDER BY rank LIMIT ?"
    )

    def run(q: str) -> int:
        # The FTS5 query string is made the same way (quoted phrases): same matches.
        return len(conn.execute(sql, (parse_query(q).fts5(), PER_PAGE)).fetchall())

    return run


_OPEN: list[Any] = []  # the anchor's connections, closed before its schema is dropped


def _pg_anchor(url: str) -> Callable[[str], int]:
    from nervecentre.library.search import parse_query

    engine = create_engine(url)
    conn = engine.connect()
    _OPEN.append(conn)
    sql = text(
        "SELECT id, ts_headline('simple', left(text, 200000), q, 'MaxWords=24, MinWords=8') FROM ("
        " SELECT id, text, q FROM bench_docs, websearch_to_tsquery('simple', :q) q"
        " WHERE doc @@ q ORDER BY ts_rank(doc, q) DESC LIMIT :n) top"
    )

    def run(q: str) -> int:
        words = " ".join(text for text, _ in parse_query(q).phrases)
        return len(conn.execute(sql, {"q": words, "n": PER_PAGE}).all())

    return run


def _pg_setup(url: str, keep: str | None) -> Database | None:
    schema = keep or f"bench_library_{os.getpid()}"
    base = make_url(url)
    try:
        admin = create_engine(base)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    except Exception as exc:
        print(f"PostgreSQL: skipped ({type(exc).__name__}: {str(exc).splitlines()[0]})")
        return None
    scoped = base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )
    db = Database(load_settings(database_url=scoped, data_dir=tempfile.mkdtemp()))
    db.upgrade()
    return db


def _sqlite(args: argparse.Namespace) -> Figures:
    folder = args.work or Path(tempfile.mkdtemp(prefix="bench_library_"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"library-{args.docs}.db"
    db = Database(load_settings(database_url=f"sqlite:///{path}", data_dir=str(folder)))
    db.upgrade()
    print("SQLite")
    if _loaded(db, args.docs):
        print(f"  reusing {path}")
    else:
        _load(db, args.docs, args.seed)
    user = _user(db)
    if args.load_only:
        return {}
    figures = _run(
        {
            "anchor: FTS5 bare": _fts5_anchor(path),
            "ours: need-to-know + highlights": lambda q: len(
                search(db, user, q, limit=PER_PAGE, audit_search=False)
            ),
        },
        args.rounds,
    )
    anchor, ours = figures.values()
    for phase in ("cold", "warm"):
        if phase in ours and phase in anchor:
            ratio = ours[phase][0] / anchor[phase][0]
            print(f"  ratio ours/anchor ({phase}): {ratio:.2f}x queries/s, "
                  f"p95 {ours[phase][2]:.2f} vs {anchor[phase][2]:.2f} ms")  # fmt: skip
    return ours


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--work", type=Path, default=None, help="keep the SQLite database here")
    parser.add_argument("--keep-schema", default=None, help="keep PostgreSQL's data here")
    parser.add_argument("--load-only", action="store_true", help="load, then stop")
    args = parser.parse_args()
    print(f"Library search: {args.docs:,} synthetic documents, {len(QUERIES)} queries x "
          f"{args.rounds} rounds, top {PER_PAGE} with snippets, one client; "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average "
          f"{os.getloadavg()[0]:.1f}")  # fmt: skip
    ours = {} if args.no_sqlite else _sqlite(args)
    if args.no_postgres:
        return
    pg = _pg_setup(args.postgres, args.keep_schema)
    if pg is None:
        return
    print("PostgreSQL")
    fresh = not _loaded(pg, args.docs)
    if fresh:
        _load(pg, args.docs, args.seed)
    else:
        print(f"  reusing schema {args.keep_schema}")
    pg_user = _user(pg)
    with pg.engine.begin() as conn:
        if fresh:
            conn.execute(text("DROP TABLE IF EXISTS bench_docs"))
        conn.execute(text(
            "CREATE TABLE IF NOT EXISTS bench_docs AS SELECT id, text, "
            "to_tsvector('simple', left(title || ' ' || text, 500000)) doc FROM library_documents"
        ))  # fmt: skip
        conn.execute(
            text("CREATE INDEX IF NOT EXISTS bench_docs_doc ON bench_docs USING gin (doc)")
        )
    # As autovacuum would leave them: the links' access keys rewrote half the documents' rows.
    with pg.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE bench_docs"))
        conn.execute(text("VACUUM ANALYZE library_documents"))
    if args.load_only:
        return
    pg_figures = _run(
        {
            "anchor: PostgreSQL full-text bare": _pg_anchor(pg.url),
            "ours on PostgreSQL: need-to-know + highlights": lambda q: len(
                search(pg, pg_user, q, limit=PER_PAGE, audit_search=False)
            ),
        },
        args.rounds,
    )
    pg_anchor, pg_ours = pg_figures.values()
    for phase in ("cold", "warm"):
        ratio = pg_ours[phase][0] / pg_anchor[phase][0]
        print(f"  ratio ours/anchor ({phase}): {ratio:.2f}x queries/s, "
              f"p95 {pg_ours[phase][2]:.2f} vs {pg_anchor[phase][2]:.2f} ms")  # fmt: skip
    if "warm" in ours:
        ratio = ours["warm"][0] / pg_anchor["warm"][0]
        print(f"  ratio ours on SQLite / PostgreSQL anchor (warm): {ratio:.2f}x")
    print(f"  load average at the end: {os.getloadavg()[0]:.1f}")
    for opened in _OPEN:
        opened.close()
    if args.keep_schema:
        return
    with create_engine(args.postgres).begin() as conn:
        schema = make_url(pg.url).query.get("options", "").replace("-csearch_path=", "")
        pg.dispose()
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


if __name__ == "__main__":
    main()
