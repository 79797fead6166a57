"""Shared fixtures: a fresh database per test, on SQLite and on PostgreSQL.

PostgreSQL tests use ``NERVECENTRE_TEST_POSTGRES_URL`` (default: the local server at
127.0.0.1:5432, database ``test``). They skip with a reason when it is unreachable,
unless ``NERVECENTRE_TEST_REQUIRE_POSTGRES=1`` (set by CI), when they fail instead.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from nervecentre.settings import Settings, load_settings
from nervecentre.store.db import Database, open_database

PG_URL = os.environ.get(
    "NERVECENTRE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
PG_REQUIRED = os.environ.get("NERVECENTRE_TEST_REQUIRE_POSTGRES") == "1"
# The generation counters survive too: emptied, nothing would be kept on PostgreSQL.
KEEP_TABLES = {"alembic_version", "data_generations", "districts", "units"}
REPO = Path(__file__).resolve().parents[1]


def shared_dir() -> Path | None:
    """The read-only ../shared folder of reference material, when present."""
    env = os.environ.get("NERVECENTRE_SHARED_DIR")
    candidate = Path(env) if env else REPO.parent / "shared"
    return candidate if candidate.is_dir() else None


@pytest.fixture(scope="session", autouse=True)
def secret_key_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """This run's secret key file and default data directory, never the home folder's: every
    database of a test worker is encrypted under this one key (made with the first)."""
    folder = tmp_path_factory.mktemp("home")
    names = {"SECRET_KEY_FILE": folder / "secret.key", "DATA_DIR": folder / "data"}
    saved = {name: os.environ.get(f"NERVECENTRE_{name}") for name in names}
    os.environ.update({f"NERVECENTRE_{name}": str(path) for name, path in names.items()})
    yield names["SECRET_KEY_FILE"]
    for name, value in saved.items():
        os.environ.pop(f"NERVECENTRE_{name}", None)
        if value is not None:
            os.environ[f"NERVECENTRE_{name}"] = value


def _settings(tmp_path: Path, url: str = "") -> Settings:
    return load_settings(data_dir=str(tmp_path / "data"), database_url=url)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database, copied for each test (migrating once is faster)."""
    folder = tmp_path_factory.mktemp("template")
    db = open_database(f"sqlite:///{folder / 'template.db'}", _settings(folder))
    db.upgrade()
    db.dispose()
    return folder / "template.db"


def _schema(worker: str) -> str:
    # The PID keeps two test runs on one server (two developers, or CI) out of each other's way.
    return f"nc_test_{worker}_{os.getpid()}"


def _pg_schema_url(worker: str) -> str:
    schema = _schema(worker)
    url = make_url(PG_URL)
    return url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )


@pytest.fixture(scope="session")
def pg_url(worker_id: str) -> Iterator[str]:
    """A migrated PostgreSQL schema of this test worker's own."""
    schema = _schema(worker_id)
    try:
        admin = create_engine(make_url(PG_URL).set(drivername="postgresql+psycopg"))
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:
        message = f"PostgreSQL unreachable at {make_url(PG_URL).render_as_string()}: {exc}"
        if PG_REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    url = _pg_schema_url(worker_id)
    db = Database(load_settings(database_url=url))
    db.upgrade()
    db.dispose()
    yield url
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A fresh, migrated database with reference data, on each backend."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "nervecentre.db"
        shutil.copyfile(template, target)
        database = Database(_settings(tmp_path, f"sqlite:///{target}"))
    else:
        url: str = request.getfixturevalue("pg_url")
        database = Database(_settings(tmp_path, url))
        with database.engine.begin() as conn:
            tables = [
                name
                for (name,) in conn.execute(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
                )
                if name not in KEEP_TABLES
            ]
            if tables:
                conn.execute(
                    text(
                        f"TRUNCATE {', '.join(f'{t!r}'.replace(chr(39), chr(34)) for t in tables)}"
                        " RESTART IDENTITY CASCADE"
                    )
                )
    yield database
    database.dispose()


@pytest.fixture
def sqlite_db(tmp_path: Path, sqlite_template: Path) -> Iterator[Database]:
    """A fresh SQLite database only (for tests about SQLite itself)."""
    target = tmp_path / "nervecentre.db"
    shutil.copyfile(sqlite_template, target)
    database = Database(_settings(tmp_path, f"sqlite:///{target}"))
    yield database
    database.dispose()
