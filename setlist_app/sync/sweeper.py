"""Recovery: the database is the truth, the arq queue is a disposable copy of it.

- Running jobs whose lease expired (a worker crashed or was killed) go back to pending.
- Every tick re-enqueues due pending rows; arq's `_job_id` (`sync:<id>:<attempts>`) makes that
  idempotent, and after a Redis flush it restores the whole queue from `sync_jobs`.
"""

from __future__ import annotations

from datetime import datetime

from arq.connections import ArqRedis
from sqlmodel import Session

from setlist_app.models.sync import SyncJob
from setlist_app.sync import jobs, planners

# The arq function name; renaming it breaks queued jobs (pickled by name).
RUN_JOB_FUNCTION = "run_sync_job"


def arq_job_id(job: SyncJob) -> str:
    """One arq id per (row, attempt): arq dedups re-enqueues, yet a retried row is not blocked by
    the result arq keeps for the previous attempt."""
    return f"sync:{job.id}:{job.attempts}"


async def enqueue(queue: ArqRedis, job: SyncJob) -> bool:
    """Hand one pending row to arq; False when arq already has it."""
    return await queue.enqueue_job(RUN_JOB_FUNCTION, job.id, _job_id=arq_job_id(job)) is not None


async def reenqueue_pending(session: Session, queue: ArqRedis, now: datetime, *, limit: int) -> int:
    """Enqueue every due pending row that arq does not hold; returns how many were (re)queued."""
    count = 0
    for job in jobs.due_pending(session, now, limit):
        count += await enqueue(queue, job)
    return count


@planners.planner(
    "stale_job_sweeper",
    interval_seconds=60,
    limit_per_run=0,  # creates no jobs
    essential=True,
    description="Return jobs of crashed workers (expired leases) to the queue",
)
async def sweep(p: planners.PlanContext) -> int:
    return jobs.release_expired_leases(p.session, p.now)
