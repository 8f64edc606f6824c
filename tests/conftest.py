"""Shared fixtures: fresh migrated databases and a private Redis DB per test session.

The suite needs real PostgreSQL and Redis (DESIGN.md §11). A missing service is an error with a
clear message, never a skip. A test using the database (`engine`, `session`) runs twice, on SQLite
(the embedded default `make run` uses, DESIGN.md §13) and on PostgreSQL: ids end in `[sqlite]` or
`[postgresql]`.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import psycopg
import pytest
import redis
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from setlist_app import db as db_module
from setlist_app.migrations import upgrade_to_head
from setlist_app.models import SyncStatus
from setlist_app.settings import get_settings

pytest_plugins = ["tests.fixtures.clock", "tests.fixtures.simulator"]

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_BASE_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")


def _pg_admin() -> psycopg.Connection:
    try:
        return psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:  # pragma: no cover - environment problem
        pytest.exit(f"PostgreSQL is required at {PG_ADMIN_URL} ({exc}). Start it: see README.", 3)


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A new, migrated Postgres database for this test session; dropped afterwards."""
    name = f"setlist_test_{secrets.token_hex(4)}"
    with _pg_admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    url = f"{base}/{name}"
    upgrade_to_head(url)
    yield url
    db_module.engine_for.cache_clear()
    with _pg_admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A Redis DB number private to this session (flushed before and after)."""
    db = secrets.randbelow(12) + 4
    url = f"{REDIS_BASE_URL}/{db}"
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.ConnectionError as exc:  # pragma: no cover - environment problem
        pytest.exit(f"Redis is required at {REDIS_BASE_URL} ({exc}). Start it: see README.", 3)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


@pytest.fixture(scope="session", autouse=True)
def _configure_env(database_url: str, redis_url: str) -> Iterator[None]:
    """Point the app's settings at the test services for the whole session."""
    os.environ["DATABASE_URL"] = database_url
    base, db = redis_url.rsplit("/", 1)
    os.environ["REDIS_URL"] = base
    # Every Redis use of the app (queue, counters, Reflex state) goes to this session's private DB.
    for name in ("REDIS_DB_APP", "REDIS_DB_QUEUE", "REDIS_DB_REFLEX"):
        os.environ[name] = db
    os.environ["ENVIRONMENT"] = "test"
    get_settings.cache_clear()
    db_module.engine_for.cache_clear()
    yield


# Still on Postgres only: e2e starts the app on the session's Postgres URL, and moving the sync and
# simulation suites (their own fixtures and owners) onto both backends is a follow-up of issue 14.
_POSTGRES_ONLY_DIRS = (
    "tests/integration/sync/",
    "tests/integration/sync_domain/",
    "tests/sim/",
    "tests/e2e/",
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "postgres_only(reason): the test runs on PostgreSQL only, for the reason given",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test using the database runs on SQLite (the embedded default) and on PostgreSQL."""
    if "db_backend" not in metafunc.fixturenames:
        return
    postgres_only = metafunc.definition.get_closest_marker("postgres_only") is not None or any(
        d in metafunc.definition.path.as_posix() for d in _POSTGRES_ONLY_DIRS
    )
    backends = ["postgresql"] if postgres_only else ["sqlite", "postgresql"]
    metafunc.parametrize("db_backend", backends, indirect=True)


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite database file built by the same migrations as Postgres, once per session."""
    url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'setlist.db'}"
    upgrade_to_head(url)
    return url


@pytest.fixture
def db_backend(request: pytest.FixtureRequest) -> str:
    """The backend this test runs on (set by `pytest_generate_tests`)."""
    return request.param


@pytest.fixture
def engine(db_backend: str, database_url: str, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """The app's engine on this test's backend; every table is emptied after the test.

    DATABASE_URL points at the same database meanwhile, so code calling `db.get_engine()` itself
    (sessions, health checks, the live pusher) sees what the test sees.
    """
    url = request.getfixturevalue("sqlite_url") if db_backend == "sqlite" else database_url
    _use_database(url)
    try:
        eng = db_module.get_engine()
        yield eng
        reset_tables(eng)
    finally:
        _use_database(database_url)


def _use_database(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as s:
        yield s


# Above this many rows in a table, Postgres empties them faster by TRUNCATE than by DELETE.
_BULK_ROWS = 1000


def reset_tables(eng: Engine) -> None:
    """Empty every table with ids starting at 1 again, and reset the sync_status singleton.

    DELETE, children first: on the few rows a test writes it takes Postgres ~20 ms where TRUNCATE
    takes ~280 ms; but each deleted row runs the foreign-key checks, so after a bulk load
    TRUNCATE is faster there. SQLite restarts an emptied table's rowids by itself.
    """
    singleton = SyncStatus.__table__  # type: ignore[attr-defined]
    tables = [t for t in SQLModel.metadata.sorted_tables if t is not singleton]
    with eng.begin() as conn:
        postgres = conn.dialect.name == "postgresql"
        bulky = " OR ".join(f"EXISTS (SELECT 1 FROM {t.name} OFFSET {_BULK_ROWS})" for t in tables)
        if postgres and conn.execute(text(f"SELECT {bulky}")).scalar():
            conn.execute(text(f"TRUNCATE {', '.join(t.name for t in tables)} RESTART IDENTITY"))
        else:
            for table in reversed(tables):
                conn.execute(table.delete())
            if postgres:
                conn.execute(text("SELECT setval(oid, 1, false) FROM pg_class WHERE relkind = 'S'"))
        conn.execute(singleton.update().values(SyncStatus().model_dump(exclude={"id"})))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests last: Playwright's sync API keeps an event loop running in the main thread,
    after which pytest-asyncio tests could not start their own."""
    items.sort(key=lambda item: "/tests/e2e/" in str(item.path))
