"""Shared setup for the ops benchmarks: a private migrated+seeded Postgres DB and Redis DB, JSON results."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import redis
from sqlmodel import Session

from setlist_app.db import make_engine
from setlist_app.migrations import upgrade_to_head
from setlist_app.services.demo_seed import seed_demo_catalog

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
REDIS_BASE = "redis://127.0.0.1:6379"
RESULTS = Path(__file__).resolve().parent / "results"


@contextmanager
def private_services(redis_db: int = 14) -> Iterator[tuple[str, str]]:
    """(database_url, redis_url): a fresh seeded database and an emptied Redis DB, dropped afterwards."""
    name = f"setlist_bench_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}"
    redis_url = f"{REDIS_BASE}/{redis_db}"
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    try:
        upgrade_to_head(url)
        engine = make_engine(url)
        with Session(engine) as session:
            seed_demo_catalog(session)
        engine.dispose()
        yield url, redis_url
    finally:
        client.flushdb()
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def write_result(name: str, data: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
    return path
