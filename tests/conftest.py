"""Shared fixtures: a fresh migrated Postgres database and a private Redis DB per test session.

The suite needs real PostgreSQL and Redis (DESIGN.md §11). A missing service is an error with a
clear message, never a skip.
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
from sqlmodel import Session

from setlist_app import db as db_module
from setlist_app.migrations import upgrade_to_head
from setlist_app.settings import get_settings

pytest_plugins = ["tests.fixtures.clock", "tests.fixtures.simulator"]

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_BASE_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")

# Tables whose rows are reference data created by migrations: reset, not emptied.
_KEEP_TABLES = {"alembic_version", "sync_status"}


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
    db_module.get_engine.cache_clear()
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
    db_module.get_engine.cache_clear()
    yield


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """The app's engine on the test database; every table is emptied after the test."""
    eng = db_module.get_engine()
    yield eng
    reset_tables(eng)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as s:
        yield s


def reset_tables(eng: Engine) -> None:
    """Empty every table and reset the sync_status singleton."""
    from sqlmodel import SQLModel

    names = [t.name for t in SQLModel.metadata.sorted_tables if t.name not in _KEEP_TABLES]
    with eng.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))
        conn.execute(text("DELETE FROM sync_status WHERE id <> 1"))
        conn.execute(
            text(
                "UPDATE sync_status SET phase='idle', health='ok', message=NULL, last_success='{}',"
                " last_failure='{}', queue_depth=0, open_circuits=0, jobs_last_minute=0, jobs_today=0,"
                " alert=NULL, alert_raised_at=NULL, kill_switch=false, planners_paused=false,"
                " write_conflicts=0, worker_heartbeat_at=NULL"
            )
        )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests last: Playwright's sync API keeps an event loop running in the main thread,
    after which pytest-asyncio tests could not start their own."""
    items.sort(key=lambda item: "/tests/e2e/" in str(item.path))
