"""Shared fixtures: fresh migrated databases and a private Redis DB per test session.

The suite needs real PostgreSQL and Redis (DESIGN.md §11). A missing service is an error with a
clear message, never a skip. A test using the database (`engine`, `session`) runs twice, on SQLite
(the embedded default `make run` uses, DESIGN.md §13) and on PostgreSQL: ids end in `[sqlite]` or
`[postgresql]`.

The services are set up lazily: the session's PostgreSQL database and Redis DB are created the first
time a test needs them (`database_url`, `redis_url`, or any fixture requesting them), and every test
outside `tests/unit/` needs them. Unit tests need neither: `pytest tests/unit` runs with both stopped
(scripts/test.sh proves it on every run by pointing them at a closed port).
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


# Chosen now, created on first use: the settings point at them from the start, so code reading them
# in a test outside `tests/unit/` finds the services that test was given.
_DATABASE_NAME = f"setlist_test_{secrets.token_hex(4)}"
# scripts/test.sh gives sessions that run at once their own numbers (TEST_REDIS_DB); else a random one.
_REDIS_DB = int(os.environ.get("TEST_REDIS_DB") or secrets.randbelow(12) + 4)


def _pg_admin() -> psycopg.Connection:
    try:
        return psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:  # pragma: no cover - environment problem
        pytest.exit(f"PostgreSQL is required at {PG_ADMIN_URL} ({exc}). Start it: see README.", 3)


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A new, migrated Postgres database for this test session; dropped afterwards."""
    with _pg_admin() as conn:
        conn.execute(f'CREATE DATABASE "{_DATABASE_NAME}"')
    url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{_DATABASE_NAME}"
    upgrade_to_head(url)
    yield url
    db_module.engine_for.cache_clear()
    with _pg_admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{_DATABASE_NAME}" WITH (FORCE)')


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A Redis DB number private to this session (flushed before and after)."""
    url = f"{REDIS_BASE_URL}/{_REDIS_DB}"
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
def _configure_env() -> Iterator[None]:
    """Point the app's settings at the test services for the whole session (without connecting:
    `database_url` and `redis_url` create them when a test needs them)."""
    os.environ["DATABASE_URL"] = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{_DATABASE_NAME}"
    os.environ["REDIS_URL"] = REDIS_BASE_URL
    # Every Redis use of the app (queue, counters, Reflex state) goes to this session's private DB.
    for name in ("REDIS_DB_APP", "REDIS_DB_QUEUE", "REDIS_DB_REFLEX"):
        os.environ[name] = str(_REDIS_DB)
    os.environ["ENVIRONMENT"] = "test"
    get_settings.cache_clear()
    db_module.engine_for.cache_clear()
    yield


@pytest.fixture(scope="session", autouse=True)
def _services(request: pytest.FixtureRequest) -> None:
    """Tests outside `tests/unit/` may use the services without asking (integration, simulation and
    browser tests read the settings directly), so a session running any of them sets both up before
    its first test. A session of unit tests connects to neither: a unit test needing one belongs in
    tests/integration (the service-less `pytest tests/unit` in scripts/test.sh fails otherwise)."""
    if any("/tests/unit/" not in item.path.as_posix() for item in request.session.items):
        request.getfixturevalue("database_url")
        request.getfixturevalue("redis_url")


# The browser suite picks its own backends (it starts the app on a SQLite file and on Postgres).
_POSTGRES_ONLY_DIRS = ("tests/e2e/",)


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
    after which pytest-asyncio tests could not start their own. They are all `slow`."""
    items.sort(key=lambda item: "/tests/e2e/" in str(item.path))
    for item in items:
        if "/tests/e2e/" in str(item.path):
            item.add_marker(pytest.mark.slow)
