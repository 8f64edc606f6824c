"""Hand a freshly requested job to the arq queue at once, so "sync now" does not wait for a tick.

The database row is the truth and the worker's tick re-enqueues due pending rows anyway; this only
saves up to one tick. arq's `_job_id` (the sweeper's) makes a double enqueue harmless.
"""

from __future__ import annotations

import logging

from arq import create_pool
from arq.connections import RedisSettings
from sqlmodel import Session

from setlist_app.models.sync import JobStatus, SyncJob
from setlist_app.settings import Settings, get_settings
from setlist_app.sync import sweeper

log = logging.getLogger(__name__)


def pending_job(session: Session, job_id: int) -> SyncJob | None:
    job = session.get(SyncJob, job_id)
    return job if job is not None and job.status == JobStatus.PENDING else None


async def enqueue_pending(job: SyncJob | None, settings: Settings | None = None) -> bool:
    """Enqueue a pending row; False (logged) when Redis is unreachable — the tick will do it."""
    if job is None:
        return False
    settings = settings or get_settings()
    try:
        pool = await create_pool(RedisSettings.from_dsn(settings.redis_db_url(settings.redis_db_queue)))
    except Exception as exc:  # pragma: no cover - Redis down: the worker's tick dispatches later
        log.warning("could not enqueue job %s now: %s", job.id, exc)
        return False
    try:
        return await sweeper.enqueue(pool, job)
    finally:
        await pool.aclose()
