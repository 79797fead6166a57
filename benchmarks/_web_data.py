"""The web benchmark's databases: built once (SQLite file, PostgreSQL database) and reused.

Both hold the same synthetic cases (same seed, same register, the same importer), the
benchmark analyst and their API token. A PostgreSQL database is given by URL: an empty one
is loaded from scratch; one holding exactly the cases asked for is reused (minutes saved
a run); one holding anything else is refused, never emptied.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

SEED = 7
DISTRICT = "MH-THR"  # Thane Rural, the demo users' district
BENCH_USER = "bench-analyst"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def _case_count(url: str) -> int | None:
    """Cases in the database (None: no database, or no schema yet)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM cases")).scalar_one())
    except Exception:  # a missing file, database or table: not built
        return None
    finally:
        engine.dispose()


def _database(url: str, work: Path):  # type: ignore[no-untyped-def]
    from nervecentre.settings import load_settings
    from nervecentre.store.db import Database

    return Database(load_settings(database_url=url, data_dir=str(work)))


def _load(url: str, work: Path, cases: int) -> None:
    """Generate the register and import it into the (migrated, empty) database at ``url``."""
    from nervecentre.imports import import_register
    from nervecentre.synth import SynthConfig, write_dataset

    register = work / f"register-{cases}"
    shutil.rmtree(register, ignore_errors=True)  # left by an interrupted run
    print(f"building a database of {cases:,} synthetic cases (minutes at 100,000)", flush=True)
    start = time.perf_counter()
    paths = write_dataset(register, SynthConfig(cases=cases, seed=SEED), fmt="csv")
    generated = time.perf_counter() - start
    db = _database(url, work)
    db.upgrade()
    report = import_register(db, paths.register, "demo-register")
    db.dispose()
    shutil.rmtree(register)
    print(
        f"generated {cases:,} cases in {generated:.0f} s, imported {report.cases_ok:,} "
        f"in {time.perf_counter() - start - generated:.0f} s"
    )


def _upgraded(url: str, work: Path) -> None:
    db = _database(url, work)
    db.upgrade()  # the schema may have moved on since the database was made
    db.dispose()


def build_sqlite(work: Path, cases: int) -> str:
    """The SQLite database with ``cases`` synthetic cases in ``work``: reused when there."""
    path = work / f"nervecentre-{cases}.db"
    if path.exists() and _case_count(sqlite_url(path)) == cases:
        _upgraded(sqlite_url(path), work)
        print(f"reusing {path} ({cases:,} cases)")
        return sqlite_url(path)
    for stale in work.glob(f"{path.name}*"):
        stale.unlink()
    partial = work / f"partial-{cases}.db"
    for stale in work.glob(f"{partial.name}*"):
        stale.unlink()
    _load(sqlite_url(partial), work, cases)
    for suffix in ("-wal", "-shm"):  # normally gone after a clean close
        side = partial.with_name(partial.name + suffix)
        if side.exists():
            side.rename(path.with_name(path.name + suffix))
    partial.rename(path)  # only a complete import gets the name that --keep reuses
    return sqlite_url(path)


def build_postgres(url: str, work: Path, cases: int) -> str:
    """The PostgreSQL database at ``url`` with ``cases`` synthetic cases: reused when it has
    exactly those, loaded when it has none (created if missing), refused otherwise."""
    found = _case_count(url)
    name = make_url(url).database
    if found == cases:
        _upgraded(url, work)
        print(f"reusing PostgreSQL database {name} ({cases:,} cases)")
        return url
    if found:
        raise SystemExit(
            f"PostgreSQL database {name} holds {found:,} cases, not {cases:,}: "
            "name an empty (or missing) database, or drop this one"
        )
    if found is None:
        admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ).first()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    _load(url, work, cases)
    return url


def bench_user(url: str, work: Path) -> tuple[str, list[str]]:
    """A fresh API token of the benchmark analyst (created if missing), and their units."""
    from nervecentre import places
    from nervecentre.errors import NotFound
    from nervecentre.security.tokens import create_token
    from nervecentre.security.users import create_user, get_user

    db = _database(url, work)
    try:
        get_user(db, BENCH_USER)
    except NotFound:
        units = [u.code for u in places.units(district=DISTRICT)]
        password = "bench-" + os.urandom(12).hex()
        create_user(db, BENCH_USER, password, "analyst", actor="bench", units=units)
    _record, token = create_token(db, BENCH_USER, "bench_web", actor="bench")
    with db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT uu.unit_code FROM user_units uu JOIN users u ON u.id = uu.user_id "
                "WHERE u.username = :u ORDER BY uu.unit_code"
            ),
            {"u": BENCH_USER},
        ).all()
    db.dispose()
    return token, [r[0] for r in rows]


def index_text(url: str, work: Path) -> None:
    """Bring the full-text index up to date, as after an import, before either side reads it
    (else the first text search pays for indexing, and Datasette's copy lacks the cases).
    PostgreSQL's indexes are always current."""
    from nervecentre.search.fulltext import refresh_index

    db = _database(url, work)
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


def audit_searches(url: str) -> int:
    """The benchmark analyst's 'search' entries in the audit log."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    text("SELECT count(*) FROM audit_log WHERE action = 'search' AND actor = :a"),
                    {"a": BENCH_USER},
                ).scalar_one()
            )
    finally:
        engine.dispose()


def count_cases(url: str) -> int:
    return _case_count(url) or 0


def verify_audit(url: str, work: Path) -> str:
    """The audit chain's verification, in a sentence."""
    from nervecentre.security import audit_verify

    db = _database(url, work)
    try:
        result = audit_verify.verify(db)
    finally:
        db.dispose()
    return str(result)


# The concurrent import, in a process of its own (as `nervecentre import` would run).
IMPORT = """
import sys, time, json
from pathlib import Path
from nervecentre.imports import import_register
from nervecentre.settings import load_settings
from nervecentre.store.db import Database
url, data_dir, register = sys.argv[1], sys.argv[2], Path(sys.argv[3])
db = Database(load_settings(database_url=url, data_dir=data_dir))
start = time.time()
report = import_register(db, register, "demo-register", actor="bench-import")
print(json.dumps({"start": start, "end": time.time(), "created": report.cases_ok,
                  "rejected": report.rejected_rows}))
"""


def fresh_register(work: Path, cases: int, seed: int) -> Path:
    """A register of ``cases`` new synthetic cases (another seed: other FIRs, mostly)."""
    from nervecentre.synth import SynthConfig, write_dataset

    folder = work / f"register-fresh-{cases}-{seed}"
    done = folder / "register.csv"
    if not done.exists():
        shutil.rmtree(folder, ignore_errors=True)
        write_dataset(folder, SynthConfig(cases=cases, seed=seed), fmt="csv")
    return done


def start_import(url: str, work: Path, register: Path) -> subprocess.Popen[str]:
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(root)]))}
    return subprocess.Popen(
        [sys.executable, "-c", IMPORT, url, str(work), str(register)],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def template_copy(url: str) -> str:
    """A copy of the PostgreSQL database at ``url`` (nothing may be connected to it), made
    with it as a template: seconds, where loading takes many minutes."""
    parsed = make_url(url)
    name = f"{parsed.database}_importing"
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(
                text(f'CREATE DATABASE "{name}" TEMPLATE "{parsed.database}" STRATEGY FILE_COPY')
            )
    finally:
        admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    finally:
        admin.dispose()
