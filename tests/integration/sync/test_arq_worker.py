"""arq 0.28 on redis-py 7 (installed through overrides.txt), and our WorkerSettings on burst workers.

Covers: enqueue, dedup by `_job_id`, `Retry`, burst workers, the cron → tick → planners → queue →
run_sync_job path, and a Redis flush while jobs are pending (the tick restores them from the DB).
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio
import redis
from arq import Retry, Worker, create_pool
from arq.connections import ArqRedis
from arq.jobs import JobStatus as ArqJobStatus
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from setlist_app.models import CronRun, SyncJob
from setlist_app.models.base import utcnow
from setlist_app.settings import Settings
from setlist_app.sync import catalog, crons
from tests.integration.sync.helpers import FakeProviders, FakeSpotify, add_artists, make_ctx
from workers import settings as worker_settings


@pytest_asyncio.fixture
async def pool(redis_url: str, aredis: Redis) -> AsyncIterator[ArqRedis]:
    arq_pool = await create_pool(worker_settings.redis_settings(None, redis_url))  # type: ignore[arg-type]
    yield arq_pool
    await arq_pool.aclose()


def _worker(pool: ArqRedis, functions: list[Any], max_jobs: int, **kw: Any) -> Worker:
    return Worker(
        functions=functions,
        redis_pool=pool,
        burst=True,
        poll_delay=0,
        handle_signals=False,
        max_burst_jobs=max_jobs,
        keep_result=60,
        **kw,
    )


tries: dict[str, int] = {}


async def echo(ctx: dict[str, Any], value: int) -> int:
    return value * 2


async def flaky(ctx: dict[str, Any], name: str) -> str:
    tries[name] = ctx["job_try"]
    if ctx["job_try"] < 2:
        raise Retry(defer=0)
    return f"ok after {ctx['job_try']}"


async def test_arq_basics_on_redis_py_7(pool: ArqRedis) -> None:
    assert int(redis.__version__.split(".")[0]) >= 7
    first = await pool.enqueue_job("echo", 21, _job_id="same")
    assert first is not None
    assert await pool.enqueue_job("echo", 99, _job_id="same") is None  # dedup while queued
    retried = await pool.enqueue_job("flaky", "a")
    worker = _worker(pool, [echo, flaky], max_jobs=10)
    try:
        await worker.main()
    finally:
        await worker.close()
    assert await first.result(timeout=5) == 42
    assert await retried.result(timeout=5) == "ok after 2" and tries["a"] == 2
    assert await pool.enqueue_job("echo", 1, _job_id="same") is None  # dedup while the result is kept
    assert await first.status() == ArqJobStatus.complete


async def test_worker_settings_end_to_end_and_redis_flush(
    engine: Engine, session: Session, settings: Settings, pool: ArqRedis, aredis: Redis
) -> None:
    """Startup → tick cron → catalog planner → arq → run_sync_job; then a Redis flush is healed."""
    spotify = FakeSpotify()
    ctx = make_ctx(engine, settings, redis=aredis, providers=FakeProviders(spotify), clock=utcnow)
    ids = add_artists(session, 3)
    for i in range(3):
        spotify.give(f"sp{i}", ("Album", [f"Song {i}"]))
    ws = worker_settings.WorkerSettings
    worker = _worker(
        pool,
        ws.functions,
        max_jobs=10,  # ends when the queue is empty: the startup tick + three catalog jobs
        # arq keeps each cron's next run on its CronJob: fresh ones, as a new worker process has
        # (this test runs once per backend; the second run's startup tick was otherwise not due).
        cron_jobs=[dataclasses.replace(c, next_run=None) for c in ws.cron_jobs],
        on_startup=ws.on_startup,
        ctx={"sync": ctx},
    )
    try:
        await worker.main()
    finally:
        await worker.close()
    rows = session.scalars(select(SyncJob).order_by(SyncJob.id)).all()
    assert [(r.status, r.attempts, r.artist_id) for r in rows] == [("succeeded", 1, i) for i in ids]
    assert {"catalog_sync", "stale_job_sweeper"} <= {r.name for r in session.scalars(select(CronRun))}

    # Pending jobs whose queue entries vanish (FLUSHDB / Redis restart) are restored by the tick.
    later = [catalog.request_catalog_sync(session, i, requested_by="admin:1").job_id for i in ids]
    session.commit()
    report = await crons.tick(ctx, queue=pool)
    assert report.enqueued == 3
    assert (await crons.tick(ctx, queue=pool)).enqueued == 0  # arq dedups by _job_id
    await pool.flushdb()
    assert (await crons.tick(ctx, queue=pool)).enqueued == 3
    worker = _worker(pool, ws.functions, max_jobs=3, ctx={"sync": ctx})
    try:
        await worker.main()
    finally:
        await worker.close()
    session.expire_all()
    done = session.scalars(select(SyncJob).where(SyncJob.id.in_(later))).all()
    # Each ran exactly once; the 24 h guard made them no-ops (synced minutes ago).
    assert [(j.status, j.attempts, j.result["skipped"][:7]) for j in done] == [
        ("succeeded", 1, "guarded")
    ] * 3
    assert spotify.calls == 6
