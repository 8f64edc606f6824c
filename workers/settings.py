"""arq WorkerSettings: thin wrappers over `setlist_app.sync`.

One arq cron fires every `sync_tick_seconds` and calls `crons.tick`, so cron intervals, enabled
flags and run-now requests live in the database. A second one, every `alert_check_seconds`, raises
and clears alerts and sends their webhook messages (`sync.alerts`), apart from the tick so a stuck
tick is noticed. One job function, `run_sync_job`, performs one
`sync_jobs` row. The database is the truth: after a crash or a Redis flush the tick re-enqueues
pending rows, so retries here are only for Redis connection errors.

Run: `arq workers.settings.WorkerSettings` (under the launcher, which restarts it when Redis drops).
"""

from __future__ import annotations

from typing import Any

from arq import cron, func
from arq.connections import RedisSettings
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from setlist_app.db import get_engine
from setlist_app.observability.error_log import record_errors
from setlist_app.observability.logging import configure_logging
from setlist_app.settings import Settings, get_settings
from setlist_app.sync import alerts, crons, executors, registry  # noqa: F401  (registry fills the registries)
from setlist_app.sync.context import SyncContext
from setlist_app.sync.sweeper import RUN_JOB_FUNCTION

HEALTH_CHECK_KEY = "setlist:worker:health"


def redis_settings(settings: Settings, url: str | None = None) -> RedisSettings:
    """arq's connection: the queue's own DB number (Reflex SCANs its DB; keep arq elsewhere)."""
    rs = RedisSettings.from_dsn(url or settings.redis_db_url(settings.redis_db_queue))
    rs.retry_on_error = [RedisConnectionError, RedisTimeoutError]
    rs.conn_retries = 10
    return rs


def build_context(settings: Settings) -> SyncContext:
    """The production SyncContext: real engine, app Redis, provider clients."""
    from setlist_app.providers.factory import app_redis, build_providers

    redis = app_redis(settings)
    return SyncContext(
        settings=settings, engine=get_engine(), redis=redis, providers=build_providers(settings, redis)
    )


async def startup(ctx: dict[str, Any]) -> None:
    """Build the SyncContext (unless a test injected one) and upsert the cron defaults."""
    configure_logging()
    record_errors("worker")
    if "sync" not in ctx:
        ctx["sync"] = build_context(get_settings())
        ctx["owns_sync"] = True
    sync: SyncContext = ctx["sync"]
    with sync.session() as session:
        crons.ensure_defaults(session, sync.now())
        session.commit()


async def shutdown(ctx: dict[str, Any]) -> None:
    sync: SyncContext | None = ctx.get("sync")
    if sync is not None and ctx.get("owns_sync"):
        await sync.providers.aclose()
        if sync.redis is not None:
            await sync.redis.aclose()


async def run_sync_job(ctx: dict[str, Any], job_id: int) -> str:
    """Perform one sync_jobs row (idempotent: a second delivery finds it claimed or done)."""
    outcome = await executors.run_job(job_id, ctx["sync"])
    return outcome.status


async def sync_tick(ctx: dict[str, Any]) -> dict[str, Any]:
    """The one arq cron: run due planners and hand due jobs to the queue."""
    report = await crons.tick(ctx["sync"], queue=ctx["redis"])
    return {"ran": report.ran, "skipped": list(report.skipped), "enqueued": report.enqueued}


async def alert_check(ctx: dict[str, Any]) -> dict[str, Any]:
    """The alert cron: raise/clear alerts and send their webhook messages."""
    report = await alerts.check(ctx["sync"])
    return {"active": sorted(report.active), "sent": len(report.sent), "failed": len(report.failed)}


def _every(step: int, name: str) -> set[int]:
    """The seconds of each minute an arq cron fires at, every `step` seconds."""
    if step <= 0 or 60 % step:
        raise ValueError(f"{name} must divide 60")
    return set(range(0, 60, step))


_settings = get_settings()


class WorkerSettings:
    functions = [func(run_sync_job, name=RUN_JOB_FUNCTION)]
    cron_jobs = [
        cron(
            sync_tick,
            name="sync_tick",
            second=_every(_settings.sync_tick_seconds, "SYNC_TICK_SECONDS"),
            run_at_startup=True,
        ),
        cron(
            alert_check,
            name="alert_check",
            second=_every(_settings.alert_check_seconds, "ALERT_CHECK_SECONDS"),
            run_at_startup=True,
        ),
    ]
    redis_settings = redis_settings(_settings)
    on_startup = startup
    on_shutdown = shutdown
    health_check_key = HEALTH_CHECK_KEY
    health_check_interval = 30
    job_timeout = _settings.sync_job_timeout_seconds
    # Results only briefly: the database keeps the outcome; a long-kept result would also block
    # re-enqueueing the same arq id after a paused run.
    keep_result = 60
    max_tries = 1  # the database retries; arq must not re-run a job on its own
    max_jobs = 10
